package export

import (
	"strconv"
	"strings"
	"time"

	"sira/forms"
)

// ColType is how a column is typed in Stata, SPSS and Excel.
type ColType int

// Column types.
const (
	ColText      ColType = iota // text, calculate, select_multiple values, identifiers
	ColNumber                   // integer, decimal, range, geopoint parts, counts
	ColCode                     // select_one: a numeric code with value labels
	ColIndicator                // 0/1 column of a select_multiple choice
	ColDate                     // date: a calendar day
	ColDateTime                 // dateTime, start, end, submission and interview times (UTC)
)

// TypeOf returns how column c is typed in typed formats (dta, sav, xlsx).
func TypeOf(c Column) ColType {
	switch c.Kind {
	case KindGeoPart:
		return ColNumber
	case KindChoice:
		return ColIndicator
	case KindMeta:
		switch c.Meta {
		case "SubmissionDate", "Started", "Ended":
			return ColDateTime
		case "AttachmentsPresent", "AttachmentsExpected", "Edits", "Revision":
			return ColNumber
		}
		return ColText
	}
	switch c.Node.Type {
	case forms.TypeInteger, forms.TypeDecimal, forms.TypeRange:
		return ColNumber
	case forms.TypeSelectOne:
		return ColCode
	case forms.TypeDate, forms.TypeToday:
		return ColDate
	case forms.TypeDateTime, forms.TypeStart, forms.TypeEnd:
		return ColDateTime
	}
	return ColText
}

// Missing-value convention: why a cell is empty.
const (
	// ChoiceDontKnow and ChoiceRefused are the choice names a select's
	// "don't know" and "refused" answers must have.
	ChoiceDontKnow = "dk"
	ChoiceRefused  = "refused"
	// NumberDontKnow and NumberRefused are the numeric answers meaning
	// "don't know" and "refused".
	NumberDontKnow = -98
	NumberRefused  = -99
	// SPSS user-missing codes of the two reasons that have no answer.
	SPSSNotApplicable = -97
	SPSSNotAnswered   = -96
)

// Reason says why a typed cell holds no value.
type Reason uint8

// Reasons, with their Stata extended missing value and SPSS code.
const (
	Present       Reason = iota
	NotApplicable        // the question was not relevant: Stata .a, SPSS -97
	DontKnow             // "don't know": Stata .b, SPSS -98
	Refused              // refused: Stata .c, SPSS -99
	NotAnswered          // relevant but left empty: Stata .d, SPSS -96
	SysMissing           // metadata not recorded: Stata ., SPSS system-missing
)

// StataMissing returns the Stata missing value of r ('.', 'a'…'d').
func (r Reason) StataMissing() byte {
	switch r {
	case NotApplicable:
		return 'a'
	case DontKnow:
		return 'b'
	case Refused:
		return 'c'
	case NotAnswered:
		return 'd'
	}
	return '.'
}

// SPSSCode returns the SPSS user-missing code of r (0 for system missing).
func (r Reason) SPSSCode() float64 {
	switch r {
	case NotApplicable:
		return SPSSNotApplicable
	case DontKnow:
		return NumberDontKnow
	case Refused:
		return NumberRefused
	case NotAnswered:
		return SPSSNotAnswered
	}
	return 0
}

// reasonText labels the reasons in French and English.
var reasonText = map[Reason][2]string{
	NotApplicable: {"Sans objet (question non posée)", "Not applicable (question not asked)"},
	DontKnow:      {"Ne sait pas", "Don't know"},
	Refused:       {"Refus de répondre", "Refused"},
	NotAnswered:   {"Sans réponse", "Not answered"},
}

// Neutralize is what CSV and XLSX exports do to text cells: see neutralize.
func Neutralize(s string) string { return neutralize(s) }

// neutralize defuses a text cell that a spreadsheet would read as a
// formula (OWASP's CSV injection advice): a cell starting with = + - @,
// tab or carriage return gets a leading apostrophe.
func neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// epochs of Stata (1960-01-01) and SPSS (1582-10-14), UTC.
var (
	stataEpoch = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	spssEpoch  = time.Date(1582, 10, 14, 0, 0, 0, 0, time.UTC)
)

// parseDate reads an XLSForm date (YYYY-MM-DD, possibly followed by a time).
func parseDate(s string) (time.Time, bool) {
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseDateTime reads an ISO 8601 instant as ODK and Sira write them.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseNumber reads an integer or decimal answer.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}
