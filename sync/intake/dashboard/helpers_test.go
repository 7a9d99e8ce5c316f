package dashboard_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/office"
	osqlite "sira/office/sqlite"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	isqlite "sira/sync/intake/sqlite"
	"sira/sync/wire"
)

var (
	formOnce sync.Once
	form     *forms.Form
	formErr  error
)

func builtinForm(tb testing.TB) *forms.Form {
	tb.Helper()
	formOnce.Do(func() { form, formErr = builtin.Form(context.Background()) })
	if formErr != nil {
		tb.Fatal(formErr)
	}
	return form
}

// testKDF keeps sign-in fast in tests; production uses DefaultKDF.
var testKDF = dashboard.KDF{Time: 1, Memory: 1024, Threads: 1}

const password = "correct horse battery"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is an intake server with the dashboard mounted, on a real SQLite file
// behind a real loopback HTTP server.
type env struct {
	t      testing.TB
	ctx    context.Context
	path   string
	store  *isqlite.Store
	office office.Store
	srv    *intake.Server
	d      *dashboard.Dashboard
	db     *sql.DB
	hs     *httptest.Server
	form   *forms.Form
	codec  *wire.Codec
	clock  *clock
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvWith(tb, nil)
}

// newEnvWith is newEnv with the dashboard's Config adjusted by configure.
func newEnvWith(tb testing.TB, configure func(*dashboard.Config)) *env {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "intake.db")
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := builtinForm(tb)
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ck := &clock{t: time.Now().UTC()}
	of := openOffice(tb, path)
	// The test server's peer is the loopback address, trusted as a proxy:
	// a browser with ip set comes from that address.
	proxies, err := intake.ParseProxies("127.0.0.1")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := dashboard.Config{DB: db, Store: st, Office: of, KDF: testKDF, Now: ck.Now, Logger: slogDiscard(), TrustedProxies: proxies}
	if configure != nil {
		configure(&cfg)
	}
	d, err := dashboard.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Office: of, Builtin: []*forms.Form{f}, Logger: slogDiscard(), OnSync: d.RecordSync})
	if err != nil {
		tb.Fatal(err)
	}
	d.Mount(srv)
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	codec, err := srv.Codec(f.Hash)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{t: tb, ctx: ctx, path: path, store: st, office: of, srv: srv, d: d, db: db, hs: hs, form: f, codec: codec, clock: ck}
}

// openOffice opens the office's tables in the intake's file at path.
func openOffice(tb testing.TB, path string) office.Store {
	tb.Helper()
	of, err := osqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { of.Close() })
	return of
}

func (e *env) addUser(name string, role dashboard.Role, posts, enums []string) {
	e.t.Helper()
	u := &dashboard.Users{DB: e.db, KDF: testKDF}
	if err := u.Add(e.ctx, dashboard.User{Name: name, Role: role, Posts: posts, Enumerators: enums}, password); err != nil {
		e.t.Fatal(err)
	}
}

// simulate returns n finalized interviews by enumerator at post, started
// in the last few days.
func (e *env) simulate(n int, seed uint64, enumerator, post string, answers map[string]string) []*survey.Interview {
	e.t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	a := map[string]string{"already_interviewed": "no", "consent": "yes", "border_post": post,
		"screen_citizen": "yes", "screen_lived_abroad": "yes", "guardian_agreement": "yes"} // past the screens of the built-in form
	for k, v := range answers {
		a[k] = v
	}
	opts := survey.SimOptions{Enumerator: enumerator, DeviceID: "dev-" + enumerator, Answers: a,
		Start: time.Now().UTC().AddDate(0, 0, -40)}
	out := make([]*survey.Interview, n)
	for i := range out {
		iv, err := survey.Simulate(e.form, rng, opts)
		if err != nil {
			e.t.Fatal(err)
		}
		// Started recently so that the 30-day chart shows them.
		iv.Started = time.Now().UTC().Add(-time.Duration(i%5) * 24 * time.Hour).Truncate(time.Minute)
		out[i] = iv
	}
	return out
}

// ingest stores ivs as one batch through the intake's real ingest path.
func (e *env) ingest(ivs []*survey.Interview, enumerator string) []wire.Receipt {
	e.t.Helper()
	frame, err := e.codec.Encode(nil, ivs)
	if err != nil {
		e.t.Fatal(err)
	}
	rs, err := e.srv.Ingest(e.ctx, intake.BatchMeta{Enumerator: enumerator, Source: "http"}, frame)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		if !r.Status.Acknowledged() {
			e.t.Fatalf("receipt %+v", r)
		}
	}
	return rs
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	e  *env
	c  *http.Client
	ip string // when set, the client address a trusted proxy forwards (X-Forwarded-For)
}

type page struct {
	status int
	body   string
	loc    string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, string(body), resp.Header.Get("Location")}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.hs.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.hs.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the page at path.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	p := b.get(path)
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (status %d)", path, p.status)
	}
	return m[1]
}

// signIn signs in as name and returns the response to the form post.
func (b *browser) signIn(name, pw string) page {
	b.e.t.Helper()
	tok := b.csrf("/dashboard/login")
	return b.post("/dashboard/login", url.Values{"csrf": {tok}, "user": {name}, "password": {pw}})
}

func (e *env) signedIn(name string) *browser {
	e.t.Helper()
	b := e.browser()
	if p := b.signIn(name, password); p.status != http.StatusSeeOther {
		e.t.Fatalf("sign in %s: status %d: %s", name, p.status, p.body)
	}
	return b
}

// postForm posts to path with the CSRF token of the page at from.
func (b *browser) postForm(from, path string, form url.Values) page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	return b.post(path, form)
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func ivPath(id string) string { return "/dashboard/interviews/" + url.PathEscape(id) }

func mustContain(tb testing.TB, body string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			tb.Errorf("page lacks %q", w)
		}
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

var _ = fmt.Sprint

var regexpSeq = regexp.MustCompile(`href="\?seq=(\d+)"`)

var regexpSecret = regexp.MustCompile(`id="secret">([^<]+)<`)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// checkCounts asserts that the trigger-kept counts table equals a count
// of the projection.
func (e *env) checkCounts() {
	e.t.Helper()
	q := `SELECT day, form, post, enumerator, device, status, review, n FROM (%s) ORDER BY 1, 2, 3, 4, 5, 6, 7`
	read := func(inner string) []string {
		rows, err := e.db.Query(fmt.Sprintf(q, inner))
		if err != nil {
			e.t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v [8]string
			if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, strings.Join(v[:], "|"))
		}
		return out
	}
	got := read(`SELECT day, form, post, enumerator, device, status, review, n FROM dash_counts`)
	want := read(`SELECT day, form, post, enumerator, device, status, review, count(*) AS n FROM dash_interviews GROUP BY 1, 2, 3, 4, 5, 6, 7`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
		e.t.Errorf("counts table:\n%s\nprojection:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = read(`SELECT '' AS day, form, post, enumerator, device, status, review, n FROM dash_totals`)
	want = read(`SELECT '' AS day, form, post, enumerator, device, status, review, count(*) AS n FROM dash_interviews GROUP BY 2, 3, 4, 5, 6, 7`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
		e.t.Errorf("totals table:\n%s\nprojection:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
