package survey

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"sira/forms"
	"sira/internal/testenv"
)

// TestCorpus runs the engine over every form of the shared XLSForm corpus
// that compiles: random edits must leave the same state as a full
// evaluation, and Simulate must produce a valid interview. Forms that need
// files the corpus lacks (pulldata CSVs) are the only expected failures.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.XLSFormDir(t), "corpus", "*", "*.xls*"))
	if err != nil {
		t.Fatal(err)
	}
	compiled := 0
	for _, p := range files {
		f, err := forms.CompileFile(context.Background(), p)
		if err != nil {
			continue // the compiler's tests own compile errors
		}
		compiled++
		t.Run(filepath.Base(p), func(t *testing.T) {
			plan, err := NewPlan(f)
			if err != nil {
				t.Fatal(err)
			}
			iv, err := plan.NewInterview("enq01", "laptop-7", testNow)
			if err != nil {
				t.Fatal(err)
			}
			now := func() time.Time { return testNow }
			e, err := NewEngine(f, iv, EngineOptions{Plan: plan, Now: now, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			s := &simulator{e: e, rng: rand.New(rand.NewPCG(7, 7)), opts: SimOptions{Skip: 0.1, MaxInstances: 3}}
			for i := 0; i < 40; i++ {
				what := randomEdit(t, s)
				cp := *e.iv
				cp.Data = e.iv.Data.Clone()
				full, err := NewEngine(f, &cp, EngineOptions{Plan: plan, Language: e.lang, Now: now, Location: time.UTC})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := snapshot(e), snapshot(full); got != want {
					t.Fatalf("edit %d (%s): incremental state differs:\n%s", i, what, diffLines(got, want))
				}
			}
			for seed := uint64(0); seed < 3; seed++ {
				_, err := Simulate(f, rand.New(rand.NewPCG(seed, 1)), SimOptions{Plan: plan})
				var ie *IncompleteError
				if errors.As(err, &ie) && filepath.Base(p) == "pull_data.xlsx" {
					continue // pulldata() needs fruits.csv, not in the corpus
				}
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
			}
		})
	}
	if compiled < 50 {
		t.Errorf("only %d corpus forms compiled", compiled)
	}
}
