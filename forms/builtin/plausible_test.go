package builtin_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"sira/forms/builtin"
	"sira/survey"
)

// Plausible simulated interviews: working ages, legs consistent with the
// time abroad, every fixed answer accepted by the form, posts in their mix.
func TestPlausibleReturnee(t *testing.T) {
	f := currentForm(t)
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	var interviewed, old, working, tooLong int
	posts := map[string]int{}
	val := func(iv *survey.Interview, name string) string { return iv.Data.Values[f.ByName(name).Path] }
	for i := 0; i < n; i++ {
		p := builtin.PlausibleReturnee(rand.New(rand.NewPCG(7, uint64(i))))
		iv, err := survey.Simulate(f, rand.New(rand.NewPCG(8, uint64(i))), survey.SimOptions{Plan: plan, Answers: p.Answers, Start: p.Start})
		if err != nil {
			t.Fatalf("interview %d: %v", i, err)
		}
		posts[val(iv, "border_post")]++
		if val(iv, "sex") == "" || val(iv, "guardian_agreement") == "no" {
			continue // refused, already interviewed, not eligible, or a minor's guardian said no
		}
		interviewed++
		// Every answer the profile fixed and the form asked was kept.
		for _, name := range []string{"age", "departure_date", "return_date", "last_residence_months", "nb_legs", "last_residence_country"} {
			if got, want := val(iv, name), p.Answers[name]; got != want {
				t.Errorf("interview %d: %s = %q, profile %q", i, name, got, want)
			}
		}
		age, _ := strconv.Atoi(val(iv, "age"))
		if age >= 65 {
			old++
		}
		if age >= 18 && age < 55 {
			working++
		}
		months, _ := strconv.Atoi(val(iv, "months_abroad"))
		sum := 0
		for _, inst := range iv.Data.Repeats[f.ByName("legs").Path] {
			m, _ := strconv.Atoi(inst.Values[f.ByName("leg_months").Path])
			sum += m
		}
		if sum > months+1 {
			tooLong++
		}
	}
	if interviewed < n*3/4 {
		t.Errorf("%d of %d interviewed", interviewed, n)
	}
	if old*20 > interviewed {
		t.Errorf("%d of %d aged 65+", old, interviewed)
	}
	if working*10 < interviewed*8 {
		t.Errorf("%d of %d aged 18-54", working, interviewed)
	}
	if tooLong > 0 {
		t.Errorf("%d interviews with legs longer than the time abroad", tooLong)
	}
	if posts["gogui"] < posts["benena"] || posts["gogui"] < n/10 {
		t.Errorf("post mix %v", posts)
	}
}

func TestPlausibleFlowCount(t *testing.T) {
	f, err := builtin.FlowCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 33; i++ {
		p := builtin.PlausibleFlowCount(rand.New(rand.NewPCG(1, uint64(i))), i)
		iv, err := survey.Simulate(f, rand.New(rand.NewPCG(2, uint64(i))), survey.SimOptions{Answers: p.Answers, Start: p.Start})
		if err != nil {
			t.Fatalf("count %d: %v", i, err)
		}
		v := iv.Data.Values
		key := v[f.ByName("border_post").Path] + " " + v[f.ByName("count_date").Path]
		if seen[key] {
			t.Errorf("count %d: %s counted twice", i, key)
		}
		seen[key] = true
		for _, name := range []string{"arrivals_men", "arrivals_malian", "arrivals_foreign", "hours_covered"} {
			if got, want := v[f.ByName(name).Path], p.Answers[name]; got != want {
				t.Errorf("count %d: %s = %q, profile %q", i, name, got, want)
			}
		}
	}
}
