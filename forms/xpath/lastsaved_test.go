package xpath_test

import (
	"reflect"
	"testing"
	"time"

	"sira/forms/xpath"
)

// lsCtx answers ${last-saved#name} from a map; every ${name} is unknown.
type lsCtx struct{ last map[string]string }

func (c lsCtx) Current() xpath.Node               { return nil }
func (c lsCtx) Root() xpath.Node                  { return nil }
func (c lsCtx) Instance(string) xpath.Node        { return nil }
func (c lsCtx) ChoiceLabel(string, string) string { return "" }
func (c lsCtx) Now() time.Time                    { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
func (c lsCtx) Field(name string) ([]xpath.Node, error) {
	return nil, &xpath.EvalError{Msg: "unknown " + name}
}
func (c lsCtx) LastSaved(name string) xpath.Value { return xpath.String(c.last[name]) }

func TestLastSavedRef(t *testing.T) {
	e, err := xpath.Parse("${last-saved#n} + 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Fields()) != 0 || !reflect.DeepEqual(e.LastSaved(), []string{"n"}) {
		t.Errorf("fields %v last-saved %v", e.Fields(), e.LastSaved())
	}
	if c := e.Canonical(); c != "(${last-saved#n} + 1)" {
		t.Errorf("canonical %q", c)
	}
	for _, tc := range []struct {
		last map[string]string
		want string
	}{{map[string]string{"n": "41"}, "42"}, {nil, "NaN"}} {
		v, err := e.Eval(lsCtx{tc.last})
		if err != nil {
			t.Fatal(err)
		}
		if got := xpath.ToString(v); got != tc.want {
			t.Errorf("last %v: %q, want %q", tc.last, got, tc.want)
		}
	}
	for _, bad := range []string{"${last-saved#}", "${last-saved#a b}", "${last_saved#a}"} {
		if _, err := xpath.Parse(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
