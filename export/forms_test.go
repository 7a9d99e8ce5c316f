package export_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/export"
	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

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
	ret, err := builtin.Form(ctx)
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
		{"household", hh, 3, nil, "household household-member household-job"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := simulated(t, c.f, c.n, c.answers)
			dir := t.TempDir()
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
				golden(t, "real-"+tb.Name+".csv.golden", b)
			}
			if got := strings.Join(names, " "); got != c.tables {
				t.Errorf("tables = %s, want %s", got, c.tables)
			}
			var cb strings.Builder
			if err := export.WriteCodebook(&cb, c.f); err != nil {
				t.Fatal(err)
			}
			golden(t, "real-"+c.name+"-codebook.csv.golden", []byte(cb.String()))
		})
	}
}
