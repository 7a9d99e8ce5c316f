package forms_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"sira/forms"
)

// TestKoboForm compiles an .xlsx laid out as KoboToolbox exports it
// ($kuid/$autoname columns, "label::English (en)" translations, "true"
// text and real boolean cells in required, begin_group/end_group, a style
// setting): it must compile unchanged, keeping Kobo's own columns.
func TestKoboForm(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "kobo.xlsx"))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	const en, fr = "English (en)", "Français (fr)"
	if got, want := f.Languages, []string{en, fr}; !reflect.DeepEqual(got, want) {
		t.Errorf("languages = %q, want %q", got, want)
	}
	if f.ID != "aKoboAssetUid" || f.Version != "vWx7Fz3kq" || f.DefaultLanguage != en {
		t.Errorf("settings: id %q version %q default language %q", f.ID, f.Version, f.DefaultLanguage)
	}
	age := f.ByName("age")
	for _, c := range []struct{ what, got, want string }{
		{"age label fr", age.Label[fr], "Âge"},
		{"age required (boolean cell)", age.Required, "true()"},
		{"age constraint message fr", age.ConstraintMessage[fr], "L'âge doit être entre 15 et 99"},
		{"age $kuid kept", age.Extra["$kuid"], "k3"},
		{"age $given_name kept", age.Extra["$given_name"], "q_age"},
		{"consent required (text true)", f.ByName("consent").Required, "true()"},
		{"consent hint en", f.ByName("consent").Hint[en], "Read the statement first"},
		{"group required false", f.ByName("person").Required, "false()"},
		{"group appearance", f.ByName("person").Appearance, "field-list"},
		{"cercle filter", f.ByName("cercle").ChoiceFilter, "region=${region}"},
		{"leg inside repeat", f.ByName("leg_country").Parent.Name, "legs"},
		{"note label fr", f.ByName("summary").Label[fr], "Étapes : ${nb_legs}"},
		{"choice $autovalue kept", f.Lists["yn"].Choices[0].Extra["$autovalue"], "yes"},
		{"choice label fr", f.Lists["yn"].Choices[1].Label[fr], "Non"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestKoboFormProblemRows breaks the Kobo workbook in two places: the
// problems name the rows as the spreadsheet shows them (row 10 is blank)
// and the columns as headed.
func TestKoboFormProblemRows(t *testing.T) {
	ctx := context.Background()
	wb, err := forms.ReadFile(ctx, filepath.Join("testdata", "kobo.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheet("survey")
	set := func(rowNum int, header, v string) {
		t.Helper()
		col := -1
		for i, h := range s.Header {
			if h == header {
				col = i
			}
		}
		for i := range s.Rows {
			if r := &s.Rows[i]; r.Num == rowNum {
				for len(r.Cells) <= col {
					r.Cells = append(r.Cells, "")
				}
				r.Cells[col] = v
				return
			}
		}
		t.Fatalf("no row %d", rowNum)
	}
	set(12, "relevant", "${agee} > 1")
	set(6, "constraint_message::Français (fr)", "Entre 15 et ${max_age}")
	_, err = forms.Compile(ctx, wb, forms.CompileOptions{})
	got := problemsOf(t, err)
	want := []string{
		"kobo.xlsx: survey row 6, column constraint_message::Français (fr): unknown field ${max_age}",
		"kobo.xlsx: survey row 12, column relevant: unknown field ${agee}",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%q\nwant:\n%q", got, want)
	}
}
