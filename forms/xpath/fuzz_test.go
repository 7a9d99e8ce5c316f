package xpath_test

import (
	"testing"

	"sira/forms/xpath"
)

// FuzzParse checks that no input panics the parser or the evaluator, that
// String() returns the source, and that Canonical() is a fixed point of
// Parse: parsing it gives the same tree.
func FuzzParse(f *testing.F) {
	for _, c := range loadCases(f) {
		f.Add(c.expr)
	}
	for _, s := range []string{
		"${a} + ${b}", "instance('l')/root/item[name = current()/../x]/label",
		"jr:choice-name(${q}, '${q}')", "(/) * 2", "- - -1", "a[1][2]/b[c = 'd']",
		"indexed-repeat(${x}, ${r}, 2, ${r2}, 1)", "regex(., '^[a-z]+$')", "'", "${", "[", "(",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := xpath.Parse(src)
		if err != nil {
			if _, ok := err.(*xpath.SyntaxError); !ok {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", src, err)
			}
			return
		}
		if e.String() != src {
			t.Fatalf("String() = %q, want %q", e.String(), src)
		}
		canon := e.Canonical()
		e2, err := xpath.Parse(canon)
		if err != nil {
			t.Fatalf("Parse(Canonical() = %q) of %q: %v", canon, src, err)
		}
		if got := e2.Canonical(); got != canon {
			t.Fatalf("Canonical() not stable for %q: %q then %q", src, canon, got)
		}
		_ = e.Fields()
		_ = e.Paths()
		// Evaluation may fail, but never panic or hang.
		_, _ = e.Eval(household())
	})
}
