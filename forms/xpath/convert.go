package xpath

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// epsilon is JavaRosa's tolerance for number equality and for treating a
// number as zero or integral.
const epsilon = 1e-12

// ToString converts v as JavaRosa's string() does: integral numbers print
// without a decimal point, NaN and the infinities by name, booleans as
// "true"/"false", and any date or dateTime as its calendar date YYYY-MM-DD
// (in the zone T carries). A time of day prints as HH:MM:SS.mmm. A nodeset
// converts its first value ("" when empty).
func ToString(v Value) string { return stringOf(&v) }

func stringOf(v *Value) string {
	switch v.Kind {
	case KindString:
		return v.S
	case KindNumber:
		return formatNumber(v.N)
	case KindBool:
		if v.B {
			return "true"
		}
		return "false"
	case KindDate, KindDateTime:
		return v.T.Format("2006-01-02")
	case KindTime:
		return v.T.Format("15:04:05.000")
	case KindNodeset:
		if len(v.Set) == 0 {
			return ""
		}
		return stringOf(&v.Set[0])
	}
	return ""
}

func formatNumber(n float64) string {
	switch {
	case math.IsNaN(n):
		return "NaN"
	case math.IsInf(n, 1):
		return "Infinity"
	case math.IsInf(n, -1):
		return "-Infinity"
	case math.Abs(n) < epsilon:
		return "0"
	}
	if r := math.Round(n); math.Abs(n-r) < epsilon && math.Abs(r) < 1<<53 {
		return strconv.FormatInt(int64(r), 10)
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// ToNumber converts v as JavaRosa's number() does: true is 1 and false 0; a
// string is trimmed, ',' counts as the decimal point, and anything but an
// optional '-', digits and one decimal point gives NaN (so "" is NaN, not 0);
// a date or dateTime gives whole days since 1970-01-01 on its local
// calendar; a time of day gives the fraction of the day elapsed.
func ToNumber(v Value) float64 { return numberOf(&v) }

func numberOf(v *Value) float64 {
	switch v.Kind {
	case KindString:
		return parseNumber(v.S)
	case KindNumber:
		return v.N
	case KindBool:
		if v.B {
			return 1
		}
		return 0
	case KindDate, KindDateTime:
		return float64(daysSinceEpoch(v.T))
	case KindTime:
		return fractionOfDay(v.T)
	case KindNodeset:
		if len(v.Set) == 1 {
			return numberOf(&v.Set[0])
		}
	}
	return math.NaN()
}

func parseNumber(s string) float64 {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return math.NaN()
	}
	s = strings.ReplaceAll(s, ",", ".")
	// Java's Double.parseDouble, after JavaRosa's filter to '-', '.' and
	// digits: an optional leading sign, at most one point, some digit.
	i := 0
	if s[0] == '-' {
		i = 1
	}
	digits, points := 0, 0
	for _, c := range []byte(s[i:]) {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return math.NaN()
		}
	}
	if digits == 0 || points > 1 {
		return math.NaN()
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return n
		}
		return math.NaN()
	}
	return n
}

// ToBool converts v as JavaRosa's boolean() does: a number is true unless it
// is zero (within 1e-12) or NaN; a string is true unless empty ("false" is
// true); dates are true; a nodeset is true when it holds a node.
func ToBool(v Value) bool { return boolOf(&v) }

func boolOf(v *Value) bool {
	switch v.Kind {
	case KindString:
		return v.S != ""
	case KindNumber:
		return math.Abs(v.N) > epsilon && !math.IsNaN(v.N)
	case KindBool:
		return v.B
	case KindDate, KindDateTime, KindTime:
		return true
	case KindNodeset:
		return len(v.Set) > 0
	}
	return false
}

// IsEmpty reports whether v is an empty answer: the empty string, or NaN
// (the result of arithmetic on empty answers). coalesce() uses this rule.
func IsEmpty(v Value) bool {
	switch v.Kind {
	case KindString:
		return v.S == ""
	case KindNumber:
		return math.IsNaN(v.N)
	case KindNodeset:
		return len(v.Set) == 0 || (len(v.Set) == 1 && IsEmpty(v.Set[0]))
	}
	return false
}

// Date, DateTime and Time build date values. Date keeps only the calendar
// date of t, at midnight in t's location.
func Date(t time.Time) Value {
	y, m, d := t.Date()
	return Value{Kind: KindDate, T: time.Date(y, m, d, 0, 0, 0, 0, t.Location())}
}

// DateTime builds a dateTime value: an instant, kept with t's location.
func DateTime(t time.Time) Value { return Value{Kind: KindDateTime, T: t} }

// Time builds a time-of-day value from t's clock reading, on 1970-01-01.
func Time(t time.Time) Value {
	h, m, s := t.Clock()
	return Value{Kind: KindTime, T: time.Date(1970, 1, 1, h, m, s, t.Nanosecond(), t.Location())}
}

// daysSinceEpoch counts calendar days from 1970-01-01 to t's local date.
func daysSinceEpoch(t time.Time) int64 {
	y, m, d := t.Date()
	return civilDays(y, int(m), d)
}

// civilDays is days from 1970-01-01 to y-m-d in the proleptic Gregorian
// calendar (Howard Hinnant's algorithm), free of zone and DST effects.
func civilDays(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// dateFromDays returns local midnight of the day n days after 1970-01-01.
func dateFromDays(n int64, loc *time.Location) time.Time {
	return time.Date(1970, 1, 1+int(n), 0, 0, 0, 0, loc)
}

func fractionOfDay(t time.Time) float64 {
	h, m, s := t.Clock()
	return (float64(h*3600+m*60+s) + float64(t.Nanosecond())/1e9) / 86400
}

// decimalDays is fractional days since the epoch instant (UTC), as
// decimal-date-time() computes it.
func decimalDays(t time.Time) float64 {
	return float64(t.UnixMilli()) / 86400000
}

// dateLayouts are the ISO 8601 forms JavaRosa's DateUtils.parseDateTime
// accepts, without and with a zone offset.
var localLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
}

var zonedLayouts = []string{
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04Z07",
}

// parseDateTime reads an ISO 8601 date or dateTime. Without an offset, the
// time is read in loc (the device zone); with one, the instant is moved to
// loc so that its local calendar date is the device's. dateOnly reports a
// plain YYYY-MM-DD.
func parseDateTime(s string, loc *time.Location) (t time.Time, dateOnly, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return time.Time{}, false, false
	}
	for i, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, i == 0, true
		}
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.In(loc), false, true
		}
	}
	return time.Time{}, false, false
}

// parseTimeOfDay reads HH:MM[:SS[.sss]][offset], a time question's answer.
func parseTimeOfDay(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"15:04:05Z07:00", "15:04:05", "15:04Z07:00", "15:04"} {
		var t time.Time
		var err error
		if strings.Contains(l, "Z") {
			t, err = time.Parse(l, s)
			if err == nil {
				_, off := time.Date(1970, 1, 1, 0, 0, 0, 0, loc).Zone()
				t = t.In(time.FixedZone("", off))
			}
		} else {
			t, err = time.ParseInLocation(l, s, loc)
		}
		if err == nil {
			return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), true
		}
	}
	return time.Time{}, false
}
