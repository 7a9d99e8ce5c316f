package dashboard

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sira/export"
	"sira/forms"
)

// Paths of the read API for analysts (personal API tokens, not sessions).
const (
	ODataPrefix = "/odata/"   // /odata/FORM_ID.svc: an OData v4 feed per form
	DataPrefix  = "/data/v1/" // /data/v1/FORM_ID/TABLE.csv|.json?since=CURSOR: tables for scripts
)

// AuditAPI records a read through the API (OData or data API).
const AuditAPI = "api"

// defaultAPIPage is the rows per OData page and the interviews per data
// API page when the request does not ask for fewer.
const defaultAPIPage = 1000

// apiRoles may read data through the API: the roles that may download the
// export in the dashboard (a viewer may not).
var apiRoles = reviewers

// apiError is an API failure with its HTTP status, shown as is.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func apiErr(status int, code, format string, args ...any) error {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// apiHandler is an API handler of an authenticated user.
type apiHandler func(w http.ResponseWriter, r *http.Request, u *User) error

// api wraps h: GET only, a personal API token (Bearer or Basic NAME:TOKEN)
// of a user whose role may download data, the projection caught up, the
// read audited; errors as errf writes them.
func (d *Dashboard) api(h apiHandler, errf func(http.ResponseWriter, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			errf(w, apiErr(http.StatusMethodNotAllowed, "405", "the API is read-only"))
			return
		}
		name, tok, ok := credentials(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="sira", charset="UTF-8"`)
			errf(w, apiErr(http.StatusUnauthorized, "401", "an API token is required (Authorization: Bearer TOKEN, or Basic NAME:TOKEN)"))
			return
		}
		ip := d.clientIP(r)
		now := d.now()
		if d.signin.apiBlocked(now, ip) {
			errf(w, apiErr(http.StatusTooManyRequests, "429", "too many failed attempts; try later"))
			return
		}
		u, err := d.users.APIUser(r.Context(), name, tok)
		if errors.Is(err, ErrBadToken) {
			d.signin.apiFailed(now, ip)
			d.audit(r.Context(), name, AuditLoginFailed, ip, "api token")
			w.Header().Set("WWW-Authenticate", `Basic realm="sira", charset="UTF-8"`)
			errf(w, apiErr(http.StatusUnauthorized, "401", "unknown or revoked API token"))
			return
		}
		if err != nil {
			d.log.Error("api: token", "err", err)
			errf(w, apiErr(http.StatusInternalServerError, "500", "internal error"))
			return
		}
		allowed := false
		for _, role := range apiRoles {
			allowed = allowed || u.Role == role
		}
		if !allowed {
			d.audit(r.Context(), u.Name, AuditAPI, r.URL.Path, "forbidden: role "+string(u.Role))
			errf(w, apiErr(http.StatusForbidden, "403", "role %s may not download data", u.Role))
			return
		}
		if _, err := d.CatchUp(r.Context(), d.perRequest); err != nil {
			d.log.Error("api: index", "err", err)
		}
		d.audit(r.Context(), u.Name, AuditAPI, r.URL.Path, r.URL.RawQuery)
		if err := h(w, r, u); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				d.log.Error("api request failed", "path", r.URL.Path, "err", err)
				err = apiErr(http.StatusInternalServerError, "500", "internal error")
			}
			errf(w, err)
		}
	})
}

// apiForm is a form as the API serves it: its export layout, with an
// entity set name, a type and property names per table.
type apiForm struct {
	f      *forms.Form
	l      *export.Layout
	tables []*apiTable
	bySet  map[string]*apiTable
}

type apiTable struct {
	idx      int
	t        *export.Table
	set      string // entity set: "Submissions", "Submissions_legs"
	parent   *apiTable
	children []*apiTable
	props    []apiProp
}

type apiProp struct {
	name string // the Stata/SPSS name: a valid OData identifier
	col  export.Column
	edm  string
}

// loadAPIForm returns the newest published version of form id as the API
// serves it; a 404 apiError when there is none.
func (d *Dashboard) loadAPIForm(ctx context.Context, u *User, id string) (*apiForm, error) {
	f, err := source{d, u}.Form(ctx, id)
	if errors.Is(err, export.ErrUnknownForm) {
		return nil, apiErr(http.StatusNotFound, "404", "form %q is not published", id)
	}
	if err != nil {
		return nil, err
	}
	l, err := export.NewLayout(f)
	if err != nil {
		return nil, err
	}
	names := export.VarNames(l)
	af := &apiForm{f: f, l: l, bySet: map[string]*apiTable{}}
	byTable := map[*export.Table]*apiTable{}
	for i, t := range l.Tables {
		at := &apiTable{idx: i, t: t, set: "Submissions"}
		if t.Parent != nil {
			at.set = "Submissions_" + sanitizeID(strings.TrimPrefix(t.Name, f.ID+"-"))
			at.parent = byTable[t.Parent]
			at.parent.children = append(at.parent.children, at)
		}
		for j, c := range t.Columns {
			at.props = append(at.props, apiProp{name: names[i][j], col: c, edm: edmType(c)})
		}
		byTable[t] = at
		af.tables = append(af.tables, at)
		af.bySet[at.set] = at
	}
	return af, nil
}

// sanitizeID makes s an OData identifier part.
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// edmType is a column's OData type.
func edmType(c export.Column) string {
	switch export.TypeOf(c) {
	case export.ColNumber:
		if c.Kind == export.KindMeta || (c.Kind == export.KindValue && c.Node.Type == forms.TypeInteger) {
			return "Edm.Int64"
		}
		return "Edm.Double"
	case export.ColIndicator:
		return "Edm.Int64"
	case export.ColDate:
		return "Edm.Date"
	case export.ColDateTime:
		return "Edm.DateTimeOffset"
	}
	return "Edm.String"
}

// jsonValue converts a cell to its JSON value for the property's type:
// nil for an empty cell.
func jsonValue(p apiProp, cell string) any {
	if cell == "" {
		return nil
	}
	switch p.edm {
	case "Edm.Int64":
		if n, err := strconv.ParseInt(cell, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(cell, 64); err == nil {
			return f
		}
	case "Edm.Double":
		if f, err := strconv.ParseFloat(cell, 64); err == nil {
			return f
		}
	case "Edm.Date":
		if len(cell) >= 10 {
			return cell[:10]
		}
	case "Edm.DateTimeOffset":
		if t, err := time.Parse(time.RFC3339Nano, cell); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.000Z")
		}
	}
	return cell
}

// scan says which interviews a stream reads.
type scan struct {
	fromSeq int64       // first intake seq (inclusive)
	id      string      // one interview id, or all
	filter  *filterExpr // on submission date and review state
}

// errPageFull stops a stream when a page is full.
var errPageFull = errors.New("page full")

// stream renders the interviews of af the user may see, in intake order,
// and calls fn with each row of each table and the seq of its interview.
func (d *Dashboard) stream(ctx context.Context, u *User, af *apiForm, sc scan, fn func(seq int64, t int, cells []string) error) error {
	var cur int64
	rows := func(yield func(export.Row, error) bool) {
		w, args := scopeOf(u, "d.")
		q := `SELECT d.seq, s.body, d.received, d.status, d.review, d.post
			FROM dash_interviews d JOIN submissions s ON s.seq = d.seq
			WHERE d.form = ? AND d.seq >= ? AND ` + w
		args = append([]any{af.f.ID, sc.fromSeq}, args...)
		if sc.id != "" {
			q += ` AND d.id = ?`
			args = append(args, sc.id)
		}
		rs, err := d.db.QueryContext(ctx, q+` ORDER BY d.seq`, args...)
		if err != nil {
			yield(export.Row{}, fmt.Errorf("api rows: %w", err))
			return
		}
		defer rs.Close()
		for rs.Next() {
			var body []byte
			var received, status, review, post string
			if err := rs.Scan(&cur, &body, &received, &status, &review, &post); err != nil {
				yield(export.Row{}, fmt.Errorf("api rows: %w", err))
				return
			}
			m := export.Meta{Received: parseSort(received), Post: post, ReviewState: reviewState(status, review)}
			if !sc.filter.match(m.Received, m.ReviewState) {
				continue
			}
			iv, err := decodeBody(body)
			if err != nil {
				yield(export.Row{}, fmt.Errorf("api rows: decode: %w", err))
				return
			}
			if !yield(export.Row{Interview: iv, Meta: m}, nil) {
				return
			}
		}
		if err := rs.Err(); err != nil {
			yield(export.Row{}, fmt.Errorf("api rows: %w", err))
		}
	}
	_, err := export.Each(ctx, af.l, iter.Seq2[export.Row, error](rows), export.Options{}, func(t int, cells []string) error {
		return fn(cur, t, cells)
	})
	return err
}

// mountAPI registers the OData feed and the data API on the intake server.
func (d *Dashboard) mountAPI(handle func(pattern string, h http.Handler)) {
	handle(ODataPrefix, d.api(d.odata, writeODataError))
	handle(DataPrefix+"{form}/{file}", d.api(d.dataTable, writePlainError))
}
