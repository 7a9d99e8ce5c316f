package survey

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sira/forms"
	"sira/forms/xpath"
)

// ValueError reports a raw answer that does not fit its question's type:
// a letter in an integer, an impossible date, a choice the list does not
// offer. The UI shows Reason next to the question.
type ValueError struct {
	Field  string // the ref, with indices
	Value  string // the rejected input; a form answer, so never log it
	Reason string // in English, for logs and tests; the UI translates by Code
	Code   string // "integer", "decimal", "date", "time", "dateTime", "geopoint", "choice", "range", "readonly", "relevant"
}

func (e *ValueError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Stored layouts of dates and times, as ODK writes them in the instance.
const (
	layoutDate     = "2006-01-02"
	layoutTime     = "15:04:05.000Z07:00"
	layoutDateTime = "2006-01-02T15:04:05.000Z07:00"
)

var timeLayouts = []string{"15:04:05.000Z07:00", "15:04:05Z07:00", "15:04:05.000", "15:04:05", "15:04"}
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// normalizeScalar converts a raw, non-select answer to its stored form, or
// returns a reason it is not valid. Empty input stays empty (a cleared answer).
func normalizeScalar(n *forms.Node, raw string, loc *time.Location) (string, string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", nil
	}
	switch n.Type {
	case forms.TypeInteger:
		v, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
		if err != nil {
			return "", "integer", fmt.Errorf("not a whole number")
		}
		return strconv.FormatInt(v, 10), "", nil
	case forms.TypeDecimal:
		f, err := parseDecimal(s)
		if err != nil {
			return "", "decimal", err
		}
		return formatNumber(f), "", nil
	case forms.TypeRange:
		f, err := parseDecimal(s)
		if err != nil {
			return "", "range", err
		}
		lo, hi, step := rangeParams(n)
		if f < lo || f > hi {
			return "", "range", fmt.Errorf("outside %s..%s", formatNumber(lo), formatNumber(hi))
		}
		if step > 0 {
			k := (f - lo) / step
			if math.Abs(k-math.Round(k)) > 1e-9 {
				return "", "range", fmt.Errorf("not a multiple of the step %s", formatNumber(step))
			}
		}
		return formatNumber(f), "", nil
	case forms.TypeDate:
		t, err := time.ParseInLocation(layoutDate, s, loc)
		if err != nil {
			return "", "date", fmt.Errorf("not a date (YYYY-MM-DD)")
		}
		return t.Format(layoutDate), "", nil
	case forms.TypeTime:
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return t.Format(layoutTime), "", nil
			}
		}
		return "", "time", fmt.Errorf("not a time (HH:MM)")
	case forms.TypeDateTime, forms.TypeStart, forms.TypeEnd:
		for _, l := range dateTimeLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return t.Format(layoutDateTime), "", nil
			}
		}
		return "", "dateTime", fmt.Errorf("not a date and time (YYYY-MM-DDTHH:MM)")
	case forms.TypeToday:
		t, err := time.ParseInLocation(layoutDate, s, loc)
		if err != nil {
			return "", "date", fmt.Errorf("not a date (YYYY-MM-DD)")
		}
		return t.Format(layoutDate), "", nil
	case forms.TypeGeopoint:
		return normalizeGeopoint(s)
	case forms.TypeAcknowledge:
		if s != "OK" {
			return "", "acknowledge", fmt.Errorf(`only "OK" acknowledges`)
		}
		return s, "", nil
	}
	return s, "", nil
}

func normalizeGeopoint(s string) (string, string, error) {
	f := strings.Fields(s)
	if len(f) < 2 || len(f) > 4 {
		return "", "geopoint", fmt.Errorf("a geopoint is latitude longitude [altitude [accuracy]]")
	}
	out := make([]string, 4)
	for i := range out {
		out[i] = "0"
	}
	for i, p := range f {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return "", "geopoint", fmt.Errorf("geopoint part %d is not a number", i+1)
		}
		switch {
		case i == 0 && (v < -90 || v > 90):
			return "", "geopoint", fmt.Errorf("latitude outside -90..90")
		case i == 1 && (v < -180 || v > 180):
			return "", "geopoint", fmt.Errorf("longitude outside -180..180")
		case i == 3 && v < 0:
			return "", "geopoint", fmt.Errorf("negative accuracy")
		}
		out[i] = formatNumber(v)
	}
	return strings.Join(out, " "), "", nil
}

// parseDecimal accepts a comma as the decimal point, as JavaRosa does and as
// francophone enumerators type.
func parseDecimal(s string) (float64, error) {
	if f, ok := parseWhole(s); ok {
		return f, nil
	}
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimPrefix(s, "+"), ",", ".", 1), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return f, nil
}

// parseWhole is parseDecimal's shortcut for most answers: digits, perhaps
// after a minus sign, that make a non-zero number or a plain zero. At most
// 15 digits convert to a float64 exactly, as ParseFloat would.
func parseWhole(s string) (float64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || len(d) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		if n == 0 {
			return 0, false // -0: ParseFloat's negative zero
		}
		n = -n
	}
	return float64(n), true
}

// parseDate is time.ParseInLocation(layoutDate, s, loc), without the
// layout's interpretation for a well-formed date.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, okY := digits(s[0:4])
		m, okM := digits(s[5:7])
		d, okD := digits(s[8:10])
		if okY && okM && okD && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(time.Month(m), y) {
			return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), nil
		}
	}
	return time.ParseInLocation(layoutDate, s, loc)
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int((m-1)%7%2)
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// rangeParams returns start, end and step with pyxform's defaults (1 10 1).
func rangeParams(n *forms.Node) (lo, hi, step float64) {
	lo, hi, step = 1, 10, 1
	get := func(k string, d float64) float64 {
		if v, ok := n.Parameters[k]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f
			}
		}
		return d
	}
	return get("start", lo), get("end", hi), get("step", step)
}

// How answers of a type read in expressions.
const (
	typedString uint8 = iota
	typedNumber
	typedDate
	typedDateTime
	typedTime
)

func typedKind(t forms.Type) uint8 {
	switch t {
	case forms.TypeInteger, forms.TypeDecimal, forms.TypeRange:
		return typedNumber
	case forms.TypeDate, forms.TypeToday:
		return typedDate
	case forms.TypeDateTime, forms.TypeStart, forms.TypeEnd:
		return typedDateTime
	case forms.TypeTime:
		return typedTime
	}
	return typedString
}

// typedAs converts a stored answer to the value expressions see, by its
// type's typedKind: a number for numeric fields, a date for date fields,
// the string otherwise. Empty answers are String("") whatever the type, as
// in JavaRosa.
func typedAs(k uint8, s string, loc *time.Location) xpath.Value {
	if s == "" {
		return xpath.String("")
	}
	switch k {
	case typedNumber:
		if f, err := parseDecimal(s); err == nil {
			return xpath.Number(f)
		}
	case typedDate:
		if t, err := parseDate(s, loc); err == nil {
			return xpath.Value{Kind: xpath.KindDate, T: t}
		}
	case typedDateTime:
		for _, l := range dateTimeLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return xpath.Value{Kind: xpath.KindDateTime, T: t}
			}
		}
	case typedTime:
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return xpath.Value{Kind: xpath.KindTime, T: time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())}
			}
		}
	}
	return xpath.String(s)
}

// isSelect reports whether answers of n are choice names.
func isSelect(n *forms.Node) bool {
	switch n.Type {
	case forms.TypeSelectOne, forms.TypeSelectMulti, forms.TypeSelectFile, forms.TypeSelectMultiFile, forms.TypeRank, forms.TypeSelectOneExternal:
		return true
	}
	return false
}

// isMulti reports whether n's answer is a space-separated list of choices.
func isMulti(n *forms.Node) bool {
	return n.Type == forms.TypeSelectMulti || n.Type == forms.TypeSelectMultiFile || n.Type == forms.TypeRank
}

// isMeta reports whether n is filled by the app rather than asked.
func isMeta(n *forms.Node) bool {
	switch n.Type {
	case forms.TypeStart, forms.TypeEnd, forms.TypeToday, forms.TypeDeviceID, forms.TypeUsername,
		forms.TypeEmail, forms.TypePhoneNumber, forms.TypeAudit:
		return true
	}
	return false
}

// isContainer reports whether n holds children rather than a value.
func isContainer(n *forms.Node) bool {
	return n.Type == forms.TypeGroup || n.Type == forms.TypeRepeat
}
