package forms_test

import (
	"context"
	"os"
	"path/filepath"
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

// TestFormFiles: select_one_from_file GeoJSON (id/title properties, the
// geometry in ODK's notation), pulldata() CSVs and select_one_external
// lists are read into Form.Files; a missing one is named.
func TestFormFiles(t *testing.T) {
	dir := t.TempDir()
	form := "| survey |\n| | type | name | label | calculation |\n" +
		"| | select_one_from_file sites.geojson | site | Site | |\n" +
		"| | text | code | Code | |\n" +
		"| | calculate | price | | pulldata('prices', 'price', 'code', ${code}) |\n" +
		"| | select_one_external town | town | Town | |\n" +
		"| | calculate | n | | count(instance('sites')/root/item) |\n" +
		"| external_choices |\n| | list_name | name | label |\n| | town | kayes | Kayes |\n| | town | gao | Gao |\n"
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("form.md", form)
	write("sites.geojson", `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[-11.4,14.45]},"properties":{"id":"s1","title":"Kayes market","zone":"A"}},
		{"type":"Feature","id":"s2","geometry":{"type":"LineString","coordinates":[[-8,12.6],[-8.1,12.7,300]]},"properties":{"title":"Route"}}]}`)
	write("prices.csv", "code,price\nmil,250\nriz,400\n")
	f, err := forms.CompileFile(context.Background(), filepath.Join(dir, "form.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Files["sites.geojson"]
	if s == nil || len(s.Choices) != 2 {
		t.Fatalf("sites = %+v", s)
	}
	if c := s.Choices[0]; c.Name != "s1" || c.Label[""] != "Kayes market" || c.Extra["zone"] != "A" || c.Extra["geometry"] != "14.45 -11.4 0 0" {
		t.Errorf("feature 1 = %+v %v", c, c.Extra)
	}
	if c := s.Choices[1]; c.Name != "s2" || c.Extra["geometry"] != "12.6 -8 0 0; 12.7 -8.1 300 0" {
		t.Errorf("feature 2 = %+v %v", c, c.Extra)
	}
	if p := f.Files["prices.csv"]; p == nil || len(p.Choices) != 2 || p.Choices[1].Extra["price"] != "400" {
		t.Errorf("prices = %+v", p)
	}
	if l := f.Files["town"]; l == nil || len(l.Choices) != 2 {
		t.Errorf("external town = %+v", l)
	}
	os.Remove(filepath.Join(dir, "prices.csv"))
	if _, err := forms.CompileFile(context.Background(), filepath.Join(dir, "form.md")); err == nil || !strings.Contains(err.Error(), "file prices.csv is not beside the form") {
		t.Errorf("compile without prices.csv: %v", err)
	}
	f, err = forms.CompileFileWith(context.Background(), filepath.Join(dir, "form.md"), forms.CompileOptions{})
	if err != nil || len(f.Missing) != 1 || f.Missing[0] != "prices.csv" {
		t.Errorf("check without prices.csv: missing %v, %v", f.Missing, err)
	}
}

func FuzzChoiceGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","title":"A"}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":3,"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4]]]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := forms.ParseChoiceGeoJSON("f.geojson", data, "", "")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range l.Choices {
			if c.Name == "" || seen[c.Name] {
				t.Fatalf("choice name %q empty or repeated", c.Name)
			}
			seen[c.Name] = true
		}
	})
}

func FuzzIsDynamicDefault(f *testing.F) {
	for _, s := range []string{"Présent (indigène)", "concat('a', b)", "${x} + 1", "2024-01-01", "a - b", "x[1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 500 || strings.ContainsAny(s, "|\n\r") {
			return
		}
		src := "| survey |\n| | type | name | label | default |\n| | text | q | Q | " + s + " |\n"
		wb, err := forms.Read(context.Background(), strings.NewReader(src), "t.md", forms.FormatMarkdown)
		if err != nil {
			return
		}
		fm, err := forms.Compile(context.Background(), wb, forms.CompileOptions{})
		if err != nil {
			return
		}
		if n := fm.ByName("q"); n != nil && n.DynamicDefault && n.Exprs.Default == nil {
			t.Fatalf("dynamic default %q not parsed", n.Default)
		}
	})
}
