package office

import (
	"sort"
	"time"
)

// Target is how many interviews a post or an enumerator should make per
// week or per month.
type Target struct {
	Scope  string // "post" or "enumerator"
	Key    string // the post code or the enumerator id
	Period string // "week" or "month"
	N      int
}

// Target scopes and periods.
const (
	ScopePost       = "post"
	ScopeEnumerator = "enumerator"
	PeriodWeek      = "week"
	PeriodMonth     = "month"
)

// PeriodOf returns the period containing t (UTC): ISO weeks start on
// Monday, months on the 1st.
func PeriodOf(period string, t time.Time) (start, end time.Time) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if period == PeriodMonth {
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	}
	wd := (int(day.Weekday()) + 6) % 7 // Monday 0
	start = day.AddDate(0, 0, -wd)
	return start, start.AddDate(0, 0, 7)
}

// Pace is where a target stands in the current period.
type Pace string

// Paces, by the share of the period elapsed: Ahead at or above the pro-rata
// expectation, OnPace within 20 % below it, Behind further below.
const (
	Done   Pace = "done"
	Ahead  Pace = "ahead"
	OnPace Pace = "on_pace"
	Behind Pace = "behind"
)

// Progress is a target's progress in the period containing Now.
type Progress struct {
	Target
	Count    int
	Expected float64 // N × the share of the period elapsed
	Percent  int     // Count / N
	Pace     Pace
}

// ProgressOf computes t's progress with count interviews so far in the
// period containing now.
func ProgressOf(t Target, count int, now time.Time) Progress {
	start, end := PeriodOf(t.Period, now)
	share := float64(now.Sub(start)) / float64(end.Sub(start))
	p := Progress{Target: t, Count: count, Expected: float64(t.N) * share}
	if t.N > 0 {
		p.Percent = count * 100 / t.N
	}
	switch {
	case t.N <= 0 || count >= t.N:
		p.Pace = Done
	case float64(count) >= p.Expected:
		p.Pace = Ahead
	case float64(count) >= 0.8*p.Expected:
		p.Pace = OnPace
	default:
		p.Pace = Behind
	}
	return p
}

// BehindNow answers "which posts (or enumerators) are behind this period":
// the targets of scope and period whose pace is Behind at now, the furthest
// behind first. count returns the interviews of a key since the period's
// start.
func BehindNow(ts []Target, scope, period string, now time.Time, count func(key string) int) []Progress {
	var out []Progress
	for _, t := range ts {
		if t.Scope != scope || t.Period != period {
			continue
		}
		if p := ProgressOf(t, count(t.Key), now); p.Pace == Behind {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		gi, gj := out[i].Expected-float64(out[i].Count), out[j].Expected-float64(out[j].Count)
		if gi != gj {
			return gi > gj
		}
		return out[i].Key < out[j].Key
	})
	return out
}
