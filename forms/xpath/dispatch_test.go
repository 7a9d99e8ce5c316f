package xpath

import (
	"strings"
	"testing"
	"time"
)

// stubContext is a Context without nodes, enough to run any function.
type stubContext struct{}

func (stubContext) Current() Node                     { return nil }
func (stubContext) Root() Node                        { return nil }
func (stubContext) Instance(string) Node              { return nil }
func (stubContext) Field(string) ([]Node, error)      { return nil, nil }
func (stubContext) ChoiceLabel(string, string) string { return "" }
func (stubContext) Now() time.Time                    { return time.Unix(0, 0) }

// TestEveryFunctionRuns checks that each function has an implementation:
// a call field, or a case of evaluator.call's switch for its id.
func TestEveryFunctionRuns(t *testing.T) {
	ids := map[fnID]string{}
	for name, f := range funcs {
		if (f.id == fNone) == (f.call == nil) {
			t.Errorf("%s: want exactly one of id and call", name)
		}
		if f.id != fNone {
			ids[f.id] = name
		}
	}
	for id := fNone + 1; id < numFnIDs; id++ {
		name, ok := ids[id]
		if !ok {
			t.Errorf("fnID %d names no function", id)
			continue
		}
		args := make([]node, 7)
		for i := range args {
			args[i] = &numberLit{v: 1, text: "1"}
		}
		var ev evaluator
		ev.init(stubContext{})
		_, err := ev.call(&callExpr{name: name, fn: funcs[name], args: args})
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestHasToken compares hasToken with the padded search it replaces.
func TestHasToken(t *testing.T) {
	words := []string{"", " ", "  ", "a", "b", "a b", "ab", " a", "a ", "aa", "a\tb", "é"}
	for _, l1 := range words {
		for _, l2 := range words {
			for _, l3 := range words {
				list := l1 + l2 + l3
				for _, w := range words {
					want := strings.Contains(" "+list+" ", " "+w+" ")
					if got := hasToken(list, w); got != want {
						t.Errorf("hasToken(%q, %q) = %v, want %v", list, w, got, want)
					}
				}
			}
		}
	}
}

func TestCountFields(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a  b ", "a\tb\nc", "a\u00a0b", "\u2003x\u2003", "\xffa b", "a\x85b"} {
		if got, want := countFields(s), len(strings.Fields(s)); got != want {
			t.Errorf("countFields(%q) = %d, want %d", s, got, want)
		}
	}
}
