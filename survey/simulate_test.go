package survey

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
)

// builtinForm is the built-in returnee survey at its frozen version: these
// tests measure the simulator on a fixed real form.
func builtinForm(tb testing.TB) *forms.Form {
	tb.Helper()
	f, err := builtin.Frozen(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// gateAnswers lets most simulated interviews of the built-in form go past
// its eligibility and consent questions.
var gateAnswers = map[string]string{"already_interviewed": "no", "consent": "yes"}

// TestSimulateValid checks the property that matters to everyone
// downstream: a simulated interview is finalized, and re-opened in a fresh
// engine it has no issue at all.
func TestSimulateValid(t *testing.T) {
	f := builtinForm(t)
	plan, err := NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for seed := uint64(0); seed < 100; seed++ {
		opts := SimOptions{Plan: plan, Enumerator: "sim", DeviceID: "sim-1"}
		if seed%10 != 0 { // one in ten goes through the gates at random
			opts.Answers = gateAnswers
		}
		iv, err := Simulate(f, rand.New(rand.NewPCG(seed, 1)), opts)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if iv.Status != StatusFinalized || iv.Ended.Before(iv.Started) {
			t.Fatalf("seed %d: status %s, started %v ended %v", seed, iv.Status, iv.Started, iv.Ended)
		}
		// Re-open a copy as a draft: ValidateAll must find nothing.
		cp := *iv
		cp.Data = iv.Data.Clone()
		cp.Status = StatusDraft
		e, err := NewEngine(f, &cp, EngineOptions{Plan: plan, Now: func() time.Time { return iv.Ended }, Location: time.UTC})
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		if issues := e.ValidateAll(); len(issues) > 0 {
			t.Fatalf("seed %d: %d issues, first %v", seed, len(issues), issues[0])
		}
		// A full evaluation computes the calculations Simulate stored.
		a, _ := json.Marshal(iv.Data)
		b, _ := json.Marshal(cp.Data)
		if string(a) != string(b) {
			t.Fatalf("seed %d: re-evaluation changed the record:\n%s\n%s", seed, a, b)
		}
		if e.Value(Ref{Path: "/data/interview/demographics/age"}) != "" {
			answered++
		}
	}
	if answered < 80 {
		t.Errorf("only %d of 100 interviews reached the demographics", answered)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	f := builtinForm(t)
	run := func() []byte {
		iv, err := Simulate(f, rand.New(rand.NewPCG(42, 7)), SimOptions{Answers: gateAnswers})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(iv)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := run(), run()
	if string(a) != string(b) {
		t.Errorf("same seed, different interviews:\n%s\n%s", a, b)
	}
	iv, err := Simulate(f, rand.New(rand.NewPCG(43, 7)), SimOptions{Answers: gateAnswers})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := json.Marshal(iv); string(c) == string(a) {
		t.Error("different seeds, same interview")
	}
}

// TestSimulateCascade checks that simulated cercles belong to the region.
func TestSimulateCascade(t *testing.T) {
	f := builtinForm(t)
	cercles := map[string]string{}
	for _, c := range f.Lists["cercle"].Choices {
		cercles[c.Name] = c.Extra["region"]
	}
	for seed := uint64(0); seed < 20; seed++ {
		iv, err := Simulate(f, rand.New(rand.NewPCG(seed, 2)), SimOptions{Answers: gateAnswers})
		if err != nil {
			t.Fatal(err)
		}
		region := iv.Data.Values["/data/interview/origin/origin_region"]
		cercle := iv.Data.Values["/data/interview/origin/origin_cercle"]
		if region == "" {
			continue
		}
		if cercles[cercle] != region {
			t.Errorf("seed %d: cercle %q of region %q, want one of %q", seed, cercle, cercles[cercle], region)
		}
		dep, ret := iv.Data.Values["/data/interview/migration/departure_date"], iv.Data.Values["/data/interview/migration/return_date"]
		if dep > ret {
			t.Errorf("seed %d: departure %s after return %s", seed, dep, ret)
		}
	}
}

func BenchmarkSimulate(b *testing.B) {
	f := builtinForm(b)
	plan, err := NewPlan(f)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Simulate(f, rng, SimOptions{Plan: plan, Answers: gateAnswers}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "interviews/s")
}

// TestSimulateSharedPlan runs simulations on one plan from several
// goroutines (run with -race): the plan must be safe to share.
func TestSimulateSharedPlan(t *testing.T) {
	f := builtinForm(t)
	plan, err := NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func(g int) {
			rng := rand.New(rand.NewPCG(uint64(g), 3))
			for i := 0; i < 10; i++ {
				if _, err := Simulate(f, rng, SimOptions{Plan: plan, Answers: gateAnswers}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestSimulateTestForms simulates the small test forms: repeats with and
// without repeat_count, nested repeats, triggers, select_one ${q}.
func TestSimulateTestForms(t *testing.T) {
	for _, name := range []string{"engine.md", "nested.md"} {
		t.Run(name, func(t *testing.T) {
			f := mustForm(t, name)
			plan, err := NewPlan(f)
			if err != nil {
				t.Fatal(err)
			}
			instances := 0
			for seed := uint64(0); seed < 30; seed++ {
				iv, err := Simulate(f, rand.New(rand.NewPCG(seed, 5)), SimOptions{Plan: plan})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				cp := *iv
				cp.Data, cp.Status = iv.Data.Clone(), StatusDraft
				e, err := NewEngine(f, &cp, EngineOptions{Plan: plan, Location: time.UTC})
				if err != nil {
					t.Fatal(err)
				}
				if issues := e.ValidateAll(); len(issues) > 0 {
					t.Fatalf("seed %d: %v", seed, issues)
				}
				for _, insts := range iv.Data.Repeats {
					instances += len(insts)
				}
			}
			if instances == 0 {
				t.Error("no repeat instance in 30 interviews")
			}
		})
	}
}
