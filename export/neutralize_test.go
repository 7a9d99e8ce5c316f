package export_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"sira/export"
)

// TestNeutralize: CSV and XLSX text cells that a spreadsheet would run
// as a formula start with an apostrophe, in every text column (answers,
// select values and labels, metadata); numbers keep their sign; the XLSX
// types numbers and dates, and leaves missing cells empty.
func TestNeutralize(t *testing.T) {
	rows := nestedInterviews()
	v := rows[0].Interview.Data.Values
	v["/data/respondent/name"] = "=HYPERLINK(\"http://x\",\"y\")"
	v["/data/respondent/age"] = "-5"
	v["/data/respondent/sex"] = "@sum"
	rows[0].Meta.SubmitterName = "+cmd"
	rows[1].Interview.Data.Values["/data/respondent/name"] = "\tTab"
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := export.WriteCSV(ctx, nestedForm(), seq(rows), dir, export.Options{}); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(filepath.Join(dir, "nested.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(fh).ReadAll()
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "respondent-name", "'=HYPERLINK(\"http://x\",\"y\")"},
		{1, "respondent-age", "-5"},
		{1, "respondent-sex", "'@sum"},
		{1, "SubmitterName", "'+cmd"},
		{2, "respondent-name", "'\tTab"},
		{1, "loc-Longitude", "-8.0"},
		{1, "SubmissionDate", "2026-11-03T08:30:00.000Z"},
	} {
		if got := recs[c.row][col[c.col]]; got != c.want {
			t.Errorf("CSV row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}

	path := filepath.Join(t.TempDir(), "n.xlsx")
	if _, err := export.WriteXLSX(ctx, nestedForm(), seq(rows), path, export.Options{}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	cell := func(name string, row int) string {
		c, _ := excelize.CoordinatesToCellName(col[name]+1, row+1)
		return c
	}
	for _, c := range []struct {
		row       int
		col, want string
		typ       excelize.CellType
	}{
		{1, "respondent-name", "'=HYPERLINK(\"http://x\",\"y\")", excelize.CellTypeInlineString},
		{1, "respondent-age", "-5", excelize.CellTypeUnset},
		{1, "SubmissionDate", "2026-11-03 08:30:00", excelize.CellTypeUnset},
		{2, "respondent-age", "", excelize.CellTypeUnset},
	} {
		ref := cell(c.col, c.row)
		got, _ := x.GetCellValue("nested", ref)
		typ, _ := x.GetCellType("nested", ref)
		if got != c.want || typ != c.typ {
			t.Errorf("XLSX %s (%s row %d) = %q type %v, want %q type %v", ref, c.col, c.row, got, typ, c.want, c.typ)
		}
	}
	// The empty answer is no cell at all, not an empty text.
	if f, _ := x.GetCellFormula("nested", cell("respondent-name", 1)); f != "" {
		t.Errorf("a formula was written: %q", f)
	}
}
