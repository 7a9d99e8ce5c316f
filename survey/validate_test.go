package survey_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/internal/testenv"
	"sira/survey"
)

// reference is the validation Validator must agree with: an engine opened
// on a copy (it writes into drafts), then ValidateAll.
func reference(f *forms.Form, plan *survey.Plan, iv *survey.Interview, opts survey.EngineOptions) string {
	cp := *iv
	cp.Data = iv.Data.Clone()
	opts.Plan = plan
	e, err := survey.NewEngine(f, &cp, opts)
	if err != nil {
		return "error: " + err.Error()
	}
	return render(e.ValidateAll())
}

func render(issues []survey.Issue) string {
	var b strings.Builder
	for _, is := range issues {
		fmt.Fprintf(&b, "%s [%s] %s\n", is.Ref, is.Code, is.Message)
	}
	return b.String()
}

func validated(v *survey.Validator, iv *survey.Interview, opts survey.EngineOptions) string {
	issues, err := v.Validate(iv, opts)
	if err != nil {
		return "error: " + err.Error()
	}
	return render(issues)
}

// mutate returns a copy of iv with random damage: answers changed to other
// choices, junk, numbers or nothing, answers added where none belong,
// repeat instances dropped or duplicated, a draft status, a foreign form.
func mutate(rng *rand.Rand, f *forms.Form, iv *survey.Interview) *survey.Interview {
	cp := *iv
	cp.Data = iv.Data.Clone()
	var fields []*forms.Node
	var walk func(n *forms.Node)
	walk = func(n *forms.Node) {
		if len(n.Children) == 0 && n.Type != forms.TypeRepeat && n.Type != forms.TypeGroup {
			fields = append(fields, n)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	if f.Root != nil {
		walk(f.Root)
	}
	var recs []*survey.Record
	var collect func(r *survey.Record)
	collect = func(r *survey.Record) {
		recs = append(recs, r)
		for _, path := range slices.Sorted(mapKeys(r.Repeats)) {
			for _, sub := range r.Repeats[path] {
				collect(sub)
			}
		}
	}
	collect(cp.Data)
	for range 1 + rng.IntN(4) {
		r := recs[rng.IntN(len(recs))]
		switch k := rng.IntN(10); {
		case k < 6 && len(fields) > 0:
			n := fields[rng.IntN(len(fields))]
			if r.Values == nil {
				r.Values = map[string]string{}
			}
			r.Values[n.Path] = junk(rng, f, n)
		case k < 8 && len(r.Values) > 0:
			keys := slices.Sorted(mapKeys(r.Values))
			delete(r.Values, keys[rng.IntN(len(keys))])
		case len(r.Repeats) > 0:
			keys := slices.Sorted(mapKeys(r.Repeats))
			path := keys[rng.IntN(len(keys))]
			list := r.Repeats[path]
			if len(list) > 0 && rng.IntN(2) == 0 {
				r.Repeats[path] = list[:len(list)-1]
			} else if len(list) > 0 {
				r.Repeats[path] = append(list, list[0].Clone())
			}
		}
	}
	switch rng.IntN(12) {
	case 0:
		cp.Status = survey.StatusDraft
	case 1:
		cp.FormID = "another_form"
	}
	return &cp
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// junk returns a value for n: often plausible, sometimes not.
func junk(rng *rand.Rand, f *forms.Form, n *forms.Node) string {
	switch rng.IntN(6) {
	case 0:
		return ""
	case 1:
		return "zz" + fmt.Sprint(rng.IntN(100))
	case 2:
		return fmt.Sprint(rng.IntN(200) - 50)
	case 3:
		return "2026-0" + fmt.Sprint(1+rng.IntN(9)) + "-1" + fmt.Sprint(rng.IntN(9))
	}
	if l := n.List; l != nil && len(l.Choices) > 0 {
		s := l.Choices[rng.IntN(len(l.Choices))].Name
		if rng.IntN(3) == 0 {
			s += " " + l.Choices[rng.IntN(len(l.Choices))].Name
		}
		return s
	}
	return fmt.Sprint(rng.Float64() * 100)
}

// checkForm compares the Validator with the engine on n simulated
// interviews of f and their mutations, the same validator reused throughout.
func checkForm(t *testing.T, f *forms.Form, n int, seed uint64) (checked, invalid int) {
	t.Helper()
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Skipf("no plan: %v", err)
	}
	v := survey.NewValidator(plan)
	rng := rand.New(rand.NewPCG(seed, 9))
	for i := range n {
		iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: "dev"})
		var ie *survey.IncompleteError
		if errors.As(err, &ie) {
			continue // a form the simulator cannot complete (missing CSVs)
		}
		if err != nil {
			t.Fatalf("simulate %d: %v", i, err)
		}
		for j := range 4 {
			x := iv
			if j > 0 {
				x = mutate(rng, f, iv)
			}
			at := x.Ended
			opts := survey.EngineOptions{Now: func() time.Time { return at }, DeviceID: x.DeviceID, Username: x.Enumerator, Location: time.UTC}
			before := x.Data.Clone()
			want := reference(f, plan, x, opts)
			got := validated(v, x, opts)
			if got != want {
				t.Fatalf("interview %d mutation %d: validator says\n%s\nengine says\n%s", i, j, got, want)
			}
			if !equalRecords(before, x.Data) {
				t.Fatalf("interview %d mutation %d: the validator wrote into the interview", i, j)
			}
			checked++
			if want != "" {
				invalid++
			}
		}
	}
	return checked, invalid
}

func equalRecords(a, b *survey.Record) bool {
	var sa, sb strings.Builder
	a.Walk(func(r survey.Ref, v string) error { fmt.Fprintf(&sa, "%s=%s\n", r, v); return nil })
	b.Walk(func(r survey.Ref, v string) error { fmt.Fprintf(&sb, "%s=%s\n", r, v); return nil })
	return sa.String() == sb.String()
}

// TestValidatorMatchesEngine: on the built-in form, simulated interviews
// and random mutations of them get the same issues (refs, codes,
// messages, order) and the same errors from the Validator as from an
// engine's ValidateAll, and the interview is left as it was.
func TestValidatorMatchesEngine(t *testing.T) {
	f, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checked, invalid := checkForm(t, f, 150, 1)
	if checked < 500 || invalid < 100 || invalid == checked {
		t.Fatalf("checked %d interviews, %d invalid: the mutations do not exercise both verdicts", checked, invalid)
	}
}

// TestValidatorCorpus runs the same comparison over every form of the
// shared XLSForm corpus that compiles (repeats, choice filters, relevance
// chains, calculations).
func TestValidatorCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.XLSFormDir(t), "corpus", "*", "*.xls*"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range files {
		f, err := forms.CompileFile(context.Background(), p)
		if err != nil {
			continue
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			n, _ := checkForm(t, f, 8, 3)
			total += n
		})
	}
	if total < 500 {
		t.Errorf("only %d interviews compared", total)
	}
}

// TestValidatorConcurrent: one Validator shared by goroutines (its pool
// hands each call its own engine) agrees with the engine on every call.
func TestValidatorConcurrent(t *testing.T) {
	f, plan, ivs := builtinSample(t, 40)
	v := survey.NewValidator(plan)
	rng := rand.New(rand.NewPCG(5, 5))
	type job struct {
		iv   *survey.Interview
		want string
	}
	var jobs []job
	for _, iv := range ivs {
		for range 3 {
			x := mutate(rng, f, iv)
			jobs = append(jobs, job{x, reference(f, plan, x, optsFor(x))})
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += 4 {
				if got := validated(v, jobs[i].iv, optsFor(jobs[i].iv)); got != jobs[i].want {
					t.Errorf("job %d: validator says\n%s\nengine says\n%s", i, got, jobs[i].want)
				}
			}
		}()
	}
	wg.Wait()
}

func optsFor(iv *survey.Interview) survey.EngineOptions {
	at := iv.Ended
	return survey.EngineOptions{Now: func() time.Time { return at }, DeviceID: iv.DeviceID, Username: iv.Enumerator, Location: time.UTC}
}

// BenchmarkValidator is BenchmarkValidateEngine through a Validator.
func BenchmarkValidator(b *testing.B) {
	_, plan, ivs := builtinSample(b, 100)
	v := survey.NewValidator(plan)
	i := 0
	for b.Loop() {
		iv := ivs[i%len(ivs)]
		i++
		if _, err := v.Validate(iv, optsFor(iv)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidatorEmptyRecord: an interview without a record is judged as the
// engine judges it (every required answer missing) and keeps no record.
func TestValidatorEmptyRecord(t *testing.T) {
	f, plan, ivs := builtinSample(t, 1)
	iv := *ivs[0]
	iv.Data = nil
	want := reference(f, plan, &iv, optsFor(&iv))
	if want == "" {
		t.Fatal("the engine finds nothing wrong with an empty interview: the test proves nothing")
	}
	if got := validated(survey.NewValidator(plan), &iv, optsFor(&iv)); got != want {
		t.Errorf("validator says\n%s\nengine says\n%s", got, want)
	}
	if iv.Data != nil {
		t.Error("the validator gave the interview a record")
	}
}

// TestValidatorEmptyContainers: a form whose groups hold nothing (the
// engine tells containers from fields by their slots, empty or not) is
// validated as the engine validates it, the first interview on fresh
// memory and the next on reused memory.
func TestValidatorEmptyContainers(t *testing.T) {
	for _, kids := range [][]*forms.Node{
		nil,
		{{Name: "empty", Type: forms.TypeGroup, Relevant: "false()"}, {Name: "name", Type: forms.TypeText, Required: "yes"}},
	} {
		f := &forms.Form{Schema: forms.SchemaVersion, ID: "empty", Version: "1",
			Root: &forms.Node{Name: "data", Type: forms.TypeGroup, Children: kids}}
		if err := f.Prepare(); err != nil {
			t.Fatal(err)
		}
		plan, err := survey.NewPlan(f)
		if err != nil {
			t.Fatal(err)
		}
		v := survey.NewValidator(plan)
		iv := &survey.Interview{ID: "uuid:1", FormID: "empty", Status: survey.StatusFinalized, Data: survey.NewRecord()}
		want := reference(f, plan, iv, optsFor(iv))
		for range 2 {
			if got := validated(v, iv, optsFor(iv)); got != want {
				t.Errorf("%d children: validator says\n%s\nengine says\n%s", len(kids), got, want)
			}
		}
	}
}
