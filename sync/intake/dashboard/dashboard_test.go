package dashboard_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/office"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	"sira/sync/wire"
)

// seeded is an env with interviews at two posts and one user per role.
func seeded(t *testing.T) (*env, []*survey.Interview, []*survey.Interview) {
	t.Helper()
	e := newEnv(t)
	gogui := e.simulate(4, 1, "awa", "gogui", nil)
	diboli := e.simulate(3, 2, "moussa", "diboli", nil)
	e.ingest(gogui, "awa")
	e.ingest(diboli, "moussa")
	e.addUser("admin", dashboard.RoleAdmin, nil, nil)
	e.addUser("sup", dashboard.RoleSupervisor, []string{"gogui"}, nil)
	e.addUser("view", dashboard.RoleViewer, nil, nil)
	return e, gogui, diboli
}

func TestRoleChecks(t *testing.T) {
	e, gogui, _ := seeded(t)
	id := gogui[0].ID
	tests := []struct {
		user, method, path string
		want               int
	}{
		{"admin", "GET", "/dashboard/", 200},
		{"admin", "GET", "/dashboard/devices", 200},
		{"admin", "GET", "/dashboard/settings", 200},
		{"admin", "GET", "/dashboard/audit", 200},
		{"admin", "GET", "/dashboard/duplicates", 200},
		{"admin", "POST", ivPath(id) + "/approve", 303},
		{"sup", "GET", "/dashboard/", 200},
		{"sup", "GET", "/dashboard/interviews", 200},
		{"sup", "GET", "/dashboard/duplicates", 200},
		{"sup", "GET", "/dashboard/devices", 403},
		{"sup", "GET", "/dashboard/settings", 403},
		{"sup", "GET", "/dashboard/audit", 403},
		{"sup", "POST", "/dashboard/devices/token", 403},
		{"sup", "POST", "/dashboard/settings/targets", 403},
		{"sup", "POST", ivPath(id) + "/approve", 303},
		{"view", "GET", "/dashboard/", 200},
		{"view", "GET", "/dashboard/interviews", 200},
		{"view", "GET", ivPath(id), 200},
		{"view", "GET", "/dashboard/duplicates", 403},
		{"view", "GET", "/dashboard/devices", 403},
		{"view", "GET", "/dashboard/export?form=returnee", 403},
		{"view", "POST", ivPath(id) + "/approve", 403},
		{"view", "POST", ivPath(id) + "/reject", 403},
		{"view", "POST", "/dashboard/duplicates/decide", 403},
		{"view", "POST", "/dashboard/devices/revoke", 403},
		{"view", "POST", "/dashboard/settings/duplicates", 403},
	}
	bs := map[string]*browser{}
	for _, tc := range tests {
		t.Run(tc.user+" "+tc.method+" "+tc.path, func(t *testing.T) {
			b := bs[tc.user]
			if b == nil {
				b = e.signedIn(tc.user)
				bs[tc.user] = b
			}
			var p page
			if tc.method == "GET" {
				p = b.get(tc.path)
			} else {
				// A valid CSRF token: only the role may refuse.
				p = b.postForm("/dashboard/", tc.path, url.Values{"comment": {"x"}})
			}
			if p.status != tc.want {
				t.Errorf("status %d, want %d", p.status, tc.want)
			}
		})
	}
}

func TestViewerCannotReview(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("view")
	id := gogui[0].ID
	if p := b.get(ivPath(id)); p.status != 200 || strings.Contains(p.body, `id="approve"`) || strings.Contains(p.body, `id="reject"`) {
		t.Errorf("viewer's interview page: status %d, review buttons shown: %v", p.status, strings.Contains(p.body, `id="approve"`))
	}
	for _, action := range []string{"approve", "reject"} {
		p := b.postForm(ivPath(id), ivPath(id)+"/"+action, url.Values{"comment": {"no"}})
		if p.status != http.StatusForbidden {
			t.Errorf("viewer %s: status %d, want 403", action, p.status)
		}
	}
	if n := e.count(`SELECT count(*) FROM dash_interviews WHERE review != 'pending'`); n != 0 {
		t.Errorf("%d interviews reviewed by a viewer", n)
	}
	rs, err := e.office.Notices(e.ctx, "awa", 0, 10)
	must(t, err)
	if len(rs) != 0 {
		t.Errorf("a viewer's rejection reached the laptop queue: %d", len(rs))
	}
}

func TestSupervisorSeesOnlyTheirPosts(t *testing.T) {
	e, gogui, diboli := seeded(t)
	b := e.signedIn("sup")
	p := b.get("/dashboard/interviews")
	for _, iv := range gogui {
		mustContain(t, p.body, ivPath(iv.ID))
	}
	for _, iv := range diboli {
		if strings.Contains(p.body, iv.ID) {
			t.Errorf("supervisor of gogui sees diboli interview %s", iv.ID)
		}
	}
	if p := b.get(ivPath(diboli[0].ID)); p.status != http.StatusNotFound {
		t.Errorf("diboli interview page: status %d, want 404", p.status)
	}
	if p := b.postForm("/dashboard/", ivPath(diboli[0].ID)+"/reject", url.Values{"comment": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("reject diboli: status %d, want 404", p.status)
	}
	if p := b.get("/dashboard/interviews?post=diboli"); !strings.Contains(p.body, `id="match-count">0 `) {
		t.Errorf("filter on another post shows interviews")
	}
	c := b.get("/dashboard/")
	mustContain(t, c.body, `id="total-interviews">4<`)
	// The export holds only their interviews too.
	x := b.get("/dashboard/export?form=returnee&format=zip")
	if x.status != 200 || len(x.body) == 0 {
		t.Fatalf("export: status %d", x.status)
	}
	zr, err := zip.NewReader(strings.NewReader(x.body), int64(len(x.body)))
	must(t, err)
	fh, err := zr.Open("returnee.csv")
	must(t, err)
	main, err := io.ReadAll(fh)
	must(t, err)
	for _, iv := range gogui {
		mustContain(t, string(main), iv.ID)
	}
	for _, iv := range diboli {
		if strings.Contains(string(main), iv.ID) {
			t.Errorf("supervisor of gogui exports diboli interview %s", iv.ID)
		}
	}
	// So does the statistics page: 4 interviews read, not 7.
	mustContain(t, b.get("/dashboard/report?form=returnee&lang=en").body, `<td id="read">4</td>`) // interviews read
}

// TestSignedOutRoutes: without a session every page sends to the sign-in
// page and every post is refused, before any handler runs.
func TestSignedOutRoutes(t *testing.T) {
	e, gogui, _ := seeded(t)
	id := gogui[0].ID
	b := e.browser()
	for _, path := range []string{"/dashboard/", "/dashboard/interviews", ivPath(id), "/dashboard/duplicates", "/dashboard/devices",
		"/dashboard/settings", "/dashboard/audit", "/dashboard/export?form=returnee", "/dashboard/report?form=returnee",
		"/dashboard/report/interviews?form=returnee"} {
		if p := b.get(path); p.status != http.StatusSeeOther || p.loc != "/dashboard/login" {
			t.Errorf("GET %s signed out: status %d to %q, want the sign-in page", path, p.status, p.loc)
		}
	}
	for _, path := range []string{ivPath(id) + "/approve", ivPath(id) + "/reject", "/dashboard/duplicates/decide", "/dashboard/devices/token",
		"/dashboard/devices/revoke", "/dashboard/settings/targets", "/dashboard/settings/duplicates", "/dashboard/settings/assign", "/dashboard/logout"} {
		if p := b.post(path, url.Values{"comment": {"x"}, "enumerator": {"x"}}); p.status < 300 || p.status == http.StatusNotFound {
			t.Errorf("POST %s signed out: status %d", path, p.status)
		}
	}
	if n := e.count(`SELECT count(*) FROM dash_reviews`); n != 0 {
		t.Errorf("%d reviews recorded by signed-out posts", n)
	}
}

func TestDeviceTokenCannotUseDashboard(t *testing.T) {
	e, _, _ := seeded(t)
	secret, _, err := intake.CreateToken(e.ctx, e.store, "awa", time.Now())
	must(t, err)
	for _, path := range []string{"/dashboard/", "/dashboard/interviews", "/dashboard/export?form=returnee", "/dashboard/devices"} {
		req, _ := http.NewRequest("GET", e.hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		p := e.browser().do(req)
		if p.status != http.StatusUnauthorized {
			t.Errorf("GET %s with a device token: status %d, want 401", path, p.status)
		}
	}
	// Even beside a valid session, a bearer token is refused.
	b := e.signedIn("admin")
	req, _ := http.NewRequest("GET", e.hs.URL+"/dashboard/", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if p := b.do(req); p.status != http.StatusUnauthorized {
		t.Errorf("session + device token: status %d, want 401", p.status)
	}
	// And the device token as a session cookie is nothing.
	req, _ = http.NewRequest("GET", e.hs.URL+"/dashboard/", nil)
	req.AddCookie(&http.Cookie{Name: "sira_session", Value: secret})
	if p := e.browser().do(req); p.status != http.StatusSeeOther || p.loc != "/dashboard/login" {
		t.Errorf("device token as a cookie: status %d to %q, want the sign-in page", p.status, p.loc)
	}
}

func TestCSRF(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("admin")
	id := gogui[0].ID
	for name, form := range map[string]url.Values{
		"missing": {},
		"wrong":   {"csrf": {"forged"}},
		"empty":   {"csrf": {""}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{ivPath(id) + "/approve", ivPath(id) + "/reject", "/dashboard/devices/token", "/dashboard/logout"} {
				form.Set("comment", "x")
				form.Set("enumerator", "x")
				if p := b.post(path, form); p.status != http.StatusForbidden {
					t.Errorf("POST %s: status %d, want 403", path, p.status)
				}
			}
		})
	}
	// Another session's token does not do either.
	other := e.signedIn("sup")
	tok := other.csrf("/dashboard/")
	if p := b.post(ivPath(id)+"/approve", url.Values{"csrf": {tok}}); p.status != http.StatusForbidden {
		t.Errorf("another session's token: status %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_reviews`); n != 0 {
		t.Errorf("%d reviews recorded without a valid token", n)
	}
	// Sign-in without the form's token is refused.
	nb := e.browser()
	if p := nb.post("/dashboard/login", url.Values{"user": {"admin"}, "password": {password}}); p.status != http.StatusForbidden {
		t.Errorf("sign in without token: status %d", p.status)
	}
	// With it, approving works.
	if p := b.postForm(ivPath(id), ivPath(id)+"/approve", nil); p.status != http.StatusSeeOther {
		t.Errorf("approve with token: status %d", p.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e, _, _ := seeded(t)
	b := e.browser()
	for i := range 5 {
		if p := b.signIn("admin", "wrong password"); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, p.status)
		}
	}
	// The sixth is refused before the password is even checked.
	if p := b.signIn("admin", password); p.status != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d, want 429", p.status)
	}
	// From another address admin signs in: five wrong passwords slow the
	// account from that address only, they never lock it for the office
	// (behind a proxy every address used to be one).
	other := e.browser()
	other.ip = "198.51.100.7"
	if p := other.signIn("admin", password); p.status != http.StatusSeeOther {
		t.Fatalf("admin from another address: status %d, want 303", p.status)
	}
	e.clock.Add(16 * time.Minute)
	if p := b.signIn("admin", password); p.status != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'login_failed'`); n != 6 {
		t.Errorf("%d failed sign-ins audited, want 6", n)
	}
	// One address trying many names meets its own limit (4× an account's).
	codes := map[int]int{}
	for i := range 25 {
		codes[b.signIn(fmt.Sprintf("nobody%d", i), "x").status]++
	}
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusUnauthorized] < 15 {
		t.Errorf("25 names from one address: %v, want 401s then 429s", codes)
	}
}

// TestSigninFlood: 100 concurrent sign-ins of unknown accounts with long
// names from one address: over the limit they are refused before the KDF
// (today every one ran argon2id first), at most MaxKDF hashes run at once,
// and the audit log grows by a bounded number of short rows.
func TestSigninFlood(t *testing.T) {
	e, _, _ := seeded(t)
	before := e.count(`SELECT count(*) FROM dash_audit`)
	long := strings.Repeat("é", 5000)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := e.browser()
			p := b.signIn(fmt.Sprintf("%s%d", long, i), "x")
			mu.Lock()
			codes[p.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusTooManyRequests] < 70 || codes[http.StatusUnauthorized] > 20 {
		t.Errorf("100 concurrent sign-ins from one address: %v, want at most 20 checked", codes)
	}
	rows := e.count(`SELECT count(*) FROM dash_audit`) - before
	if rows > 25 {
		t.Errorf("%d audit rows for 100 attempts, want the refused ones aggregated", rows)
	}
	if n := e.count(`SELECT max(length(user)) FROM dash_audit`); n > 80 {
		t.Errorf("an audit row stores a user name of %d characters", n)
	}
}

func TestAuditLog(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("admin")
	id, id2 := gogui[0].ID, gogui[1].ID
	b.get(ivPath(id))
	if p := b.postForm(ivPath(id), ivPath(id)+"/approve", nil); p.status != 303 {
		t.Fatalf("approve: %d", p.status)
	}
	if p := b.postForm(ivPath(id2), ivPath(id2)+"/reject", url.Values{"comment": {"age looks wrong"}}); p.status != 303 {
		t.Fatalf("reject: %d", p.status)
	}
	if p := b.get("/dashboard/export?form=returnee"); p.status != 200 {
		t.Fatalf("export: %d", p.status)
	}
	entries, err := e.d.Audit(e.ctx, "", 100)
	must(t, err)
	want := map[string]string{"login": "", "view": id, "approve": id, "reject": id2, "export": "returnee"}
	got := map[string]bool{}
	for _, en := range entries {
		if w, ok := want[en.Action]; ok && en.User == "admin" && (w == "" || en.Target == w) {
			got[en.Action] = true
		}
		if strings.Contains(en.Detail, "age looks wrong") {
			t.Errorf("audit detail holds the comment: %+v", en)
		}
	}
	for a := range want {
		if !got[a] {
			t.Errorf("no audit entry %q by admin", a)
		}
	}
	if p := b.get("/dashboard/audit"); !strings.Contains(p.body, id2) {
		t.Errorf("audit page lacks the rejected interview")
	}
	// Actions are named in the page's language, not as stored.
	for lang, words := range map[string][]string{"fr": {">renvoi<", ">validation<", ">export<"}, "en": {">rejection<", ">approval<", ">view<"}} {
		p := b.get("/dashboard/audit?lang=" + lang)
		for _, w := range words {
			if !strings.Contains(p.body, w) {
				t.Errorf("audit page in %s lacks %q", lang, w)
			}
		}
	}
}

func TestRejectReturnsAndRevisionTwo(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("sup")
	iv := gogui[0]
	if p := b.postForm(ivPath(iv.ID), ivPath(iv.ID)+"/reject", url.Values{"comment": {""}}); p.status != http.StatusBadRequest {
		t.Errorf("reject without comment: status %d, want 400", p.status)
	}
	p := b.postForm(ivPath(iv.ID), ivPath(iv.ID)+"/reject", url.Values{"comment": {"Vérifiez l'âge"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("reject: status %d: %s", p.status, p.body)
	}
	rs, err := e.office.Notices(e.ctx, "awa", 0, 10)
	must(t, err)
	if len(rs) != 1 || rs[0].ID != iv.ID || rs[0].Comment != "Vérifiez l'âge" || rs[0].By != "sup" || rs[0].Kind != office.NoticeReject {
		t.Fatalf("rejections for the laptop: %+v", rs)
	}
	page := b.get(ivPath(iv.ID))
	mustContain(t, page.body, `id="review-state">à contrôler`[:0], "Vérifiez l&#39;âge", `id="revision">1<`)
	// The laptop fixes it and sends revision 2.
	const agePath = "/data/interview/demographics/age"
	oldAge := iv.Data.Values[agePath]
	newAge := "31"
	if oldAge == newAge {
		newAge = "32"
	}
	fixed := *iv
	fixed.Revision = 2
	fixed.Data = &survey.Record{Values: map[string]string{}, Repeats: iv.Data.Repeats}
	for k, v := range iv.Data.Values {
		fixed.Data.Values[k] = v
	}
	fixed.Data.Values[agePath] = newAge
	e.ingest([]*survey.Interview{&fixed}, "awa")
	page = b.get(ivPath(iv.ID))
	mustContain(t, page.body, `id="revision">2<`)
	seqs := regexpSeq.FindAllStringSubmatch(page.body, -1)
	if len(seqs) != 2 {
		t.Fatalf("history links %d submissions, want 2", len(seqs))
	}
	// The first revision is still there to read, with the old age.
	old := b.get(ivPath(iv.ID) + "?seq=" + seqs[0][1])
	mustContain(t, old.body, `id="shown"`, `data-name="age"><td class="d2">Quel âge avez-vous ?</td><td>`+oldAge+`<`)
	mustContain(t, page.body, `data-name="age"><td class="d2">Quel âge avez-vous ?</td><td>`+newAge+`<`)
	if p := b.get(ivPath(iv.ID) + "?seq=999999"); p.status != 404 {
		t.Errorf("unknown seq: %d", p.status)
	}
	var review string
	var rev int
	must(t, e.db.QueryRow(`SELECT review, revision FROM dash_interviews WHERE id = ?`, iv.ID).Scan(&review, &rev))
	if review != dashboard.ReviewPending || rev != 2 {
		t.Errorf("after revision 2: review %q revision %d, want pending 2", review, rev)
	}
	// Approve another: the counts follow every change of the projection.
	other := gogui[1].ID
	b.postForm(ivPath(other), ivPath(other)+"/approve", nil)
	e.checkCounts()
	mustContain(t, b.get("/dashboard/").body, `id="approved">1<`, `id="pending-review">3<`)
}

func TestInterviewsPaging(t *testing.T) {
	e := newEnv(t)
	ivs := e.simulate(23, 3, "awa", "gogui", nil)
	e.ingest(ivs, "awa")
	e.ingest(e.simulate(5, 4, "bintou", "zegoua", nil), "bintou")
	e.addUser("admin", dashboard.RoleAdmin, nil, nil)
	u, err := e.d.Users().Get(e.ctx, "admin")
	must(t, err)
	_, err = e.d.CatchUp(e.ctx, 0)
	must(t, err)
	seen := map[string]bool{}
	f := dashboard.Filter{Post: "gogui", Limit: 10}
	pages := 0
	var last time.Time
	for {
		p, err := e.d.Interviews(e.ctx, u, f)
		must(t, err)
		pages++
		for _, r := range p.Rows {
			if seen[r.ID] {
				t.Errorf("%s on two pages", r.ID)
			}
			if r.Post != "gogui" {
				t.Errorf("%s at post %q", r.ID, r.Post)
			}
			if !last.IsZero() && r.Started.After(last) {
				t.Errorf("not newest first: %v after %v", r.Started, last)
			}
			last = r.Started
			seen[r.ID] = true
		}
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if len(seen) != 23 || pages != 3 {
		t.Errorf("%d interviews on %d pages, want 23 on 3", len(seen), pages)
	}
	n, more, err := e.d.Count(e.ctx, u, dashboard.Filter{}, 10)
	must(t, err)
	if n != 10 || !more {
		t.Errorf("capped count: %d %v", n, more)
	}
	n, more, err = e.d.Count(e.ctx, u, dashboard.Filter{Enumerator: "bintou"}, 100)
	must(t, err)
	if n != 5 || more {
		t.Errorf("count bintou: %d %v", n, more)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	n, _, err = e.d.Count(e.ctx, u, dashboard.Filter{From: today, To: today}, 100)
	must(t, err)
	if want := e.count(`SELECT count(*) FROM dash_interviews WHERE day = ?`, today); n != want || n == 0 {
		t.Errorf("count today: %d, want %d (> 0)", n, want)
	}
	b := e.signedIn("admin")
	if p := b.get("/dashboard/interviews?from=yesterday"); p.status != http.StatusBadRequest {
		t.Errorf("bad date: status %d", p.status)
	}
}

func TestInterviewLabelsInLanguage(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("view")
	fr := b.get(ivPath(gogui[0].ID) + "?alang=fr")
	mustContain(t, fr.body, "Sexe", "Quel âge avez-vous ?", "Gogui (frontière mauritanienne")
	en := b.get(ivPath(gogui[0].ID) + "?alang=en&lang=en")
	mustContain(t, en.body, "How old are you?", "Gogui (Mauritania border", "Approve"[:0], "Answers")
}

func TestDuplicatesConfirmDismiss(t *testing.T) {
	e := newEnv(t)
	same := map[string]string{"sex": "female", "age": "30", "origin_region": "kayes", "origin_locality": "Diéma"}
	a := e.simulate(1, 5, "awa", "gogui", same)
	same["age"] = "31"
	bb := e.simulate(1, 6, "awa", "gogui", same)
	same["age"] = "45"
	c := e.simulate(1, 7, "awa", "gogui", same)
	for _, iv := range [][]*survey.Interview{a, bb, c} {
		iv[0].Started = time.Now().UTC().Add(-time.Hour)
		e.ingest(iv, "awa")
	}
	for _, iv := range [][]*survey.Interview{a, bb, c} {
		vals := iv[0].Data.Values
		if vals["/data/interview/demographics/sex"] == "" {
			t.Skipf("simulated interview lacks sex: %v", vals)
		}
	}
	e.addUser("admin", dashboard.RoleAdmin, nil, nil)
	u, _ := e.d.Users().Get(e.ctx, "admin")
	_, err := e.d.CatchUp(e.ctx, 0)
	must(t, err)
	pairs, _, err := e.d.Duplicates(e.ctx, u, 10)
	must(t, err)
	if len(pairs) != 1 {
		t.Fatalf("pairs: %+v, want the one with ages 30 and 31", pairs)
	}
	ids := map[string]bool{pairs[0].A.ID: true, pairs[0].B.ID: true}
	if !ids[a[0].ID] || !ids[bb[0].ID] {
		t.Errorf("pair %v, want %s and %s", ids, a[0].ID, bb[0].ID)
	}
	b := e.signedIn("admin")
	p := b.postForm("/dashboard/duplicates", "/dashboard/duplicates/decide", url.Values{"kind": {"duplicate"}, "a": {pairs[0].A.ID}, "b": {pairs[0].B.ID}, "state": {"dismissed"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", p.status)
	}
	pairs, _, err = e.d.Duplicates(e.ctx, u, 10)
	must(t, err)
	if len(pairs) != 0 {
		t.Errorf("dismissed pair still listed: %+v", pairs)
	}
	// Widening the tolerance re-projects and finds the third interview.
	ds, _ := e.d.DupSettings(e.ctx)
	ds.Tolerance = 20
	must(t, e.d.SetDupSettings(e.ctx, ds))
	_, err = e.d.CatchUp(e.ctx, 0)
	must(t, err)
	pairs, _, err = e.d.Duplicates(e.ctx, u, 10)
	must(t, err)
	if len(pairs) != 2 {
		t.Errorf("with ±20: %d pairs, want 2 (the dismissed one stays dismissed)", len(pairs))
	}
	e.checkCounts() // the re-projection updated every row
}

// TestSyncRecordsDevicesAndDrafts: the intake server's OnSync hook records
// a device's last sync and its laptop's drafts count.
func TestSyncRecordsDevicesAndDrafts(t *testing.T) {
	e, _, _ := seeded(t)
	secret, tok, err := intake.CreateToken(e.ctx, e.store, "awa", time.Now())
	must(t, err)
	three := 3
	offer, err := wire.MarshalOffer(wire.Offer{Items: []wire.Item{}, Drafts: &three})
	must(t, err)
	req, _ := http.NewRequest("POST", e.hs.URL+wire.PathOfferV2, bytes.NewReader(offer))
	req.Header.Set("Authorization", "Bearer "+secret)
	p := e.browser().do(req)
	if p.status != 200 {
		t.Fatalf("offer: %d %s", p.status, p.body)
	}
	ds, err := e.office.Devices(e.ctx)
	must(t, err)
	if len(ds) != 1 || ds[0].TokenID != tok.ID || ds[0].Drafts != 3 || ds[0].Enumerator != "awa" {
		t.Errorf("devices recorded: %+v, want %s with 3 drafts", ds, tok.ID)
	}
	// A refused request (bad token) records nothing.
	nine := 9
	offer, err = wire.MarshalOffer(wire.Offer{Items: []wire.Item{}, Drafts: &nine})
	must(t, err)
	req, _ = http.NewRequest("POST", e.hs.URL+wire.PathOfferV2, bytes.NewReader(offer))
	req.Header.Set("Authorization", "Bearer sira_nope")
	e.browser().do(req)
	if ds, _ := e.office.Devices(e.ctx); len(ds) != 1 {
		t.Errorf("%d devices recorded, want 1", len(ds))
	}
	// A second token of bob's never synced: silent.
	_, silent, err := intake.CreateToken(e.ctx, e.store, "bob", time.Now())
	must(t, err)
	b := e.signedIn("admin")
	mustContain(t, b.get("/dashboard/").body, `id="drafts">3<`)
	// The devices page names the enumerator, the post of their latest
	// interview and the last sync, and marks the silent device.
	dev := b.get("/dashboard/devices").body
	mustContain(t, dev, `<tr><td>awa</td><td>Gogui (frontière mauritanienne, cercle de Nioro du Sahel)</td><td>`, tok.ID,
		`<tr><td>bob</td><td>—</td><td class="silent">— (silencieux)</td><td><code>`+silent.ID)
}

func TestReportAndExportPages(t *testing.T) {
	e, _, _ := seeded(t)
	for _, user := range []string{"admin", "view"} {
		b := e.signedIn(user)
		p := b.get("/dashboard/report?form=returnee&lang=en")
		if p.status != 200 || !strings.Contains(p.body, "<table") {
			t.Errorf("%s: report: status %d", user, p.status)
		}
	}
	b := e.signedIn("sup")
	if p := b.get("/dashboard/export?form=returnee&format=xlsx"); p.status != 200 || !strings.HasPrefix(p.body, "PK") {
		t.Errorf("xlsx export: status %d", p.status)
	}
	if p := b.get("/dashboard/export?form=nosuch"); p.status != 404 {
		t.Errorf("unknown form: status %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'report'`); n != 2 {
		t.Errorf("%d report views audited, want 2", n)
	}
	// The download form's fields: English labels; a since date after
	// every receipt leaves the header only.
	mustContain(t, e.signedIn("admin").get("/dashboard/?lang=en").body, `id="export-form"`)
	for _, c := range []struct {
		query      string
		rows       int
		want, nope string
	}{
		{"labels=1&lang=en", -1, "Male", ",male,"},
		{"since=2999-01-01", 1, "", ""},
	} {
		p := b.get("/dashboard/export?form=returnee&" + c.query)
		zr, err := zip.NewReader(strings.NewReader(p.body), int64(len(p.body)))
		if err != nil {
			t.Fatalf("%s: %d %v", c.query, p.status, err)
		}
		fh, err := zr.Open("returnee.csv")
		must(t, err)
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		must(t, err)
		var all strings.Builder
		for _, r := range recs {
			all.WriteString("," + strings.Join(r, ",") + ",\n")
		}
		if c.rows >= 0 && len(recs) != c.rows {
			t.Errorf("%s: %d lines, want %d", c.query, len(recs), c.rows)
		}
		if c.want != "" && (!strings.Contains(all.String(), ","+c.want+",") || strings.Contains(all.String(), c.nope)) {
			t.Errorf("%s: want %q and not %q in the main table", c.query, c.want, c.nope)
		}
	}
}

func TestCompletionMatchesDatabase(t *testing.T) {
	e, _, _ := seeded(t)
	b := e.signedIn("admin")
	tg := "post:gogui=10\nenumerator:awa=8\npost:kouremale=5"
	if p := b.postForm("/dashboard/settings", "/dashboard/settings/targets", url.Values{"targets": {tg}}); p.status != 303 {
		t.Fatalf("targets: %d", p.status)
	}
	st, err := e.store.Stats(e.ctx)
	must(t, err)
	p := b.get("/dashboard/")
	mustContain(t, p.body, `id="total-interviews">`+strconv.FormatInt(st.Interviews, 10)+`<`,
		`<meter min="0" max="10" value="`, `<meter min="0" max="8" value="`, "kouremale", "par mois")
}

func TestTokensCreateRevoke(t *testing.T) {
	e, _, _ := seeded(t)
	b := e.signedIn("admin")
	p := b.postForm("/dashboard/devices", "/dashboard/devices/token", url.Values{"enumerator": {"fatou"}})
	m := regexpSecret.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		t.Fatalf("create token: %d", p.status)
	}
	tk, err := e.store.TokenByHash(e.ctx, intake.HashToken(m[1]))
	must(t, err)
	if tk.Enumerator != "fatou" {
		t.Errorf("token for %q", tk.Enumerator)
	}
	if p := b.postForm("/dashboard/devices", "/dashboard/devices/revoke", url.Values{"id": {tk.ID}}); p.status != 303 {
		t.Fatalf("revoke: %d", p.status)
	}
	tk, _ = e.store.TokenByHash(e.ctx, intake.HashToken(m[1]))
	if tk.Revoked.IsZero() {
		t.Errorf("token not revoked")
	}
}

func TestPasswordsAndSessions(t *testing.T) {
	e, _, _ := seeded(t)
	var h string
	must(t, e.db.QueryRow(`SELECT hash FROM dash_users WHERE name = 'admin'`).Scan(&h))
	if strings.Contains(h, password) || !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("stored hash %q", h)
	}
	u := &dashboard.Users{DB: e.db, KDF: testKDF}
	if err := u.Add(e.ctx, dashboard.User{Name: "x", Role: dashboard.RoleViewer}, "short"); err != dashboard.ErrWeakPassword {
		t.Errorf("short password: %v", err)
	}
	if err := u.Add(e.ctx, dashboard.User{Name: "admin", Role: dashboard.RoleViewer}, password); err == nil {
		t.Errorf("duplicate user accepted")
	}
	b := e.browser()
	p := b.signIn("admin", password)
	cookie := ""
	for _, c := range b.c.Jar.Cookies(mustURL(e.hs.URL)) {
		if c.Name == "sira_session" {
			cookie = c.Value
		}
	}
	if p.status != 303 || cookie == "" {
		t.Fatalf("sign in: %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_sessions WHERE hash = ?`, cookie); n != 0 {
		t.Errorf("session secret stored in clear")
	}
	// Sign out ends the session on the server.
	b.postForm("/dashboard/", "/dashboard/logout", nil)
	req, _ := http.NewRequest("GET", e.hs.URL+"/dashboard/", nil)
	req.AddCookie(&http.Cookie{Name: "sira_session", Value: cookie})
	if p := e.browser().do(req); p.status != http.StatusSeeOther {
		t.Errorf("old session after sign-out: status %d", p.status)
	}
	// Sessions expire.
	b = e.signedIn("admin")
	e.clock.Add(13 * time.Hour)
	if p := b.get("/dashboard/"); p.status != http.StatusSeeOther {
		t.Errorf("expired session: status %d", p.status)
	}
}

func TestExactIDConflict(t *testing.T) {
	e, gogui, _ := seeded(t)
	iv := gogui[0]
	other := *iv
	other.Data = &survey.Record{Values: map[string]string{}, Repeats: iv.Data.Repeats}
	for k, v := range iv.Data.Values {
		other.Data.Values[k] = v
	}
	other.Data.Values["/data/interview/demographics/age"] = "77"
	rs := e.ingest([]*survey.Interview{&other}, "awa")
	if rs[0].Status != wire.Conflict {
		t.Fatalf("receipt %s, want conflict", rs[0].Status)
	}
	b := e.signedIn("sup")
	p := b.get("/dashboard/duplicates")
	mustContain(t, p.body, `<a href="/dashboard/interviews/`+iv.ID+`">`)
	mustContain(t, b.get("/dashboard/").body, `id="conflicts">1<`)
	// Both versions are in the history, each readable.
	page := b.get(ivPath(iv.ID))
	if n := len(regexpSeq.FindAllString(page.body, -1)); n != 2 {
		t.Errorf("history shows %d versions, want 2", n)
	}
	// The comparison: both copies side by side, the age marked as differing.
	cmp := b.get("/dashboard/conflicts/" + iv.ID)
	if cmp.status != 200 {
		t.Fatalf("conflict page: %d", cmp.status)
	}
	mustContain(t, cmp.body, `<tr class="differs"><td class="d2">Quel âge avez-vous ?</td><td>`+iv.Data.Values["/data/interview/demographics/age"]+`</td><td>77</td></tr>`)
	if m := regexp.MustCompile(`id="differ">(\d+)<`).FindStringSubmatch(cmp.body); m == nil || m[1] != "1" {
		t.Errorf("differing answers: %v, want 1", m)
	}
	// The old confirm/dismiss of a conflict said nothing of the copy kept: gone.
	if p := b.postForm("/dashboard/duplicates", "/dashboard/duplicates/decide", url.Values{"kind": {"conflict"}, "a": {iv.ID}, "b": {"1"}, "state": {"confirmed"}}); p.status != http.StatusBadRequest {
		t.Errorf("deciding a conflict without a copy: %d, want 400", p.status)
	}
	// Another post's supervisor cannot choose.
	e.addUser("sup2", dashboard.RoleSupervisor, []string{"diboli"}, nil)
	b2 := e.signedIn("sup2")
	if p := b2.postForm("/dashboard/", "/dashboard/conflicts/"+iv.ID+"/choose", url.Values{"revision": {"1"}, "hash": {other.ContentHash()}}); p.status != http.StatusNotFound {
		t.Errorf("other supervisor's choice: %d, want 404", p.status)
	}
	if p := b.postForm("/dashboard/conflicts/"+iv.ID, "/dashboard/conflicts/"+iv.ID+"/choose", url.Values{"revision": {"1"}, "hash": {"sha256:nothing"}}); p.status != http.StatusConflict {
		t.Errorf("choosing an unknown copy: %d, want 409", p.status)
	}
	p = b.postForm("/dashboard/conflicts/"+iv.ID, "/dashboard/conflicts/"+iv.ID+"/choose", url.Values{"revision": {"1"}, "hash": {other.ContentHash()}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("choose: %d %s", p.status, p.body)
	}
	// Everywhere: the conflict is settled, the chosen copy is the interview.
	if strings.Contains(b.get("/dashboard/duplicates").body, `<a href="/dashboard/interviews/`+iv.ID+`">`) {
		t.Errorf("settled conflict still listed")
	}
	mustContain(t, b.get("/dashboard/").body, `id="conflicts">0<`)
	mustContain(t, b.get(ivPath(iv.ID)).body, `data-name="age"><td class="d2">Quel âge avez-vous ?</td><td>77<`, "copie retenue")
	mustContain(t, b.get("/dashboard/conflicts/"+iv.ID).body, "copie retenue")
	if n := e.count(`SELECT count(*) FROM dash_interviews WHERE id = ? AND status = 'conflict'`, iv.ID); n != 0 {
		t.Errorf("projection still says conflict")
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'choose_copy' AND target = ?`, iv.ID); n != 1 {
		t.Errorf("audit entries for the choice: %d", n)
	}
	e.checkCounts()
}

func TestSessionCookieFlags(t *testing.T) {
	e, _, _ := seeded(t)
	check := func(t *testing.T, base string, c *http.Client, secure bool) {
		t.Helper()
		resp, err := c.Get(base + "/dashboard/login")
		must(t, err)
		resp.Body.Close()
		var tok string
		for _, ck := range resp.Cookies() {
			if ck.Name == "sira_login" {
				tok = ck.Value
			}
		}
		// The form's token equals the login cookie (double submit).
		req, _ := http.NewRequest("POST", base+"/dashboard/login", strings.NewReader(url.Values{"csrf": {tok}, "user": {"admin"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "sira_login", Value: tok})
		resp, err = c.Do(req)
		must(t, err)
		resp.Body.Close()
		var set string
		for _, h := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "sira_session=") {
				set = h
			}
		}
		if resp.StatusCode != http.StatusSeeOther || set == "" {
			t.Fatalf("sign in: %d, cookie %q", resp.StatusCode, set)
		}
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(set, want) {
				t.Errorf("session cookie %q lacks %s", set, want)
			}
		}
		if got := strings.Contains(set, "; Secure"); got != secure {
			t.Errorf("session cookie %q: Secure %v, want %v", set, got, secure)
		}
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Run("http", func(t *testing.T) {
		check(t, e.hs.URL, &http.Client{CheckRedirect: noRedirect}, false)
	})
	t.Run("https", func(t *testing.T) {
		ts := httptest.NewTLSServer(e.d)
		defer ts.Close()
		c := ts.Client()
		c.CheckRedirect = noRedirect
		check(t, ts.URL, c, true)
	})
}

func TestSupervisorByEnumerator(t *testing.T) {
	e, gogui, diboli := seeded(t)
	e.addUser("sup3", dashboard.RoleSupervisor, nil, []string{"moussa"})
	b := e.signedIn("sup3")
	mustContain(t, b.get("/dashboard/").body, `id="total-interviews">3<`)
	if p := b.get(ivPath(diboli[0].ID)); p.status != 200 {
		t.Errorf("own enumerator's interview: %d", p.status)
	}
	if p := b.get(ivPath(gogui[0].ID)); p.status != 404 {
		t.Errorf("another enumerator's interview: %d", p.status)
	}
	// A supervisor with nothing assigned sees nothing.
	e.addUser("sup4", dashboard.RoleSupervisor, nil, nil)
	mustContain(t, e.signedIn("sup4").get("/dashboard/").body, `id="total-interviews">0<`)
}

// TestCompletionChartEndsAtLastInterview: interviews synced weeks after
// fieldwork still show in the per-day chart, which ends at the last day
// interviewed rather than at an empty today.
func TestCompletionChartEndsAtLastInterview(t *testing.T) {
	e := newEnv(t)
	ivs := e.simulate(5, 31, "awa", "gogui", nil)
	old := e.clock.Now().UTC().AddDate(0, 0, -90).Truncate(24 * time.Hour)
	for i, iv := range ivs {
		iv.Started = old.Add(-time.Duration(i%2)*24*time.Hour + 10*time.Hour)
	}
	e.ingest(ivs, "awa")
	if _, err := e.d.CatchUp(e.ctx, 0); err != nil {
		t.Fatal(err)
	}
	c, err := e.d.Completion(e.ctx, &dashboard.User{Name: "a", Role: dashboard.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if want := old.Format(time.DateOnly); c.LastDay != want {
		t.Errorf("chart ends %s, want the last day interviewed %s", c.LastDay, want)
	}
	var sum int64
	for _, b := range c.Days {
		sum += b.N
	}
	if len(c.Days) != 30 || sum != 5 || c.Days[29].N != 3 || c.Days[28].N != 2 {
		t.Errorf("chart: %d days, %d interviews, last two days %d and %d; want 30 days, 5 = 2 + 3", len(c.Days), sum, c.Days[28].N, c.Days[29].N)
	}
}

// TestOddIDEscaped: an id with slashes and a question mark, stored before
// intake validated ids, stays one path segment in every link and form
// action: the Approve button of "x/../../settings/targets?" posted to the
// settings page and wiped the targets.
func TestOddIDEscaped(t *testing.T) {
	e, _, _ := seeded(t)
	iv := e.simulate(1, 77, "awa", "gogui", nil)[0]
	iv.ID = "x/../../settings/targets?"
	body := wire.MarshalInterview(iv)
	if _, err := e.store.Ingest(e.ctx, intake.BatchMeta{Source: "import", Received: time.Now()},
		[]intake.Incoming{{Interview: iv, Hash: iv.ContentHash(), Body: body, Size: len(body)}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.d.CatchUp(e.ctx, 0)
	must(t, err)
	b := e.signedIn("admin")
	list := b.get("/dashboard/interviews").body
	esc := "x%2F..%2F..%2Fsettings%2Ftargets%3F"
	if strings.Contains(list, `href="/dashboard/interviews/x/`) || !strings.Contains(list, `href="/dashboard/interviews/`+esc+`"`) {
		t.Errorf("the interviews list links the odd id unescaped")
	}
	p := b.get(ivPath(iv.ID))
	if p.status != 200 || !strings.Contains(p.body, `action="/dashboard/interviews/`+esc+`/approve"`) {
		t.Errorf("interview page %d: approve action not escaped", p.status)
	}
}

// TestSigninHeadersAndCrossOrigin: the sign-in page cannot be framed,
// sniffed or cached and sends no referrer; a cross-origin POST is refused
// (CrossOriginProtection) even with a valid CSRF token, and audited.
func TestSigninHeadersAndCrossOrigin(t *testing.T) {
	e, _, _ := seeded(t)
	req, _ := http.NewRequest("GET", e.hs.URL+"/dashboard/login", nil)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("sign-in page %s: %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("sign-in page CSP %q", csp)
	}
	b := e.signedIn("admin")
	tok := b.csrf("/dashboard/settings")
	req, _ = http.NewRequest("POST", e.hs.URL+"/dashboard/settings/targets", strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-origin POST with a valid CSRF token: %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'forbidden'`); n != 1 {
		t.Errorf("%d refused requests audited, want 1", n)
	}
	// A viewer refused a reviewer's page is audited too.
	v := e.signedIn("view")
	if p := v.get("/dashboard/settings"); p.status != http.StatusForbidden {
		t.Fatalf("viewer on settings: %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'forbidden' AND user = 'view'`); n != 1 {
		t.Errorf("the viewer's 403 audited %d times, want 1", n)
	}
}

// TestSigninKDFCapped: 40 sign-ins at once from 40 addresses (each within
// its own limits) run the 64 MiB argon2id at most two at a time: the rest
// wait their turn briefly, then get 503 instead of 40 × 64 MiB at once.
func TestSigninKDFCapped(t *testing.T) {
	e := newEnvWith(t, func(c *dashboard.Config) { c.KDFWait = 300 * time.Millisecond })
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := e.browser()
			b.ip = fmt.Sprintf("198.51.100.%d", i+1)
			p := b.signIn("nobody", "x") // unknown: the dummy hash, 64 MiB
			mu.Lock()
			codes[p.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusServiceUnavailable] == 0 || codes[http.StatusUnauthorized] == 0 || codes[http.StatusUnauthorized]+codes[http.StatusServiceUnavailable] != 40 {
		t.Errorf("40 concurrent sign-ins: %v, want 401s and 503s", codes)
	}
}
