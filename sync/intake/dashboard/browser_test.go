package dashboard_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sira/office"
	"sira/survey"
	lsqlite "sira/survey/sqlite"
	"sira/survey/vault"
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
)

// chromium returns the path of a Chromium binary. Without one the test is
// skipped on a developer's machine but fails under CI=true: .ci/run installs
// Debian's chromium package, so a missing browser there is a broken CI, and
// a silent skip would hide that the review loop went untested.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SIRA_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium binary: .ci/run must install Debian's chromium package (or set SIRA_CHROMIUM)")
	}
	t.Skip("no chromium binary (install Debian's chromium package or set SIRA_CHROMIUM)")
	return ""
}

// headless starts a fresh headless Chromium and returns its context.
func headless(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first action starts the browser and must run without a timeout:
	// the timeout would stop the browser; each later step has its own.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs steps in the browser with a bounded wait.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// text returns the text of the element matching the CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

// shot saves a full-page screenshot to $SIRA_SCREENSHOTS/name.png when
// that directory is set (to look at the pages), else does nothing.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SIRA_SCREENSHOTS")
	if dir == "" {
		return
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// laptop is an enumerator's store with finalized interviews.
func newLaptop(t *testing.T, e *env, ivs []*survey.Interview) *lsqlite.Store {
	t.Helper()
	st, err := lsqlite.Open(e.ctx, filepath.Join(t.TempDir(), "laptop.db"), lsqlite.Options{KDF: vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	// Each enumerator signs in (a cheap PIN derivation: these tests are not about it).
	signedIn := map[string]bool{}
	for _, iv := range ivs {
		if signedIn[iv.Enumerator] {
			continue
		}
		signedIn[iv.Enumerator] = true
		if err := st.Unlock(e.ctx, iv.Enumerator, "135790"); err != nil {
			t.Fatal(err)
		}
	}
	js, err := e.form.MarshalCanonical()
	must(t, err)
	must(t, st.PutForm(e.ctx, e.form.ID, e.form.Version, e.form.Hash, js))
	must(t, st.Insert(e.ctx, ivs))
	return st
}

func syncLaptop(t *testing.T, e *env, st survey.Store, token string) *client.Result {
	t.Helper()
	cl, err := client.New(client.Config{URL: e.hs.URL, Token: token, Logger: slogDiscard(),
		Retry: client.Retry{Attempts: 3, Base: 10 * time.Millisecond, Max: 100 * time.Millisecond, Timeout: 20 * time.Second}})
	must(t, err)
	res, err := cl.Sync(e.ctx, st)
	must(t, err)
	return res
}

// TestBrowserRejectRoundTrip signs in with real headless Chromium, checks
// the completion numbers against the database, rejects an interview; the
// laptop syncs, receives it, fixes it and syncs again; the dashboard shows
// revision 2 with the history.
func TestBrowserRejectRoundTrip(t *testing.T) {
	ctx := headless(t)
	e := newEnv(t)
	e.addUser("bureau", dashboard.RoleAdmin, nil, nil)
	u := &dashboard.Users{DB: e.db, KDF: testKDF}
	must(t, u.Add(e.ctx, dashboard.User{Name: "sup", Role: dashboard.RoleSupervisor, Posts: []string{"gogui"}}, password))
	must(t, e.d.SetTargets(e.ctx, []office.Target{{Scope: "post", Key: "gogui", Period: "month", N: 20}, {Scope: "post", Key: "diboli", Period: "month", N: 15}, {Scope: "enumerator", Key: "awa", Period: "month", N: 12}}))

	ivs := e.simulate(6, 21, "awa", "gogui", nil)
	for _, iv := range ivs {
		iv.Status = survey.StatusFinalized
		if iv.Ended.IsZero() {
			iv.Ended = iv.Started.Add(30 * time.Minute)
		}
	}
	laptop := newLaptop(t, e, ivs)
	secret, _, err := intake.CreateToken(e.ctx, e.store, "awa", time.Now())
	must(t, err)
	if res := syncLaptop(t, e, laptop, secret); res.Acknowledged != 6 {
		t.Fatalf("first sync: %+v", res)
	}
	e.ingest(e.simulate(3, 22, "moussa", "diboli", nil), "moussa")

	base := e.hs.URL
	do(t, ctx, chromedp.Navigate(base+"/dashboard/login?lang=fr"), chromedp.WaitVisible(chromedp.CSS("#user")))
	shot(t, ctx, "login")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#user"), "bureau"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#total-interviews")),
	)
	total := text(t, ctx, "#total-interviews")
	shot(t, ctx, "completion")
	st, err := e.store.Stats(e.ctx)
	must(t, err)
	if got, want := strings.TrimSpace(total), strconv.FormatInt(st.Interviews, 10); got != want || want != "9" {
		t.Errorf("completion shows %q interviews, the database holds %s (want 9)", got, want)
	}
	perPost := text(t, ctx, "#per-post")
	// Posts by their label in the page's language (the form's choices).
	if !strings.Contains(perPost, "Gogui (frontière mauritanienne") || !strings.Contains(perPost, "6") || !strings.Contains(perPost, "20") {
		t.Errorf("per-post table: %q", perPost)
	}

	// Reject the first interview from its page.
	id := ivs[0].ID
	do(t, ctx, chromedp.Navigate(base+"/dashboard/interviews?post=gogui"), chromedp.WaitVisible(chromedp.CSS("#interviews")))
	shot(t, ctx, "interviews")
	do(t, ctx, chromedp.Navigate(base+ivPath(id)), chromedp.WaitVisible(chromedp.CSS("#comment")))
	shot(t, ctx, "interview")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#comment"), "L'âge ne correspond pas au document : vérifiez."),
		chromedp.Click(chromedp.CSS("#reject")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if flash := text(t, ctx, "#flash"); !strings.Contains(flash, "renvoyé") {
		t.Errorf("flash after reject: %q", flash)
	}

	// The laptop syncs and gets it back.
	res := syncLaptop(t, e, laptop, secret)
	if res.Rejections != 1 {
		t.Fatalf("second sync: %d rejections, want 1", res.Rejections)
	}
	got, err := laptop.Get(e.ctx, id)
	must(t, err)
	if got.Status != survey.StatusRejected || !strings.Contains(got.Comment, "L'âge") {
		t.Fatalf("on the laptop: status %s comment %q", got.Status, got.Comment)
	}
	// The enumerator fixes it and finalizes revision 2.
	must(t, laptop.Reopen(e.ctx, id))
	age := survey.Ref{Path: "/data/interview/demographics/age"}
	must(t, laptop.SaveAnswer(e.ctx, id, age, "34"))
	must(t, laptop.Finalize(e.ctx, id, time.Now()))
	res = syncLaptop(t, e, laptop, secret)
	if res.Acknowledged != 1 {
		t.Fatalf("third sync: %+v", res)
	}

	do(t, ctx, chromedp.Navigate(base+ivPath(id)), chromedp.WaitVisible(chromedp.CSS("#revision")))
	rev, history, answers := text(t, ctx, "#revision"), text(t, ctx, "#history"), text(t, ctx, "#answers")
	shot(t, ctx, "interview-rev2")
	if strings.TrimSpace(rev) != "2" {
		t.Errorf("dashboard shows revision %q, want 2", rev)
	}
	if !strings.Contains(history, "renvoyé") || strings.Count(history, "Soumission") != 2 {
		t.Errorf("history lacks the rejection or a submission: %q", history)
	}
	if !strings.Contains(answers, "34") {
		t.Errorf("answers lack the fixed age")
	}
	// The other pages render too (and are looked at in screenshots).
	for _, p := range []string{"duplicates", "devices", "settings", "audit"} {
		do(t, ctx, chromedp.Navigate(base+"/dashboard/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot(t, ctx, p)
	}
	do(t, ctx, chromedp.Navigate(base+"/dashboard/report?form=returnee&lang=fr"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot(t, ctx, "report")
	do(t, ctx, chromedp.Navigate(base+"/dashboard/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#total-interviews")))
	shot(t, ctx, "completion-en")

	// The supervisor of gogui sees the six, not diboli's three.
	do(t, ctx,
		chromedp.Click(chromedp.CSS("header form button")),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		chromedp.SendKeys(chromedp.CSS("#user"), "sup"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#total-interviews")),
	)
	if got := strings.TrimSpace(text(t, ctx, "#total-interviews")); got != "6" {
		t.Errorf("supervisor of gogui sees %q interviews, want 6", got)
	}
}
