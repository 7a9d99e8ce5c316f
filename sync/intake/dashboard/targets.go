package dashboard

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"sira/office"
)

// ParseTargets reads the settings page's lines "post:CODE/week=N",
// "enumerator:NAME/month=N" (without "/period": month).
func ParseTargets(s string) ([]office.Target, error) {
	var out []office.Target
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, n, ok := strings.Cut(line, "=")
		scope, key, ok2 := strings.Cut(strings.TrimSpace(k), ":")
		key, period, hasPeriod := strings.Cut(key, "/")
		if !hasPeriod {
			period = office.PeriodMonth
		}
		v, err := strconv.Atoi(strings.TrimSpace(n))
		key, period = strings.TrimSpace(key), strings.TrimSpace(period)
		if !ok || !ok2 || (scope != office.ScopePost && scope != office.ScopeEnumerator) || key == "" || err != nil || v < 0 ||
			(period != office.PeriodWeek && period != office.PeriodMonth) {
			return nil, fmt.Errorf("target line %d %q: want post:CODE/week=N, post:CODE/month=N, enumerator:NAME/week=N or enumerator:NAME/month=N", i+1, line)
		}
		out = append(out, office.Target{Scope: scope, Key: key, Period: period, N: v})
	}
	if len(out) > 10000 {
		return nil, fmt.Errorf("%d targets: at most 10000", len(out))
	}
	return out, nil
}

// FormatTargets writes ts as ParseTargets reads them, sorted.
func FormatTargets(ts []office.Target) string {
	lines := make([]string, 0, len(ts))
	for _, t := range ts {
		lines = append(lines, fmt.Sprintf("%s:%s/%s=%d", t.Scope, t.Key, t.Period, t.N))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// SetTargets replaces every target.
func (d *Dashboard) SetTargets(ctx context.Context, ts []office.Target) error {
	old, err := d.office.Targets(ctx)
	if err != nil {
		return err
	}
	for _, t := range old {
		t.N = 0
		if err := d.office.SetTarget(ctx, t); err != nil {
			return err
		}
	}
	for _, t := range ts {
		if err := d.office.SetTarget(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// periodTargets returns the progress of each target in its current period
// ("post:CODE" or "enumerator:NAME" → progress; a week target wins over a
// month one for the tables), counting the interviews u may see that
// started in the period, and fills c.Behind with the targets behind their
// pace this week (and month targets behind this month).
func (d *Dashboard) periodTargets(ctx context.Context, u *User, c *completionData) (map[string]office.Progress, error) {
	ts, err := d.office.Targets(ctx)
	if err != nil {
		return nil, err
	}
	now := d.now()
	ws, we := office.PeriodOf(office.PeriodWeek, now)
	ms, me := office.PeriodOf(office.PeriodMonth, now)
	c.Week = ws.Format(time.DateOnly) + " – " + we.AddDate(0, 0, -1).Format(time.DateOnly)
	c.Month = ms.Format("2006-01")
	counts := map[string]map[string]int{} // period + scope → key → n
	count := func(period, col string) (map[string]int, error) {
		if col != office.ScopePost && col != office.ScopeEnumerator {
			return map[string]int{}, nil // a column name: only these two
		}
		k := period + col
		if m, ok := counts[k]; ok {
			return m, nil
		}
		from, to := ws, we
		if period == office.PeriodMonth {
			from, to = ms, me
		}
		w, args := scope(u)
		rows, err := d.db.QueryContext(ctx, `SELECT `+col+`, sum(n) FROM dash_counts WHERE day >= ? AND day < ? AND `+w+` GROUP BY `+col,
			append([]any{from.Format(time.DateOnly), to.Format(time.DateOnly)}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[string]int{}
		for rows.Next() {
			var key string
			var n int
			if err := rows.Scan(&key, &n); err != nil {
				return nil, err
			}
			m[key] = n
		}
		counts[k] = m
		return m, rows.Err()
	}
	out := map[string]office.Progress{}
	for _, t := range ts {
		m, err := count(t.Period, t.Scope)
		if err != nil {
			return nil, err
		}
		p := office.ProgressOf(t, m[t.Key], now)
		k := t.Scope + ":" + t.Key
		if cur, ok := out[k]; !ok || cur.Period != office.PeriodWeek {
			out[k] = p
		}
	}
	for _, col := range []string{office.ScopePost, office.ScopeEnumerator} {
		for _, period := range []string{office.PeriodWeek, office.PeriodMonth} {
			m, err := count(period, col)
			if err != nil {
				return nil, err
			}
			for _, p := range office.BehindNow(ts, col, period, now, func(k string) int { return m[k] }) {
				if u.Role == RoleSupervisor && ((col == office.ScopePost && !contains(u.Posts, p.Key)) ||
					(col == office.ScopeEnumerator && !contains(u.Enumerators, p.Key) && m[p.Key] == 0)) {
					continue
				}
				c.Behind = append(c.Behind, p)
			}
		}
	}
	return out, nil
}
