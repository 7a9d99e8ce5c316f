package dashboard_test

import (
	"testing"
	"time"

	"sira/survey"
	"sira/sync/intake/dashboard"
)

// TestDuplicatesLateArrival: interviews started months ago, one arriving
// long after the other (a USB batch, a silent laptop), are still checked
// against each other; the page states the rule.
func TestDuplicatesLateArrival(t *testing.T) {
	e := newEnv(t)
	same := map[string]string{"sex": "female", "age": "30", "origin_region": "kayes", "origin_locality": "Diéma"}
	a := e.simulate(1, 5, "awa", "gogui", same)
	old := time.Now().UTC().AddDate(0, 0, -120)
	a[0].Started = old
	e.ingest(a, "awa")
	_, err := e.d.CatchUp(e.ctx, 0)
	must(t, err)
	same["age"] = "31"
	late := e.simulate(1, 6, "awa", "gogui", same)
	late[0].Started = old.AddDate(0, 0, 2)
	e.ingest(late, "awa")
	for _, iv := range [][]*survey.Interview{a, late} {
		if iv[0].Data.Values["/data/interview/demographics/sex"] == "" {
			t.Skipf("simulated interview lacks sex")
		}
	}
	e.addUser("admin", dashboard.RoleAdmin, nil, nil)
	b := e.signedIn("admin")
	p := b.get("/dashboard/duplicates")
	mustContain(t, p.body, `id="rule">Deux entretiens d&#39;un même formulaire avec mêmes sex, origin_region, origin_locality, age à ±1 près, même poste, commencés à 7 jours d&#39;écart au plus`,
		`<a href="/dashboard/interviews/`+a[0].ID+`">`, `<a href="/dashboard/interviews/`+late[0].ID+`">`)
}
