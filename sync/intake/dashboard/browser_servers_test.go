package dashboard_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sira/forms"
	"sira/office"
	"sira/survey"
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	isqlite "sira/sync/intake/sqlite"
)

// TestBrowserTwoServers: two servers on one office database (here one
// SQLite file). A browser signs in through A and rejects, with a comment
// on a question, through B (the session and its CSRF token are the
// database's); a laptop syncing alternately through B and A gets the
// rejection once, with the question's comment; approving afterwards
// through A is refused, saying the rejection reached the laptop.
func TestBrowserTwoServers(t *testing.T) {
	ctx := headless(t)
	e := newEnv(t) // server A
	e.addUser("bureau", dashboard.RoleAdmin, nil, nil)
	// Server B: its own processes' state, the same database.
	stB, err := isqlite.Open(e.ctx, e.path)
	must(t, err)
	t.Cleanup(func() { stB.Close() })
	dbB, err := dashboard.OpenDB(e.ctx, e.path)
	must(t, err)
	t.Cleanup(func() { dbB.Close() })
	ofB := openOffice(t, e.path)
	dB, err := dashboard.New(dashboard.Config{DB: dbB, Store: stB, Office: ofB, KDF: testKDF, Logger: slogDiscard()})
	must(t, err)
	srvB, err := intake.New(e.ctx, intake.Config{Store: stB, Office: ofB, Builtin: []*forms.Form{e.form}, Logger: slogDiscard(), OnSync: dB.RecordSync})
	must(t, err)
	dB.Mount(srvB)
	hsB := httptest.NewServer(srvB)
	t.Cleanup(hsB.Close)

	ivs := e.simulate(4, 31, "awa", "gogui", nil)
	for _, iv := range ivs {
		iv.Status = survey.StatusFinalized
		if iv.Ended.IsZero() {
			iv.Ended = iv.Started.Add(30 * time.Minute)
		}
	}
	laptop := newLaptop(t, e, ivs)
	secret, _, err := intake.CreateToken(e.ctx, e.store, "awa", time.Now())
	must(t, err)
	syncTo := func(url string) *client.Result {
		cl, err := client.New(client.Config{URL: url, Token: secret, Logger: slogDiscard(),
			Retry: client.Retry{Attempts: 3, Base: 10 * time.Millisecond, Max: 100 * time.Millisecond, Timeout: 20 * time.Second}})
		must(t, err)
		res, err := cl.Sync(e.ctx, laptop)
		must(t, err)
		return res
	}
	if res := syncTo(e.hs.URL); res.Acknowledged != 4 {
		t.Fatalf("first sync: %+v", res)
	}

	// Sign in through A…
	do(t, ctx, chromedp.Navigate(e.hs.URL+"/dashboard/login?lang=fr"), chromedp.WaitVisible(chromedp.CSS("#user")))
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#user"), "bureau"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#total-interviews")),
	)
	// …reject through B, with a comment on the age.
	id := ivs[0].ID
	const ageRef = "/data/interview/demographics/age"
	do(t, ctx, chromedp.Navigate(hsB.URL+ivPath(id)), chromedp.WaitVisible(chromedp.CSS("#comment")))
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`textarea[name="q:`+ageRef+`"]`), "pas l'âge de la carte"),
		chromedp.SendKeys(chromedp.CSS("#comment"), "Vérifiez l'âge."),
		chromedp.Click(chromedp.CSS("#reject")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if flash := text(t, ctx, "#flash"); !strings.Contains(flash, "renvoyé") {
		t.Fatalf("flash after rejecting through B: %q", flash)
	}

	// The laptop syncs through B, A, B: the rejection arrives once.
	total := 0
	for _, url := range []string{hsB.URL, e.hs.URL, hsB.URL, e.hs.URL} {
		total += syncTo(url).Rejections
	}
	if total != 1 {
		t.Errorf("the laptop applied the rejection %d times over four sessions through two servers, want 1", total)
	}
	got, err := laptop.Get(e.ctx, id)
	must(t, err)
	qs, err := survey.RejectionQuestions(e.ctx, laptop, id)
	must(t, err)
	if got.Status != survey.StatusRejected || !slices.Equal(qs, []office.QuestionComment{{Field: ageRef, Comment: "pas l'âge de la carte"}}) {
		t.Errorf("on the laptop: %s, question comments %+v", got.Status, qs)
	}
	// Approving now, through A, is refused with the reason.
	do(t, ctx, chromedp.Navigate(e.hs.URL+ivPath(id)), chromedp.WaitVisible(chromedp.CSS("#approve")))
	if d := text(t, ctx, "#delivery"); !strings.Contains(d, "a atteint") {
		t.Errorf("delivery note: %q", d)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitNotPresent(chromedp.CSS("#approve")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "ne peut plus être retiré") {
		t.Errorf("approving a delivered rejection: %q", body)
	}
}
