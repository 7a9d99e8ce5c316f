package dashboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"sira/export"
	"sira/office"
	"sira/report"
	"sira/sync/intake"
)

// Pair is a probable duplicate: two interviews with the same key values.
type Pair struct {
	A, B      Row
	DaysApart int
}

type duplicatesData struct {
	Rule      string // the rule in words
	Settings  DupSettings
	Pairs     []Pair
	Conflicts []Row
}

// Duplicates returns the open probable duplicate pairs u may see (both
// interviews in u's scope), newest first, at most limit, and the rule.
// The office finds them as interviews arrive, each checked against every
// other through the index of the rule's keys (office.DupRule).
func (d *Dashboard) Duplicates(ctx context.Context, u *User, limit int) ([]Pair, DupSettings, error) {
	ds, err := d.DupSettings(ctx)
	if err != nil {
		return nil, ds, err
	}
	const maxPairs = 5000 // read before the ones u may see are kept
	ps, err := d.office.Pairs(ctx, office.PairOpen, maxPairs)
	if err != nil {
		return nil, ds, fmt.Errorf("duplicates: %w", err)
	}
	var out []Pair
	for _, p := range ps {
		a, errA := d.visible(ctx, u, p.A)
		b, errB := d.visible(ctx, u, p.B)
		if errA != nil || errB != nil {
			continue // out of u's scope, or not projected yet
		}
		days := int(math.Round(math.Abs(a.Started.UTC().Truncate(24*time.Hour).Sub(b.Started.UTC().Truncate(24*time.Hour)).Hours() / 24)))
		out = append(out, Pair{A: *a, B: *b, DaysApart: days})
	}
	newest := func(p Pair) time.Time {
		if p.A.Started.After(p.B.Started) {
			return p.A.Started
		}
		return p.B.Started
	}
	sort.SliceStable(out, func(i, j int) bool { return newest(out[i]).After(newest(out[j])) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, ds, nil
}

func (d *Dashboard) duplicates(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	data := &duplicatesData{}
	var err error
	if data.Pairs, data.Settings, err = d.Duplicates(ctx, s.user, 200); err != nil {
		return err
	}
	data.Rule = data.Settings.Describe(d.lang(w, r))
	wh, args := scope(s.user)
	rows, err := d.db.QueryContext(ctx, `SELECT id, post, enumerator, revision, received FROM dash_interviews
		WHERE status = 'conflict' AND `+wh+`
		AND NOT EXISTS (SELECT 1 FROM dash_decisions x WHERE x.kind = 'conflict' AND x.a = dash_interviews.id AND x.b = CAST(dash_interviews.revision AS TEXT))
		ORDER BY received DESC LIMIT 200`, args...)
	if err != nil {
		return fmt.Errorf("conflicts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Row
		var rec string
		if err := rows.Scan(&c.ID, &c.Post, &c.Enumerator, &c.Revision, &rec); err != nil {
			return err
		}
		c.Received = parseSort(rec)
		data.Conflicts = append(data.Conflicts, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	v := d.view(w, r, s, "duplicates")
	v.Data = data
	d.render(w, http.StatusOK, "duplicates", v)
	return nil
}

// decide records a confirm or dismiss of a duplicate pair (a, b) or of a
// conflict (a = id, b = revision).
func (d *Dashboard) decide(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	kind, a, b, state := r.PostFormValue("kind"), r.PostFormValue("a"), r.PostFormValue("b"), r.PostFormValue("state")
	// Conflicts are settled by choosing a copy (conflicts.go), not here.
	if kind != "duplicate" || (state != "confirmed" && state != "dismissed") {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	if _, err := d.visible(ctx, s.user, a); err != nil {
		return err
	}
	if kind == "duplicate" {
		if _, err := d.visible(ctx, s.user, b); err != nil {
			return err
		}
	}
	if err := d.office.DecidePair(ctx, a, b, state, s.user.Name, d.now()); errors.Is(err, office.ErrNotFound) {
		return errStatus(http.StatusNotFound, "err_notfound")
	} else if err != nil {
		return fmt.Errorf("decision: %w", err)
	}
	d.audit(ctx, s.user.Name, AuditDecision, a+" "+b, kind+" "+state)
	http.Redirect(w, r, Prefix+"duplicates", http.StatusSeeOther)
	return nil
}

type tokenRow struct {
	intake.Token
	LastSync time.Time
	Drafts   int64
	Post     string // of the enumerator's latest interview
	Silent   bool   // valid, and no sync for longer than silentAfter
}

type devicesData struct {
	Tokens []tokenRow
	Secret string
	NewFor string
}

func (d *Dashboard) devicesData(ctx context.Context) (*devicesData, error) {
	ts, err := d.store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	sy, err := d.deviceSyncs(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]deviceSync{}
	for _, s := range sy {
		by[s.token] = s
	}
	data := &devicesData{}
	now := d.now()
	for _, t := range ts {
		row := tokenRow{Token: t, Drafts: -1}
		if s, ok := by[t.ID]; ok {
			row.LastSync, row.Drafts = s.last, s.drafts
		}
		err := d.db.QueryRowContext(ctx, `SELECT post FROM dash_totals WHERE enumerator = ? ORDER BY last_received DESC LIMIT 1`, t.Enumerator).Scan(&row.Post)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		row.Silent = t.Revoked.IsZero() && (row.LastSync.IsZero() || now.Sub(row.LastSync) > silentAfter)
		data.Tokens = append(data.Tokens, row)
	}
	return data, nil
}

func (d *Dashboard) devices(w http.ResponseWriter, r *http.Request, s *session) error {
	data, err := d.devicesData(r.Context())
	if err != nil {
		return err
	}
	v := d.view(w, r, s, "devices")
	v.Data = data
	d.render(w, http.StatusOK, "devices", v)
	return nil
}

func (d *Dashboard) tokenCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	enum := strings.TrimSpace(r.PostFormValue("enumerator"))
	if enum == "" {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	secret, t, err := intake.CreateToken(ctx, d.store, enum, d.now())
	if err != nil {
		return err
	}
	d.audit(ctx, s.user.Name, AuditTokenCreate, t.ID, enum)
	data, err := d.devicesData(ctx)
	if err != nil {
		return err
	}
	data.Secret, data.NewFor = secret, enum
	v := d.view(w, r, s, "devices")
	v.Data = data
	// The secret is on this page only: never cached, never logged.
	d.render(w, http.StatusOK, "devices", v)
	return nil
}

func (d *Dashboard) tokenRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	id := strings.TrimSpace(r.PostFormValue("id"))
	if id == "" {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	n, err := d.store.RevokeTokens(ctx, id, "", d.now())
	if err != nil {
		return err
	}
	d.audit(ctx, s.user.Name, AuditTokenRevoke, id, strconv.Itoa(n))
	http.Redirect(w, r, Prefix+"devices", http.StatusSeeOther)
	return nil
}

type settingsData struct {
	Targets string
	Dup     DupSettings
	DupEx   string
	Users   []User
}

func (d *Dashboard) settings(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	data := &settingsData{}
	tg, err := d.office.Targets(ctx)
	if err != nil {
		return err
	}
	data.Targets = FormatTargets(tg)
	if data.Dup, err = d.DupSettings(ctx); err != nil {
		return err
	}
	data.DupEx = strings.Join(data.Dup.Exact, ", ")
	if data.Users, err = d.users.List(ctx); err != nil {
		return err
	}
	v := d.view(w, r, s, "settings")
	v.Data = data
	if r.URL.Query().Get("saved") == "1" {
		v.Flash = v.T("saved")
	}
	d.render(w, http.StatusOK, "settings", v)
	return nil
}

func (d *Dashboard) setTargets(w http.ResponseWriter, r *http.Request, s *session) error {
	tg, err := ParseTargets(r.PostFormValue("targets"))
	if err != nil {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	if err := d.SetTargets(r.Context(), tg); err != nil {
		return fmt.Errorf("targets: %w", err)
	}
	d.audit(r.Context(), s.user.Name, AuditSettings, "targets", strconv.Itoa(len(tg)))
	http.Redirect(w, r, Prefix+"settings?saved=1", http.StatusSeeOther)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (d *Dashboard) setDuplicates(w http.ResponseWriter, r *http.Request, s *session) error {
	ds := DupSettings{Exact: splitList(r.PostFormValue("exact")), Numeric: strings.TrimSpace(r.PostFormValue("numeric")),
		SamePost: r.PostFormValue("samepost") != ""}
	var err1, err2 error
	ds.Tolerance, err1 = strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("tolerance")), 64)
	ds.Days, err2 = strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err1 != nil || err2 != nil || ds.Tolerance < 0 || ds.Days < 0 || ds.Days > 366 || len(ds.Exact) > 8 {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	if err := d.SetDupSettings(r.Context(), ds); err != nil {
		return err
	}
	d.audit(r.Context(), s.user.Name, AuditSettings, "duplicates", strings.Join(ds.Exact, ",")+" "+ds.Numeric)
	http.Redirect(w, r, Prefix+"settings?saved=1", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) setAssign(w http.ResponseWriter, r *http.Request, s *session) error {
	name := r.PostFormValue("user")
	if _, err := d.users.Get(r.Context(), name); err != nil {
		return errStatus(http.StatusBadRequest, "err_form")
	}
	if err := d.users.Assign(r.Context(), name, splitList(r.PostFormValue("posts")), splitList(r.PostFormValue("enumerators"))); err != nil {
		return err
	}
	d.audit(r.Context(), s.user.Name, AuditSettings, "assign "+name, r.PostFormValue("posts")+" / "+r.PostFormValue("enumerators"))
	http.Redirect(w, r, Prefix+"settings?saved=1", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	es, err := d.Audit(r.Context(), r.URL.Query().Get("action"), 500)
	if err != nil {
		return err
	}
	v := d.view(w, r, s, "audit")
	v.Data = es
	d.render(w, http.StatusOK, "audit", v)
	return nil
}

// export serves the download button (export.Handler) on what the user may see.
func (d *Dashboard) export(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	d.audit(r.Context(), s.user.Name, AuditExport, q.Get("form"), "format="+q.Get("format"))
	export.Handler(source{d, s.user}, d.log).ServeHTTP(w, r)
	return nil
}

// reportCSP allows the report's own inline stylesheet; scripts stay off.
const reportCSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

func (d *Dashboard) reportOpts() report.HandlerOptions {
	return report.HandlerOptions{InterviewsURL: Prefix + "report/interviews", DetailURL: Prefix + "interviews/", HomeURL: Prefix, Log: d.log}
}

// report serves the statistics page (report.Handler) on what the user may see.
func (d *Dashboard) report(w http.ResponseWriter, r *http.Request, s *session) error {
	d.audit(r.Context(), s.user.Name, AuditReport, r.URL.Query().Get("form"), "")
	w.Header().Set("Content-Security-Policy", reportCSP)
	report.Handler(source{d, s.user}, d.reportOpts()).ServeHTTP(w, r)
	return nil
}

func (d *Dashboard) reportInterviews(w http.ResponseWriter, r *http.Request, s *session) error {
	d.audit(r.Context(), s.user.Name, AuditView, "report/"+r.URL.Query().Get("form"), r.URL.RawQuery)
	w.Header().Set("Content-Security-Policy", reportCSP)
	report.InterviewsHandler(source{d, s.user}, d.reportOpts()).ServeHTTP(w, r)
	return nil
}

func sortStrings(ss []string) {
	for i := 1; i < len(ss); i++ {
		for j := i; j > 0 && ss[j] < ss[j-1]; j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}
