package dashboard_test

import (
	"net/url"
	"regexp"
	"testing"
	"time"

	"sira/sync/intake/dashboard"
)

// TestTargetsPerPeriod: targets per post and enumerator per week or month
// count the interviews started in the current period, coloured by pace;
// the overview lists the posts behind this week. The clock is a Thursday
// noon: half the week gone.
func TestTargetsPerPeriod(t *testing.T) {
	e := newEnv(t)
	thursday := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	e.clock.t = thursday
	tuesday := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	lastMonth := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	gogui := e.simulate(5, 1, "awa", "gogui", nil)
	kati := e.simulate(2, 2, "moussa", "kati", nil)
	for i, iv := range append(gogui, kati...) {
		iv.Started = tuesday.Add(time.Duration(i) * time.Minute)
	}
	gogui[4].Started = lastMonth // not this week, nor this month
	e.ingest(gogui, "awa")
	e.ingest(kati, "moussa")
	e.addUser("admin", dashboard.RoleAdmin, nil, nil)
	b := e.signedIn("admin")
	tg := "post:gogui/week=8\npost:kati/week=10\nenumerator:awa/month=40\npost:diboli/week=2"
	if p := b.postForm("/dashboard/settings", "/dashboard/settings/targets", url.Values{"targets": {tg}}); p.status != 303 {
		t.Fatalf("targets: %d", p.status)
	}
	if p := b.postForm("/dashboard/settings", "/dashboard/settings/targets", url.Values{"targets": {"post:gogui/year=8"}}); p.status != 400 {
		t.Errorf("a yearly target was accepted: %d", p.status)
	}
	mustContain(t, b.get("/dashboard/settings").body, "post:gogui/week=8")
	p := b.get("/dashboard/").body
	// gogui: 4 this week of 8, 4 expected by Thursday noon: ahead.
	mustContain(t, p, `class="pace-ahead" title="en avance"><meter min="0" max="8" value="4"></meter> 4 / 8 par semaine`)
	// awa: 4 this month of 40; 40 × 9.5/31 ≈ 12.3 expected: behind.
	mustContain(t, p, `class="pace-behind" title="en retard"><meter min="0" max="40" value="4"></meter> 4 / 40 par mois`)
	behind := regexp.MustCompile(`(?s)<table id="behind">.*?</table>`).FindString(p)
	for _, want := range []string{"kati", "diboli", "awa"} {
		mustContain(t, behind, want)
	}
	if regexp.MustCompile(`>gogui<`).MatchString(behind) || regexp.MustCompile(`post=gogui`).MatchString(behind) {
		t.Errorf("gogui, ahead of its pace, is listed as behind: %s", behind)
	}
}
