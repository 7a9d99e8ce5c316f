package dashboard

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"sira/office"
	"sira/sync/intake"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the dashboard is mounted on the intake server.
const Prefix = "/dashboard/"

// Config configures a Dashboard. DB and Store are required.
type Config struct {
	DB    *sql.DB      // the dashboard's tables (OpenDB on the intake's file)
	Store intake.Store // the intake's store: submissions, forms, tokens
	// Office is the office domain: reviews, their history and the notices
	// (rejections, withdrawals) the intake serves to laptops. Required.
	Office office.Store
	Logger *slog.Logger // slog.Default() when nil; answers are never logged
	Now    func() time.Time
	// SecureCookies marks cookies Secure even on plain HTTP (behind a TLS
	// proxy). Under TLS they always are. On a plain-HTTP LAN a Secure
	// cookie would never come back, so it is off by default.
	SecureCookies bool
	KDF           KDF           // DefaultKDF when zero
	LoginLimit    int           // sign-in attempts per account from one address per window (default 5; 4× that per address)
	LoginWindow   time.Duration // default 15 minutes
	// MaxKDF bounds the password hashes (argon2id, 64 MiB each) computed
	// at once (default 2); a sign-in waits 3 s for a turn, then gets 503.
	MaxKDF int
	// KDFWait is how long a sign-in waits for its turn (default 3 s).
	KDFWait time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client a sign-in is throttled by (`--trusted-proxy`).
	TrustedProxies intake.Proxies
	SessionTTL     time.Duration // default 12 hours
	// PostField is the name of the form field holding the border post
	// (default "border_post").
	PostField string
	// CatchUpPerRequest bounds the submissions a request projects before it
	// reads (default 500); Run does the rest in the background.
	CatchUpPerRequest int
	// APIPageSize is the rows per OData page and the interviews per data
	// API page unless a request asks for fewer (default 1000).
	APIPageSize int
}

// Dashboard is the web dashboard. Mount it on the intake server with Mount.
type Dashboard struct {
	db         *sql.DB
	store      intake.Store
	office     office.Store
	log        *slog.Logger
	now        func() time.Time
	secure     bool
	users      *Users
	signin     *signinGuard
	proxies    intake.Proxies
	sessionTTL time.Duration
	postField  string
	perRequest int
	apiPage    int
	cop        *http.CrossOriginProtection
	guarded    http.Handler // mux behind cop
	tmpl       map[string]*template.Template
	mux        *http.ServeMux

	idxMu sync.Mutex   // serialises CatchUp and SetDupSettings
	dup   *DupSettings // cached under idxMu

	fmu   sync.Mutex
	forms map[string]*formInfo // by form hash

	plMu     sync.Mutex                   // guards the post labels cache
	plAt     time.Time                    // when plByLang was built
	plByLang map[string]map[string]string // language → post code → label
}

// New returns a Dashboard on cfg; the dashboard migrations must be applied
// (OpenDB does).
func New(cfg Config) (*Dashboard, error) {
	if cfg.DB == nil || cfg.Store == nil || cfg.Office == nil {
		return nil, errors.New("dashboard: DB, Store and Office are required")
	}
	d := &Dashboard{
		db: cfg.DB, store: cfg.Store, office: cfg.Office, log: cfg.Logger, now: cfg.Now, secure: cfg.SecureCookies,
		sessionTTL: cfg.SessionTTL, postField: cfg.PostField, perRequest: cfg.CatchUpPerRequest,
		forms: map[string]*formInfo{}, mux: http.NewServeMux(),
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.sessionTTL <= 0 {
		d.sessionTTL = 12 * time.Hour
	}
	if d.postField == "" {
		d.postField = "border_post"
	}
	if d.perRequest <= 0 {
		d.perRequest = 500
	}
	if d.apiPage = cfg.APIPageSize; d.apiPage <= 0 {
		d.apiPage = defaultAPIPage
	}
	if cfg.LoginLimit <= 0 {
		cfg.LoginLimit = 5
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.MaxKDF <= 0 {
		cfg.MaxKDF = 2
	}
	d.signin = newSigninGuard(cfg.LoginLimit, cfg.LoginWindow, cfg.MaxKDF)
	if cfg.KDFWait > 0 {
		d.signin.kdfWait = cfg.KDFWait
	}
	d.proxies = cfg.TrustedProxies
	d.users = &Users{DB: cfg.DB, KDF: cfg.KDF, Now: d.now}
	d.cop = http.NewCrossOriginProtection()
	d.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.audit(r.Context(), "", AuditForbidden, auditName(r.URL.Path), "cross-origin request from "+auditName(r.Header.Get("Origin")))
		d.fail(w, r, nil, errStatus(http.StatusForbidden, "err_csrf"))
	}))
	if err := d.parseTemplates(); err != nil {
		return nil, err
	}
	d.routes()
	d.guarded = d.cop.Handler(d.mux)
	return d, nil
}

// Users returns the account manager (the `sira intake user` command uses it).
func (d *Dashboard) Users() *Users { return d.users }

// ServeHTTP serves the dashboard's routes (all under Prefix).
// Every response carries the headers a sign-in page needs (no framing,
// no sniffing, no referrer, no caching), and a cross-origin POST is
// refused (net/http's CrossOriginProtection, beside the CSRF tokens).
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	d.guarded.ServeHTTP(w, r)
}

// securityHeaders sets the headers of every dashboard response.
func securityHeaders(h http.Header) {
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// Mount mounts the dashboard on the intake server: Prefix, a redirect
// from "/", and the read API for personal tokens (ODataPrefix, DataPrefix).
func (d *Dashboard) Mount(srv *intake.Server) {
	srv.Handle(Prefix, d)
	srv.Handle("GET /{$}", http.RedirectHandler(Prefix, http.StatusSeeOther))
	d.mountAPI(srv.Handle)
}

func (d *Dashboard) parseTemplates() error {
	funcs := template.FuncMap{
		// seg escapes a value placed in a URL path as one segment: an id
		// like "x/../../settings/targets?" stays inside its segment
		// (html/template normalises a path, it does not escape "/", "." or "?").
		"seg": url.PathEscape,
		"pct": func(n, target int64) int64 {
			if target <= 0 {
				return 0
			}
			return n * 100 / target
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04")
		},
		"short": func(s string) string {
			s = strings.TrimPrefix(strings.TrimPrefix(s, "uuid:"), "sha256:")
			if len(s) > 8 {
				return s[:8]
			}
			return s
		},
		"add": func(a, b int) int { return a + b },
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	d.tmpl = map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return fmt.Errorf("dashboard template %s: %w", name, err)
		}
		d.tmpl[name] = t
	}
	return nil
}

// handler is a dashboard page handler of a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

// Who may do what. Every route names its roles; there is no default.
var (
	anyone     = []Role{RoleAdmin, RoleSupervisor, RoleViewer}
	reviewers  = []Role{RoleAdmin, RoleSupervisor}
	adminsOnly = []Role{RoleAdmin}
)

func (d *Dashboard) routes() {
	m := d.mux
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+Prefix+"login", d.loginPage)
	m.HandleFunc("POST "+Prefix+"login", d.loginPost)
	m.Handle("POST "+Prefix+"logout", d.page(anyone, d.logout))
	m.Handle("GET "+Prefix+"{$}", d.page(anyone, d.completion))
	m.Handle("GET "+Prefix+"interviews", d.page(anyone, d.interviews))
	m.Handle("GET "+Prefix+"interviews/{id}", d.page(anyone, d.interview))
	m.Handle("POST "+Prefix+"interviews/{id}/approve", d.page(reviewers, d.approve))
	m.Handle("POST "+Prefix+"interviews/{id}/reject", d.page(reviewers, d.reject))
	m.Handle("GET "+Prefix+"duplicates", d.page(reviewers, d.duplicates))
	m.Handle("POST "+Prefix+"duplicates/decide", d.page(reviewers, d.decide))
	m.Handle("GET "+Prefix+"conflicts/{id}", d.page(reviewers, d.conflict))
	m.Handle("POST "+Prefix+"conflicts/{id}/choose", d.page(reviewers, d.chooseCopy))
	m.Handle("GET "+Prefix+"devices", d.page(adminsOnly, d.devices))
	m.Handle("POST "+Prefix+"devices/token", d.page(adminsOnly, d.tokenCreate))
	m.Handle("POST "+Prefix+"devices/revoke", d.page(adminsOnly, d.tokenRevoke))
	m.Handle("GET "+Prefix+"settings", d.page(adminsOnly, d.settings))
	m.Handle("POST "+Prefix+"settings/targets", d.page(adminsOnly, d.setTargets))
	m.Handle("POST "+Prefix+"settings/duplicates", d.page(adminsOnly, d.setDuplicates))
	m.Handle("POST "+Prefix+"settings/assign", d.page(adminsOnly, d.setAssign))
	m.Handle("GET "+Prefix+"audit", d.page(adminsOnly, d.auditPage))
	m.Handle("GET "+Prefix+"export", d.page(reviewers, d.export))
	m.Handle("GET "+Prefix+"report", d.page(anyone, d.report))
	m.Handle("GET "+Prefix+"api", d.page(apiRoles, d.apiAccess))
	m.Handle("POST "+Prefix+"api/token", d.page(apiRoles, d.apiTokenCreate))
	m.Handle("POST "+Prefix+"api/revoke", d.page(apiRoles, d.apiTokenRevoke))
	m.Handle("GET "+Prefix+"report/interviews", d.page(anyone, d.reportInterviews))
	m.Handle(Prefix, d.page(anyone, func(w http.ResponseWriter, r *http.Request, s *session) error {
		return errStatus(http.StatusNotFound, "")
	}))
}

// statusError is an error shown to the user with its status.
type statusError struct {
	status int
	msg    string // a translation key, or "" for the status text
}

func (e *statusError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func errStatus(status int, msg string) error { return &statusError{status, msg} }

// page wraps h with the checks every dashboard route makes, in order: no
// device tokens, a valid session (else the sign-in page), the route's
// roles, and on POST the session's CSRF token. Then the projection catches
// up with the intake, so that what the page shows is current.
func (d *Dashboard) page(roles []Role, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if r.Header.Get("Authorization") != "" {
			// A device token is for the sync API only.
			d.fail(w, r, nil, errStatus(http.StatusUnauthorized, "err_token"))
			return
		}
		s, err := d.sessionOf(r)
		if err != nil {
			d.fail(w, r, nil, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
				return
			}
			d.fail(w, r, nil, errStatus(http.StatusUnauthorized, "err_signin"))
			return
		}
		allowed := false
		for _, role := range roles {
			allowed = allowed || s.user.Role == role
		}
		if !allowed {
			d.audit(r.Context(), s.user.Name, AuditForbidden, auditName(r.Method+" "+r.URL.Path), "role "+string(s.user.Role))
			d.fail(w, r, s, errStatus(http.StatusForbidden, "err_forbidden"))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if !sameToken(r.PostFormValue("csrf"), s.csrf) {
				d.audit(r.Context(), s.user.Name, AuditForbidden, auditName(r.Method+" "+r.URL.Path), "bad CSRF token")
				d.fail(w, r, s, errStatus(http.StatusForbidden, "err_csrf"))
				return
			}
		}
		if _, err := d.CatchUp(r.Context(), d.perRequest); err != nil {
			d.log.Error("dashboard: index", "err", err)
		}
		if err := h(w, r, s); err != nil {
			d.fail(w, r, s, err)
		}
	})
}

// fail renders err: its status and message for a statusError, else 500
// "internal error" (logged, never shown).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var se *statusError
	if !errors.As(err, &se) {
		d.log.Error("dashboard request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		se = &statusError{http.StatusInternalServerError, "err_internal"}
	}
	msg := se.msg
	if msg == "" {
		msg = "err_notfound"
	}
	v := d.view(w, r, s, "error")
	v.Data = tr(v.Lang, msg)
	d.render(w, se.status, "error", v)
}

// view is what every template receives.
type view struct {
	Lang   string
	User   *User
	CSRF   string
	Active string
	Title  string
	Flash  string
	Data   any

	posts map[string]string // border post code → label in Lang
	query url.Values        // the page's query: the language switch keeps it
}

// Post is the label of border post code in the page's language, or the
// code when the forms do not name it.
func (v *view) Post(code string) string {
	if l := v.posts[code]; l != "" {
		return l
	}
	return code
}

// T translates key into the page's language.
func (v *view) T(key string) string { return tr(v.Lang, key) }

// Is reports whether the user has role.
func (v *view) Is(role string) bool { return v.User != nil && string(v.User.Role) == role }

// CanReview reports whether the user may approve and reject.
func (v *view) CanReview() bool { return v.Is("admin") || v.Is("supervisor") }

func (d *Dashboard) view(w http.ResponseWriter, r *http.Request, s *session, active string) *view {
	v := &view{Lang: d.lang(w, r), Active: active, query: r.URL.Query()}
	if s != nil {
		v.User, v.CSRF = s.user, s.csrf
		v.posts = d.postLabels(r.Context(), v.Lang)
	}
	v.Title = tr(v.Lang, "nav_"+active)
	return v
}

// lang is the interface language: ?lang= (remembered in a cookie), the
// cookie, Accept-Language, else French.
func (d *Dashboard) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "fr" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "sira_lang", Value: l, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("sira_lang"); err == nil && (c.Value == "fr" || c.Value == "en") {
		return c.Value
	}
	if al := r.Header.Get("Accept-Language"); strings.HasPrefix(strings.ToLower(al), "en") {
		return "en"
	}
	return "fr"
}

func (d *Dashboard) render(w http.ResponseWriter, status int, name string, v *view) {
	t := d.tmpl[name]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		d.log.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

// clientIP is the address a sign-in is rate-limited by: the peer, or the
// client a trusted proxy names.
func (d *Dashboard) clientIP(r *http.Request) string { return d.proxies.Source(r) }

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	d.renderLogin(w, r, http.StatusOK, "")
}

func (d *Dashboard) renderLogin(w http.ResponseWriter, r *http.Request, status int, flash string) {
	w.Header().Set("Cache-Control", "no-store")
	secret := randomToken()
	d.setCookie(w, r, loginCookie, secret, 30*time.Minute)
	v := d.view(w, r, nil, "login")
	v.CSRF = secret
	if flash != "" {
		v.Flash = tr(v.Lang, flash)
	}
	d.render(w, status, "login", v)
}

func (d *Dashboard) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		d.renderLogin(w, r, http.StatusForbidden, "err_csrf")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("user"))
	ip := d.clientIP(r)
	now := d.now()
	// Counted before the KDF runs: a crowd of attempts is refused without
	// computing a single hash.
	if !d.signin.allow(now, name, ip) {
		if write, n := d.signin.auditRefusal(now, ip); write {
			d.audit(r.Context(), auditName(name), AuditLoginFailed, ip, fmt.Sprintf("rate limited (%d attempt(s) refused)", n))
		}
		d.renderLogin(w, r, http.StatusTooManyRequests, "err_ratelimit")
		return
	}
	done, ok := d.signin.hashTurn(r.Context())
	if !ok {
		w.Header().Set("Retry-After", "5")
		d.renderLogin(w, r, http.StatusServiceUnavailable, "err_busy")
		return
	}
	u, err := d.users.Check(r.Context(), name, r.PostFormValue("password"))
	done()
	if errors.Is(err, ErrBadLogin) {
		d.audit(r.Context(), auditName(name), AuditLoginFailed, ip, "")
		d.renderLogin(w, r, http.StatusUnauthorized, "err_badlogin")
		return
	}
	if err != nil {
		d.fail(w, r, nil, err)
		return
	}
	secret, err := d.newSession(r.Context(), u.Name)
	if err != nil {
		d.fail(w, r, nil, err)
		return
	}
	d.audit(r.Context(), u.Name, AuditLogin, ip, "")
	d.setCookie(w, r, loginCookie, "", -1)
	d.setCookie(w, r, sessionCookie, secret, 0)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := d.endSession(r.Context(), s); err != nil {
		return err
	}
	d.audit(r.Context(), s.user.Name, AuditLogout, "", "")
	d.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
	return nil
}
