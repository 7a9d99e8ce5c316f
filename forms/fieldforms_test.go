package forms_test

import (
	"strings"
	"testing"

	"sira/forms"
)

// TestDefaultLiteralOrExpression follows pyxform's default_is_dynamic on
// the defaults real forms write.
func TestDefaultLiteralOrExpression(t *testing.T) {
	for _, tc := range []struct {
		typ, def string
		dynamic  bool
	}{
		{"text", "Présent (indigène ou indéterminé)", false}, // "name (" is not a call
		{"text", "concat('a', 'b')", true},
		{"text", "a-b", false},
		{"text", "a - b", true},
		{"integer", "-5", false},
		{"integer", "2 + 3", true},
		{"integer", "10 div 2", true},
		{"date", "2024-01-31", false},
		{"date", "today()", true},
		{"date", "2024-01-31 - 1", false}, // date types keep their dashes: a literal, as pyxform says
		{"text", "${name}", true},
		{"text", "${last-saved#name}", true},
		{"text", "a | b", true},
		{"text", "x[1]", false}, // pyxform does not count predicates
		{"text", "Non applicable", false},
		{"geopoint", "12.5 -4.25 0 0", false},
	} {
		t.Run(tc.typ+"/"+tc.def, func(t *testing.T) {
			src := "| survey |\n| | type | name | label | default |\n| | text | name | N | |\n| | " + tc.typ + " | q | Q | " + strings.ReplaceAll(tc.def, "|", "\\|") + " |\n"
			f, err := compileMD(t, src)
			if err != nil {
				t.Fatal(err)
			}
			n := f.ByName("q")
			if n.Default != tc.def || n.DynamicDefault != tc.dynamic {
				t.Errorf("default %q dynamic %v, want %q %v", n.Default, n.DynamicDefault, tc.def, tc.dynamic)
			}
		})
	}
}

// TestFieldFormsCompile covers what real forms write and pyxform (or ODK)
// accepts or refuses.
func TestFieldFormsCompile(t *testing.T) {
	for _, tc := range []struct {
		name, rows string
		problem    string // "" when the form compiles
	}{
		{"LastSavedDefault", "| | text | place | Place | ${last-saved#place} | |", ""},
		{"LastSavedCalculation", "| | integer | n | N | | |\n| | calculate | prev | | | ${last-saved#n} + 1 |", ""},
		{"LastSavedUnknown", "| | calculate | prev | | | ${last-saved#nothere} |", "nothere"},
		{"MetaGroup", "| | begin group | meta | | | |\n| | text | a | A | | |\n| | end group | | | | |", `"meta" is reserved`},
		{"MetaQuestion", "| | text | meta | M | | |", `"meta" is reserved`},
		{"GridHeaderNoLabel", "| | begin group | g | G | | |\n| | select_one yn | h | | | |\n| | end group | | | | |", "no label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "| survey |\n| | type | name | label | default | calculation |\n" + tc.rows + "\n| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n"
			_, err := compileMD(t, src)
			if tc.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error %v, want one containing %q", err, tc.problem)
			}
		})
	}
}

// TestTableListRows: a select with appearance label or list-nolabel needs
// no label (the header row of a table-list grid).
func TestTableListRows(t *testing.T) {
	for _, app := range []string{"label", "list-nolabel", "minimal list-nolabel"} {
		src := "| survey |\n| | type | name | label | appearance |\n| | begin group | g | G | table-list |\n| | select_one yn | h | | " + app + " |\n| | select_one yn | a | A | list-nolabel |\n| | end group | | | |\n| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n"
		if _, err := compileMD(t, src); err != nil {
			t.Errorf("appearance %q: %v", app, err)
		}
	}
	src := "| survey |\n| | type | name | label | appearance |\n| | text | h | | label |\n"
	if _, err := compileMD(t, src); err == nil {
		t.Error("a text question with appearance label and no label compiled")
	}
}

// TestBindPrefixedColumns: bind::relevant is relevant, bind::type is not
// the question type (pyxform: the bind's type attribute) and is kept.
func TestBindPrefixedColumns(t *testing.T) {
	src := "| survey |\n| | type | bind::type | name | label | bind::relevant |\n| | integer | | a | A | |\n| | text | string | b | B | ${a} > 1 |\n"
	f := mustCompileMD(t, src)
	b := f.ByName("b")
	if b.Type != forms.TypeText || b.Relevant != "${a} > 1" || b.Extra["bind::type"] != "string" {
		t.Errorf("b: type %q relevant %q extra %v", b.Type, b.Relevant, b.Extra)
	}
}
