package office_test

import (
	"testing"
	"time"

	"sira/office"
)

func TestPeriodOf(t *testing.T) {
	wed := time.Date(2026, 12, 9, 15, 0, 0, 0, time.UTC) // a Wednesday
	sun := time.Date(2026, 12, 13, 23, 59, 0, 0, time.UTC)
	for _, c := range []struct {
		period     string
		at         time.Time
		start, end string
	}{
		{office.PeriodWeek, wed, "2026-12-07", "2026-12-14"},
		{office.PeriodWeek, sun, "2026-12-07", "2026-12-14"},
		{office.PeriodMonth, wed, "2026-12-01", "2027-01-01"},
	} {
		s, e := office.PeriodOf(c.period, c.at)
		if s.Format(time.DateOnly) != c.start || e.Format(time.DateOnly) != c.end {
			t.Errorf("PeriodOf(%s, %s) = %s, %s; want %s, %s", c.period, c.at, s, e, c.start, c.end)
		}
	}
}

func TestProgressOf(t *testing.T) {
	// Thursday noon: 3.5 of 7 days, half the week.
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	week := office.Target{Scope: office.ScopePost, Key: "gogui", Period: office.PeriodWeek, N: 100}
	for _, c := range []struct {
		count   int
		pace    office.Pace
		percent int
	}{
		{100, office.Done, 100},
		{50, office.Ahead, 50},
		{41, office.OnPace, 41},
		{39, office.Behind, 39},
		{0, office.Behind, 0},
	} {
		p := office.ProgressOf(week, c.count, now)
		if p.Pace != c.pace || p.Percent != c.percent || p.Expected != 50 {
			t.Errorf("ProgressOf(%d) = %+v, want pace %s, %d %%", c.count, p, c.pace, c.percent)
		}
	}
}

func TestBehindNow(t *testing.T) {
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	ts := []office.Target{
		{Scope: "post", Key: "gogui", Period: "week", N: 100}, // 10 done: 40 behind
		{Scope: "post", Key: "kati", Period: "week", N: 40},   // 5 done: 15 behind
		{Scope: "post", Key: "diboli", Period: "week", N: 20}, // 12 done: ahead
		{Scope: "post", Key: "x", Period: "month", N: 20},     // another period
		{Scope: "enumerator", Key: "awa", Period: "week", N: 20},
	}
	done := map[string]int{"gogui": 10, "kati": 5, "diboli": 12}
	got := office.BehindNow(ts, "post", "week", now, func(k string) int { return done[k] })
	if len(got) != 2 || got[0].Key != "gogui" || got[1].Key != "kati" {
		t.Errorf("BehindNow = %+v", got)
	}
}

func TestDupRule(t *testing.T) {
	r := office.DefaultDupRule
	day := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	vals := func(m map[string]string) func(string) string { return func(n string) string { return m[n] } }
	full := map[string]string{"sex": "F", "origin_region": "Kayes ", "origin_locality": "Nioro  du Sahel", "age": "30"}
	a, ok := r.KeyOf("f", "a", "gogui", day, vals(full))
	if !ok {
		t.Fatal("no key for a complete interview")
	}
	other := map[string]string{"sex": "f", "origin_region": "kayes", "origin_locality": "nioro du sahel", "age": "31"}
	b, _ := r.KeyOf("f", "b", "gogui", day.AddDate(0, 0, 7), vals(other))
	if a.Exact != b.Exact || !r.Matches(a, b) {
		t.Errorf("normalised keys differ: %q %q", a.Exact, b.Exact)
	}
	c, _ := r.KeyOf("f", "c", "gogui", day.AddDate(0, 0, 8), vals(other))
	d, _ := r.KeyOf("f", "d", "kati", day, vals(other))
	if r.Matches(a, c) || d.Exact == a.Exact {
		t.Errorf("matched too far apart or across posts")
	}
	if _, ok := r.KeyOf("f", "e", "gogui", day, vals(map[string]string{"sex": "F", "age": "30"})); ok {
		t.Errorf("a key for an interview with unanswered rule fields")
	}
	if _, ok := r.KeyOf("f", "e", "gogui", day, vals(map[string]string{"sex": "F", "origin_region": "k", "origin_locality": "n", "age": "NaN"})); ok {
		t.Errorf("a key with NaN age")
	}
	for _, lang := range []string{"fr", "en"} {
		if s := r.Describe(lang); len(s) < 40 {
			t.Errorf("Describe(%s) = %q", lang, s)
		}
	}
}
