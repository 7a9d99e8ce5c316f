package survey_test

import (
	"testing"
	"time"

	"sira/forms"
	"sira/internal/simtest"
	"sira/survey"
)

func builtinSample(tb testing.TB, n int) (*forms.Form, *survey.Plan, []*survey.Interview) {
	tb.Helper()
	return simtest.BuiltinInterviews(tb, n, 1, 2, "dev")
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
