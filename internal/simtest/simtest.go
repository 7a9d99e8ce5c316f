// Package simtest simulates interviews of the built-in form for the
// benchmarks and tests of several packages (it imports survey, so it
// cannot live in testenv, which survey's own tests use).
package simtest

import (
	"context"
	"math/rand/v2"
	"testing"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

// BuiltinInterviews returns the built-in returnee form at its frozen version, its plan and n
// finalized interviews simulated from it with the PCG seed (seed, seed2):
// a consenting returnee not interviewed before, by enumerator "awa" on
// device device. The benchmarks of several packages measure on these.
func BuiltinInterviews(tb testing.TB, n int, seed, seed2 uint64, device string) (*forms.Form, *survey.Plan, []*survey.Interview) {
	tb.Helper()
	// The frozen version (builtin.FrozenVersion), not the current one: the
	// benchmarks' figures stay comparable across revisions of the form.
	f, err := builtin.Frozen(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed2))
	ivs := make([]*survey.Interview, n)
	for i := range ivs {
		ivs[i], err = survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: device,
			Answers: map[string]string{"already_interviewed": "no", "consent": "yes"}})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return f, plan, ivs
}
