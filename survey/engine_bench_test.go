package survey

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"sira/forms"
)

// generatedForm builds a form of about n questions in groups of ten, with
// chained calculations, relevance on earlier answers, constraints reading
// calculations, selects with required conditions, and a repeat whose count
// is an answer, summed from outside.
func generatedForm(tb testing.TB, n int) *forms.Form {
	tb.Helper()
	yn := &forms.ChoiceList{Name: "yn", Choices: []*forms.Choice{
		{Name: "yes", Label: forms.Text{"": "Yes"}}, {Name: "no", Label: forms.Text{"": "No"}}}}
	root := &forms.Node{Name: "data", Type: forms.TypeGroup}
	var group *forms.Node
	q := func(i int) string { return fmt.Sprintf("q%d", i) }
	for i := 0; i < n; i++ {
		if i%10 == 0 {
			group = &forms.Node{Name: fmt.Sprintf("g%d", i/10), Type: forms.TypeGroup, Label: forms.Text{"": "Group"}}
			if i >= 10 {
				group.Relevant = fmt.Sprintf("${%s} != 999", q(i-10))
			}
			root.Children = append(root.Children, group)
		}
		nd := &forms.Node{Name: q(i), Label: forms.Text{"": "Question " + q(i)}}
		switch i % 5 {
		case 0:
			nd.Type = forms.TypeInteger
			nd.Constraint = ". >= 0 and . <= 1000"
			if i >= 5 {
				nd.Relevant = fmt.Sprintf("${%s} != 7", q(i-5))
			}
		case 1:
			nd.Type = forms.TypeCalculate
			nd.Calculation = fmt.Sprintf("coalesce(${%s}, 0) * 2", q(i-1))
			if i >= 6 {
				nd.Calculation += fmt.Sprintf(" + coalesce(${%s}, 0)", q(i-5))
			}
		case 2:
			nd.Type, nd.TypeArg = forms.TypeSelectOne, "yn"
			nd.Required = fmt.Sprintf("${%s} > 10", q(i-2))
		case 3:
			nd.Type = forms.TypeDecimal
			nd.Constraint = fmt.Sprintf(". < ${%s} + 100", q(i-2))
			nd.Relevant = fmt.Sprintf("${%s} != 'no'", q(i-1))
		case 4:
			nd.Type = forms.TypeText
			nd.Required = "true()"
		}
		group.Children = append(group.Children, nd)
	}
	rep := &forms.Node{Name: "items", Type: forms.TypeRepeat, Label: forms.Text{"": "Item"}, RepeatCount: "${q0}"}
	rep.Children = []*forms.Node{
		{Name: "amount", Type: forms.TypeInteger, Label: forms.Text{"": "Amount"}, Constraint: ". <= ${q1}"},
		{Name: "double", Type: forms.TypeCalculate, Calculation: "${amount} * 2"},
	}
	root.Children = append(root.Children, rep,
		&forms.Node{Name: "total", Type: forms.TypeCalculate, Calculation: "sum(${double})"},
		&forms.Node{Name: "check", Type: forms.TypeInteger, Label: forms.Text{"": "Check"}, Constraint: ". = ${total}"})
	f := &forms.Form{Schema: forms.SchemaVersion, ID: "generated", Version: "1", Root: root,
		Lists: map[string]*forms.ChoiceList{"yn": yn}}
	if err := f.Prepare(); err != nil {
		tb.Fatalf("prepare generated form: %v", err)
	}
	return f
}

// BenchmarkEngineSet measures one changed answer on a 300-question form:
// normalisation, the record, paradata and the whole incremental update
// (relevance, requiredness, constraints, calculations).
func BenchmarkEngineSet(b *testing.B) {
	f := generatedForm(b, 300)
	iv, err := NewInterview(f, "bench", "dev", testNow)
	if err != nil {
		b.Fatal(err)
	}
	e, err := NewEngine(f, iv, EngineOptions{Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	// Answer the integers so that calculations and constraints have work to do.
	var ints []Ref
	for i := 0; i < 300; i += 5 {
		ref := Ref{Path: fmt.Sprintf("/data/g%d/q%d", i/10, i)}
		if err := e.Set(ref, "3"); err != nil {
			b.Fatal(err)
		}
		ints = append(ints, ref)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ref := ints[1+rng.IntN(len(ints)-1)]                       // not q0, the repeat count: keep the structure fixed
		if err := e.Set(ref, fmt.Sprint(8+2*(i%50))); err != nil { // never 7: keep everything relevant
			b.Fatal(err)
		}
		i++
		if len(e.iv.Paradata) > 1<<16 {
			e.iv.Paradata = e.iv.Paradata[:0]
		}
	}
}

// BenchmarkEngineOpen measures opening an interview of the same form:
// building the instance tree and evaluating everything once.
func BenchmarkEngineOpen(b *testing.B) {
	f := generatedForm(b, 300)
	plan, err := NewPlan(f)
	if err != nil {
		b.Fatal(err)
	}
	iv, err := NewInterview(f, "bench", "dev", testNow)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := NewEngine(f, iv, EngineOptions{Plan: plan, Now: func() time.Time { return testNow }}); err != nil {
			b.Fatal(err)
		}
	}
}
