package xpath

import "time"

// Kind is the type of a Value.
type Kind uint8

// Value kinds. KindString covers empty answers ("").
const (
	KindString Kind = iota
	KindNumber
	KindBool
	KindDate     // a calendar date; T holds local midnight
	KindDateTime // an instant; T holds it with its offset
	KindTime     // a time of day; T holds it on 1970-01-01
	KindNodeset  // the values of several nodes (a reference into a repeat from outside it)
)

// Value is the result of evaluating an expression, or the value of a field as
// the engine supplies it to an expression.
type Value struct {
	Kind Kind
	S    string    // KindString
	N    float64   // KindNumber
	B    bool      // KindBool
	T    time.Time // KindDate, KindDateTime, KindTime
	Set  []Value   // KindNodeset
}

// String, Number and Bool build values.
func String(s string) Value  { return Value{Kind: KindString, S: s} }
func Number(n float64) Value { return Value{Kind: KindNumber, N: n} }
func Bool(b bool) Value      { return Value{Kind: KindBool, B: b} }
