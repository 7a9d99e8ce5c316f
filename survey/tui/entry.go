package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"sira/forms"
)

// maxEntry bounds what a number or date field takes: longer text is no
// number or date, and is refused with a message rather than cut.
const maxEntry = 40

// numeric reports whether answers of type t are numbers typed by the
// enumerator.
func numeric(t forms.Type) bool {
	return t == forms.TypeInteger || t == forms.TypeDecimal || t == forms.TypeRange
}

// normalizeEntry turns what the enumerator typed in a number or date field
// into the form the engine stores, or returns the code of the message to
// show (valueMessage). Spaces grouping thousands ("2 650 000") are
// ignored; a decimal comma is a decimal point ("2,5" is 2.5); an integer
// refuses both; dates are typed day first as on paper ("05/12/2026",
// "5/12/26", "5.12.2026") or as YYYY-MM-DD. Other types pass unchanged.
func normalizeEntry(t forms.Type, typed string, now time.Time) (string, string) {
	s := strings.TrimSpace(typed)
	if s == "" || !(numeric(t) || t == forms.TypeDate) {
		return s, ""
	}
	if len(s) > maxEntry {
		if t == forms.TypeDate {
			return "", "date"
		}
		return "", "decimal"
	}
	if numeric(t) {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'' {
				return -1
			}
			return r
		}, s)
		if t == forms.TypeInteger {
			if strings.ContainsAny(s, ",.") {
				return "", "integer-comma"
			}
			return s, ""
		}
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.Replace(s, ",", ".", 1)
		}
		return s, ""
	}
	return parseDay(s, now)
}

// parseDay reads a date written YYYY-MM-DD or day first (D/M/YY, DD/MM/YYYY
// with /, . or - between the parts); a two-digit year is the one of this
// century that is not more than a year ahead of now.
func parseDay(s string, now time.Time) (string, string) {
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.Format("2006-01-02"), ""
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) != 3 {
		return "", "date"
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || len(p) > 4 {
			return "", "date"
		}
		n[i] = v
	}
	day, month, year := n[0], n[1], n[2]
	switch len(parts[2]) {
	case 2:
		year += 2000
		if year > now.Year()+1 {
			year -= 100
		}
	case 4:
	default:
		return "", "date"
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day || int(d.Month()) != month || d.Year() != year {
		return "", "date" // 31/02 is not a date
	}
	return d.Format("2006-01-02"), ""
}

// displayEntry shows a stored answer as the enumerator reads it: numbers
// with their thousands grouped ("2 650 000"), dates day first
// ("05/12/2026").
func displayEntry(t forms.Type, stored string) string {
	switch {
	case stored == "":
		return ""
	case numeric(t):
		return groupThousands(stored)
	case t == forms.TypeDate:
		if d, err := time.Parse("2006-01-02", stored); err == nil {
			return d.Format("02/01/2006")
		}
	}
	return stored
}

// groupThousands puts a space every three digits of a number's whole part.
func groupThousands(num string) string {
	sign, rest := "", num
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac := rest, ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		whole, frac = rest[:i], rest[i:]
	}
	for _, r := range whole {
		if r < '0' || r > '9' {
			return num
		}
	}
	if len(whole) <= 3 {
		return num
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + frac
}

var months = [2][12]string{
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

// spellDate writes a stored date with the month in words, so that 05/12
// cannot be read as May 12: "5 December 2026", "5 décembre 2026".
func spellDate(stored string, french bool) string {
	d, err := time.Parse("2006-01-02", stored)
	if err != nil {
		return ""
	}
	l := 0
	if french {
		l = 1
	}
	return fmt.Sprintf("%d %s %d", d.Day(), months[l][d.Month()-1], d.Year())
}
