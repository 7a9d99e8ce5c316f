package survey_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

func builtinSample(tb testing.TB, n int) (*forms.Form, *survey.Plan, []*survey.Interview) {
	tb.Helper()
	f, err := builtin.Form(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ivs := make([]*survey.Interview, n)
	for i := range ivs {
		ivs[i], err = survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: "dev",
			Answers: map[string]string{"already_interviewed": "no", "consent": "yes"}})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return f, plan, ivs
}

func BenchmarkValidateEngine(b *testing.B) {
	f, plan, ivs := builtinSample(b, 100)
	i := 0
	for b.Loop() {
		iv := ivs[i%len(ivs)]
		i++
		e, err := survey.NewEngine(f, iv, survey.EngineOptions{Plan: plan, Location: time.UTC, Now: func() time.Time { return iv.Ended }})
		if err != nil {
			b.Fatal(err)
		}
		e.ValidateAll()
	}
}
