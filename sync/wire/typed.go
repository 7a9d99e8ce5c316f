package wire

import (
	"strconv"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// Typed answers (record layout of protocol version 2). The form is the
// schema: a select answer is the index of its choice, an integer a varint,
// a decimal a mantissa and a scale, a date a number of days from the
// interview's start, a dateTime milliseconds from it. What remains of an
// answer is then its entropy, which zstd codes in bits rather than in
// matches of several bytes. The encoding is lossless by construction: a
// value is typed only if formatting the typed value gives back exactly the
// same string; anything else travels as a string (tag 0), so the content
// hash always verifies.

// valueKind is how a field's answers are typed.
type valueKind uint8

const (
	kindString valueKind = iota
	kindSelectOne
	kindSelectMulti
	kindInteger
	kindDecimal
	kindDate
	kindDateTime
	kindEnd      // a dateTime written relative to the interview's end
	kindDevice   // deviceid: usually the interview's DeviceID
	kindUsername // username: usually the interview's Enumerator
)

// fieldType is the typing of one key of the codec's key table.
type fieldType struct {
	kind    valueKind
	choices []string
	index   map[string]int
	plain   []bool // per choice: JSON quotes its name without escaping it
}

// fieldTypeOf derives the typing of node n of form f.
func fieldTypeOf(f *forms.Form, n *forms.Node) fieldType {
	switch n.Type {
	case forms.TypeSelectOne, forms.TypeSelectMulti:
		l := n.List
		if l == nil && f.Lists != nil {
			l = f.Lists[n.TypeArg]
		}
		if l == nil || len(l.Choices) == 0 {
			return fieldType{}
		}
		ft := fieldType{kind: kindSelectOne, index: map[string]int{}}
		if n.Type == forms.TypeSelectMulti {
			ft.kind = kindSelectMulti
		}
		for _, ch := range l.Choices {
			if _, dup := ft.index[ch.Name]; !dup {
				ft.index[ch.Name] = len(ft.choices)
				ft.choices = append(ft.choices, ch.Name)
				ft.plain = append(ft.plain, string(survey.AppendJSONString(nil, ch.Name)) == `"`+ch.Name+`"`)
			}
		}
		return ft
	case forms.TypeInteger, forms.TypeRange:
		return fieldType{kind: kindInteger}
	case forms.TypeDecimal:
		return fieldType{kind: kindDecimal}
	case forms.TypeDate, forms.TypeToday:
		return fieldType{kind: kindDate}
	case forms.TypeDateTime, forms.TypeStart:
		return fieldType{kind: kindDateTime}
	case forms.TypeEnd:
		return fieldType{kind: kindEnd}
	case forms.TypeDeviceID:
		return fieldType{kind: kindDevice}
	case forms.TypeUsername:
		return fieldType{kind: kindUsername}
	}
	return fieldType{}
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02T15:04:05.000Z"
	dayMs          = 86400 * 1000
)

// value writes answer s of a field typed ft of interview iv (dates and
// times are written relative to its start or end, the device and user
// fields as "the interview's own").
func (e *encoder) value(ft *fieldType, s string, iv *survey.Interview) {
	if ft == nil || ft.kind == kindString {
		e.str(s)
		return
	}
	if x, ok := typedValue(ft, s, iv); ok {
		e.b = append(e.b, x...)
		return
	}
	e.uvarint(0)
	e.str(s)
}

// typedValue returns the typed encoding of s (its first uvarint ≥ 1), or
// false when s is not in the canonical shape of its type.
func typedValue(ft *fieldType, s string, iv *survey.Interview) ([]byte, bool) {
	var e encoder
	base := iv.Started
	switch ft.kind {
	case kindDevice, kindUsername:
		own := iv.DeviceID
		if ft.kind == kindUsername {
			own = iv.Enumerator
		}
		if s != own {
			return nil, false
		}
		e.uvarint(1)
	case kindEnd:
		if iv.Ended.IsZero() {
			return nil, false
		}
		base = iv.Ended
		fallthrough
	case kindSelectOne:
		i, ok := ft.index[s]
		if !ok {
			return nil, false
		}
		e.uvarint(uint64(i) + 1)
	case kindSelectMulti:
		if s == "" {
			return nil, false
		}
		parts := strings.Split(s, " ")
		e.uvarint(uint64(len(parts)))
		for _, p := range parts {
			i, ok := ft.index[p]
			if !ok {
				return nil, false
			}
			e.uvarint(uint64(i))
		}
	case kindInteger:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != s || v > 1<<60 || v < -(1<<60) {
			return nil, false
		}
		e.uvarint(zigzag(v) + 1)
	case kindDecimal:
		m, d, ok := parseDecimal(s)
		if !ok {
			return nil, false
		}
		e.uvarint(zigzag(m)<<3 | uint64(d) + 1)
	case kindDate:
		t, err := time.Parse(dateLayout, s)
		if err != nil || t.Format(dateLayout) != s || !nanoSafe(t) || !nanoSafe(base) {
			return nil, false
		}
		e.uvarint(zigzag(t.Unix()/86400-dayOf(base)) + 1)
	case kindDateTime:
		t, err := time.Parse(dateTimeLayout, s)
		if err != nil || t.UTC().Format(dateTimeLayout) != s || !nanoSafe(t) || !nanoSafe(base) {
			return nil, false
		}
		e.uvarint(zigzag(t.UnixMilli()-base.UnixMilli()) + 1)
	default:
		return nil, false
	}
	return e.b, true
}

// dayOf is the day number (since 1970-01-01 UTC) of t's UTC date.
func dayOf(t time.Time) int64 {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// parseDecimal reads "-?[0-9]+(\.[0-9]{1,7})?" into a mantissa and a scale,
// only when formatDecimal gives s back exactly.
func parseDecimal(s string) (int64, int, bool) {
	intPart, frac, dot := strings.Cut(s, ".")
	if dot && (len(frac) == 0 || len(frac) > 7) {
		return 0, 0, false
	}
	m, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || m > 1<<56 || m < -(1<<56) {
		return 0, 0, false
	}
	d := len(frac)
	if formatDecimal(m, d) != s {
		return 0, 0, false
	}
	return m, d, true
}

func formatDecimal(m int64, d int) string {
	return string(appendDecimal(nil, m, d))
}
