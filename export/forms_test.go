package export_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sira/export"
	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

var regen = flag.Bool("regen", false, "regenerate testdata/*.interviews.json with survey.Simulate (then run -update)")

// fixture returns the interviews stored in testdata/<name>.interviews.json.
// They were made by survey.Simulate with a fixed seed (see simulated) and
// are kept as data so that engine changes do not move the golden files;
// -regen makes them afresh.
func fixture(t *testing.T, name string, f *forms.Form, n int, answers map[string]string) []export.Row {
	t.Helper()
	path := filepath.Join("testdata", name+".interviews.json")
	if *regen {
		rows := simulated(t, f, n, answers)
		b, err := json.MarshalIndent(rows, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read fixture (run with -regen to create): %v", err)
	}
	var rows []export.Row
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// simulated returns n interviews of f from survey.Simulate with a fixed
// seed, received a day after they ended.
func simulated(t *testing.T, f *forms.Form, n int, answers map[string]string) []export.Row {
	t.Helper()
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	var rows []export.Row
	for i := range n {
		iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "enq0" + string(rune('1'+i%3)), DeviceID: "laptop-07", Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		iv.Status = survey.StatusAcknowledged
		rows = append(rows, export.Row{Interview: iv, Meta: export.Meta{Received: iv.Ended.Add(24 * time.Hour).Truncate(time.Second), ReviewState: "received", Post: "gogui"}})
	}
	return rows
}

// TestRealForms exports simulated interviews of real XLSForms (the built-in
// survey, and a markdown form with nested repeats) against golden files.
func TestRealForms(t *testing.T) {
	ctx := context.Background()
	// The returnee fixtures of version 2026112801 stay with that version
	// (builtin.Frozen): an earlier version keeps exporting as it did. The
	// current version has its own fixture and goldens ("real-current-").
	ret, err := builtin.Frozen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hh, err := forms.CompileFile(ctx, filepath.Join("testdata", "household.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		f       *forms.Form
		n       int
		answers map[string]string
		tables  string
	}{
		{"returnee", ret, 4, map[string]string{"already_interviewed": "no", "consent": "yes"}, "returnee returnee-legs"},
		{"current", cur, 4, map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes"}, "returnee returnee-legs"},
		{"household", hh, 3, nil, "household household-member household-job"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := fixture(t, c.name, c.f, c.n, c.answers)
			if len(rows) != c.n {
				t.Fatalf("fixture holds %d interviews, want %d", len(rows), c.n)
			}
			dir := t.TempDir()
			prefix := "real-"
			if c.name == "current" {
				prefix = "real-current-"
			}
			sum, err := export.WriteCSV(ctx, c.f, seq(rows), dir, export.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tb := range sum.Tables {
				names = append(names, tb.Name)
				b, err := os.ReadFile(tb.File)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, prefix+tb.Name+".csv.golden", b)
			}
			if got := strings.Join(names, " "); got != c.tables {
				t.Errorf("tables = %s, want %s", got, c.tables)
			}
			// Stata and SPSS files of the same rows, byte for byte (their
			// contents are checked with the real readers in TestRealReaders).
			created := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			for _, w := range []struct {
				ext   string
				write func(context.Context, *forms.Form, iter.Seq2[export.Row, error], string, export.Options) (export.Summary, error)
			}{{"dta", export.WriteDTA}, {"sav", export.WriteSAV}} {
				sum, err := w.write(ctx, c.f, seq(rows), dir, export.Options{Created: created})
				if err != nil {
					t.Fatal(err)
				}
				for _, tb := range sum.Tables {
					b, err := os.ReadFile(tb.File)
					if err != nil {
						t.Fatal(err)
					}
					golden(t, prefix+tb.Name+"."+w.ext+".golden", b)
				}
			}
			// The workbook, as its cells read back (value and type per cell).
			xpath := filepath.Join(dir, c.name+".xlsx")
			if _, err := export.WriteXLSX(ctx, c.f, seq(rows), xpath, export.Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "real-"+c.name+".xlsx.golden.txt", dumpXLSX(t, xpath))
			var cb strings.Builder
			if err := export.WriteCodebook(&cb, c.f); err != nil {
				t.Fatal(err)
			}
			golden(t, "real-"+c.name+"-codebook.csv.golden", []byte(cb.String()))
		})
	}
}

// dumpXLSX lists every cell of every sheet but the codebook: sheet, cell,
// type (n number, s text, d date) and the value Excel shows.
func dumpXLSX(t *testing.T, path string) []byte {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var b strings.Builder
	for _, sh := range x.GetSheetList() {
		if sh == "codebook" {
			continue
		}
		rows, err := x.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := x.GetCellType(sh, ref)
				k := "n"
				if typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
					k = "s"
				} else if st, _ := x.GetCellStyle(sh, ref); st != 0 {
					k = "d"
				}
				fmt.Fprintf(&b, "%s\t%s\t%s\t%q\n", sh, ref, k, v)
			}
		}
	}
	return []byte(b.String())
}
