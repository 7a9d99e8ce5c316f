package export_test

import (
	"strings"
	"testing"

	"sira/export"
	"sira/forms"
)

// TestVarNames: names are valid for Stata and SPSS, at most 32
// characters, unique within a table ignoring case, and keep the end of
// long group paths.
func TestVarNames(t *testing.T) {
	long := strings.Repeat("a", 40)
	root := &forms.Node{Name: "data", Type: forms.TypeGroup, Children: []*forms.Node{
		q("identification", forms.TypeGroup, "", "", "",
			q("household", forms.TypeGroup, "", "", "",
				q("household_head_first_name", forms.TypeText, "", "", ""),
			),
		),
		q("g1", forms.TypeGroup, "", "", "", q(long+"x", forms.TypeText, "", "", "")),
		q("g2", forms.TypeGroup, "", "", "", q(long+"y", forms.TypeText, "", "", "")),
		q("in", forms.TypeInteger, "", "", ""),
		q("Age", forms.TypeInteger, "", "", ""),
		q("age", forms.TypeInteger, "", "", ""),
		q("str12", forms.TypeText, "", "", ""),
		q("_x", forms.TypeText, "", "", ""),
		q("été", forms.TypeText, "", "", ""),
	}}
	setPaths(root, "")
	f := &forms.Form{Schema: forms.SchemaVersion, ID: "names", Version: "1", Root: root}
	l, err := export.NewLayout(f)
	if err != nil {
		t.Fatal(err)
	}
	names := export.VarNames(l)[0]
	got := map[string]string{}
	seen := map[string]bool{}
	for i, c := range l.Main().Columns {
		n := names[i]
		got[c.Name] = n
		if len(n) > 32 || n == "" || !(n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z') {
			t.Errorf("%s → %q is not a valid name", c.Name, n)
		}
		for _, r := range n {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				t.Errorf("%s → %q holds %q", c.Name, n, r)
			}
		}
		if seen[strings.ToUpper(n)] {
			t.Errorf("%s → %q is not unique", c.Name, n)
		}
		seen[strings.ToUpper(n)] = true
	}
	for col, want := range map[string]string{
		"identification-household-household_head_first_name": "household_head_first_name",
		"in":               "in_2",
		"Age":              "Age",
		"age":              "age_2",
		"str12":            "str12_2",
		"_x":               "v_x",
		"meta-instanceID":  "meta_instanceID",
		"g1-" + long + "x": long[:32],
		"g2-" + long + "y": long[:30] + "_2",
	} {
		if got[col] != want {
			t.Errorf("%s → %q, want %q", col, got[col], want)
		}
	}
}
