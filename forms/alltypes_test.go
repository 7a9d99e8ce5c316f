package forms_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/forms"
)

// TestAllTypes compiles testdata/alltypes.md, which holds every question
// type issue 2 lists, and checks each question's type and place.
func TestAllTypes(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "alltypes.md"))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for _, tc := range []struct {
		name   string
		typ    forms.Type
		parent string
	}{
		{"start", forms.TypeStart, "alltypes"}, {"end", forms.TypeEnd, "alltypes"}, {"today", forms.TypeToday, "alltypes"},
		{"deviceid", forms.TypeDeviceID, "alltypes"}, {"username", forms.TypeUsername, "alltypes"}, {"audit", forms.TypeAudit, "alltypes"},
		{"t", forms.TypeText, "alltypes"}, {"i", forms.TypeInteger, "alltypes"}, {"d", forms.TypeDecimal, "alltypes"},
		{"s1", forms.TypeSelectOne, "alltypes"}, {"sm", forms.TypeSelectMulti, "alltypes"}, {"sm_other", forms.TypeText, "alltypes"},
		{"sf", forms.TypeSelectFile, "alltypes"}, {"n", forms.TypeNote, "alltypes"}, {"a", forms.TypeAcknowledge, "alltypes"},
		{"dt", forms.TypeDate, "alltypes"}, {"tm", forms.TypeTime, "alltypes"}, {"dtt", forms.TypeDateTime, "alltypes"},
		{"g", forms.TypeGeopoint, "alltypes"}, {"c", forms.TypeCalculate, "alltypes"}, {"h", forms.TypeHidden, "alltypes"},
		{"r", forms.TypeRange, "alltypes"}, {"rk", forms.TypeRank, "alltypes"},
		{"outer", forms.TypeGroup, "alltypes"}, {"inner", forms.TypeGroup, "outer"}, {"t2", forms.TypeText, "inner"},
		{"legs", forms.TypeRepeat, "alltypes"}, {"stops", forms.TypeRepeat, "legs"}, {"place", forms.TypeText, "stops"},
		{"img", forms.TypeImage, "alltypes"}, {"aud", forms.TypeAudio, "alltypes"}, {"vid", forms.TypeVideo, "alltypes"},
		{"fil", forms.TypeFile, "alltypes"}, {"bc", forms.TypeBarcode, "alltypes"},
	} {
		n := f.ByName(tc.name)
		if n == nil {
			t.Errorf("no question %s", tc.name)
			continue
		}
		if n.Type != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.name, n.Type, tc.typ)
		}
		parent := n.Parent.Name
		if n.Parent == f.Root {
			parent = f.ID
		}
		if parent != tc.parent {
			t.Errorf("%s: inside %s, want %s", tc.name, parent, tc.parent)
		}
	}
	if got := f.ByName("legs").RepeatCount; got != "${i}" {
		t.Errorf("legs repeat_count = %q", got)
	}
	if l := f.ByName("sf").List; l == nil || len(l.Choices) != 2 || l.Choices[0].Name != "gogui" {
		t.Errorf("select_one_from_file choices = %+v", l)
	}
	if !f.ByName("sm").OrOther {
		t.Error("sm lost or_other")
	}
	if f.PublicKey != "MIIBIjANBgkq" || f.InstanceName != "concat('x-', ${t})" {
		t.Errorf("settings: public_key %q instance_name %q", f.PublicKey, f.InstanceName)
	}
}

// TestUnknownTypes: anything else in the type column is a problem naming
// the row, never a silent skip.
func TestUnknownTypes(t *testing.T) {
	for _, typ := range []string{"textt", "geo point", "integer4", "select_many yn", "begin grup", "photo_widget"} {
		t.Run(typ, func(t *testing.T) {
			_, err := compileMD(t, "| survey |\n| | type | name | label |\n| | text | a | A |\n| | "+typ+" | q | Q |\n| choices |\n| | list_name | name | label |\n| | yn | y | Y |\n")
			if err == nil {
				t.Fatalf("type %q compiled", typ)
			}
			got := problemsOf(t, err)
			if want := `t.md: survey row 3, column type: unknown question type "` + typ + `"`; len(got) == 0 || got[0] != want {
				t.Errorf("problems = %q, want first %q", got, want)
			}
		})
	}
}
