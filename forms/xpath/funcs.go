package xpath

import (
	"errors"
	"fmt"
	"sort"
)

// function describes a callable: its arity, checked at parse time, and its
// implementation, which receives the unevaluated arguments so that if(),
// once() and indexed-repeat() control evaluation themselves.
//
// A function has either an id, naming a case of evaluator.call's switch, or
// a call. The direct calls matter: escape analysis cannot see through a
// call of a function value and would move every evaluator to the heap, one
// allocation per evaluation; call hands such functions a heap copy instead.
type function struct {
	id       fnID
	min, max int // max < 0: any number of arguments
	volatile bool
	check    func(*callExpr) error // extra parse-time checks
	call     func(ev *evaluator, args []node) (result, error)
}

// fnID names a function evaluator.call runs directly; 0 for none.
type fnID uint8

const (
	fNone fnID = iota
	fIf
	fCoalesce
	fOnce
	fSelected
	fCountSelected
	fSelectedAt
	fChoiceName
	fConcat
	fJoin
	fStringLength
	fSubstr
	fContains
	fStartsWith
	fEndsWith
	fRegex
	fToday
	fNow
	fDate
	fDecimalDateTime
	fFormatDate
	fInt
	fRound
	fNumber
	fString
	fBoolean
	fTrue
	fFalse
	fNot
	fCount
	fCountNonEmpty
	fSum
	fMax
	fMin
	fPosition
	fCurrent
	fInstance
	numFnIDs
)

func (f *function) arity() string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d argument%s", f.min, plural(f.min))
	case f.min == f.max:
		return fmt.Sprintf("%d argument%s", f.min, plural(f.min))
	case f.max == f.min+1:
		return fmt.Sprintf("%d or %d arguments", f.min, f.max)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func lookupFunc(name string) *function { return funcs[name] }

// FunctionNames lists the functions expressions may call, sorted.
func FunctionNames() []string {
	names := make([]string, 0, len(funcs))
	for n := range funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkIndexedRepeat enforces what JavaRosa needs statically: an odd number
// of arguments (field, then repeat/index pairs).
func checkIndexedRepeat(c *callExpr) error {
	if len(c.args)%2 == 0 {
		return errors.New("indexed-repeat() takes a field then repeat/index pairs (3, 5 or 7 arguments)")
	}
	return nil
}

// checkWeighted enforces value/weight pairs after min and max.
func checkWeighted(c *callExpr) error {
	if len(c.args)%2 != 0 {
		return errors.New("weighted-checklist() takes min, max, then value/weight pairs")
	}
	return nil
}
