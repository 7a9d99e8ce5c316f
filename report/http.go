package report

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"sira/export"
)

// HandlerOptions configure the dashboard handlers.
type HandlerOptions struct {
	// InterviewsURL is where InterviewsHandler is mounted, e.g.
	// "/dashboard/interviews"; the statistics page links each number there.
	InterviewsURL string
	// DetailURL, when set, makes each interview of the list a link to
	// DetailURL + its escaped identifier, e.g. "/dashboard/interviews/".
	DetailURL string
	// HomeURL, when set, puts a link back to it on both pages (the
	// dashboard's home); the pages are whole documents without its menu.
	HomeURL string
	// Mapping names the fields read; nil means DefaultMapping().
	Mapping *Mapping
	// Log receives errors (never interview answers); nil discards them.
	Log *slog.Logger
}

func (o HandlerOptions) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// Handler serves the statistics page: GET with query parameters form
// (required), lang (fr, en), small (threshold, default 5) and format
// (html, the default, or csv). Every number links to InterviewsURL with
// the form and the cell's filter. Authentication is the caller's.
func Handler(src export.Source, opts HandlerOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id, lang, ok := formAndLang(w, r)
		if !ok {
			return
		}
		small := DefaultSmallCell
		if s := q.Get("small"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				http.Error(w, "small must be a whole number from 1", http.StatusBadRequest)
				return
			}
			small = n
		}
		format := q.Get("format")
		if format != "" && format != "html" && format != "csv" {
			http.Error(w, "format must be html or csv", http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		f, err := src.Form(ctx, id)
		if !formOK(w, opts, id, err) {
			return
		}
		var rep *Report
		if IsFlowCount(f) {
			rep, err = ComputeFlow(ctx, f, src.Rows(ctx, f), Options{SmallCell: small})
		} else {
			rep, err = Compute(ctx, f, src.Rows(ctx, f), Options{Mapping: opts.Mapping, SmallCell: small})
		}
		var mf *MissingFieldsError
		if errors.As(err, &mf) {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		if err != nil {
			opts.log().Error("report: compute", "form", id, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		bw := bufio.NewWriter(w)
		if format == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+f.ID+`-report.csv"`)
			err = WriteCSV(bw, rep, lang)
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			base := ""
			if opts.InterviewsURL != "" {
				base = opts.InterviewsURL + "?form=" + url.QueryEscape(f.ID) + "&lang=" + lang
			}
			err = WriteHTML(bw, rep, HTMLOptions{Lang: lang, LinkBase: base, HomeURL: opts.HomeURL})
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			opts.log().Error("report: write", "form", id, "err", err)
		}
	})
}

// reserved are the query parameters of the handlers that are not filter keys.
var reserved = map[string]bool{"form": true, "lang": true, "limit": true, "small": true, "format": true}

// FilterFromQuery takes the filter conditions out of a query: every
// parameter but form, lang, limit, small and format, in key order.
func FilterFromQuery(q url.Values) (Filter, error) {
	var fl Filter
	keys := make([]string, 0, len(q))
	for k := range q {
		if !reserved[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(q[k]) != 1 {
			return nil, fmt.Errorf("filter key %q given %d times", k, len(q[k]))
		}
		fl = append(fl, Cond{Key: k, Value: q[k][0]})
	}
	return fl, nil
}

// InterviewsHandler serves the filtered list a report number links to:
// GET with form, lang, limit (rows shown, default 1000) and the filter's
// conditions ("sex=female&age_group=25-34"). It lists the matching
// interviews (identifier, received, enumerator, post and the report's
// variables) and says how many match, so the count can be checked against
// the table. Unknown filter keys are a 400.
func InterviewsHandler(src export.Source, opts HandlerOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, lang, ok := formAndLang(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		limit := 1000
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				http.Error(w, "limit must be a whole number from 1", http.StatusBadRequest)
				return
			}
			limit = n
		}
		fl, err := FilterFromQuery(q)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		f, err := src.Form(ctx, id)
		if !formOK(w, opts, id, err) {
			return
		}
		m := DefaultMapping()
		if opts.Mapping != nil {
			m = *opts.Mapping
		}
		sel, err := NewSelector(f, m)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		if err := sel.Check(fl); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// The form's own variables only (an earlier version lacks some).
		var shown []int
		v := listView{Home: opts.HomeURL, Lang: lang, FormID: f.ID, Filter: fl.String()}
		for i, d := range sel.Dims() {
			if d.Present() {
				shown = append(shown, i)
				v.Dims = append(v.Dims, d)
			}
		}
		var vals []string
		for row, err := range src.Rows(ctx, f) {
			if err != nil {
				opts.log().Error("report: interviews", "form", id, "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			var in bool
			if vals, in = sel.Values(row.Interview, vals); !in || !sel.matchVals(fl, vals) {
				continue
			}
			v.Matched++
			if len(v.Rows) < limit {
				lr := listRow{ID: row.Interview.ID, Href: detailHref(opts.DetailURL, row.Interview.ID), Received: export.Timestamp(row.Meta.Received), Enumerator: row.Interview.Enumerator, Post: row.Meta.Post}
				for _, i := range shown {
					lr.Values = append(lr.Values, labelOf(sel.Dims()[i], vals[i], lang))
				}
				v.Rows = append(v.Rows, lr)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		bw := bufio.NewWriter(w)
		err = listTmpl.Execute(bw, &v)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			opts.log().Error("report: interviews page", "form", id, "err", err)
		}
	})
}

func formAndLang(w http.ResponseWriter, r *http.Request) (id, lang string, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return "", "", false
	}
	q := r.URL.Query()
	id = q.Get("form")
	if id == "" {
		http.Error(w, "missing form parameter", http.StatusBadRequest)
		return "", "", false
	}
	lang = q.Get("lang")
	if lang == "" {
		lang = "fr"
	}
	if lang != "fr" && lang != "en" {
		http.Error(w, "lang must be fr or en", http.StatusBadRequest)
		return "", "", false
	}
	return id, lang, true
}

func formOK(w http.ResponseWriter, opts HandlerOptions, id string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, export.ErrUnknownForm):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		opts.log().Error("report: load form", "form", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
	return false
}

func labelOf(d *Dim, v, lang string) string {
	if v == Missing {
		return text(missingLabel, lang)
	}
	if i, ok := d.index[v]; ok {
		return text(d.Cats[i].Label, lang)
	}
	return v
}

type listView struct {
	Home    string
	Lang    string
	FormID  string
	Filter  string
	Dims    []*Dim
	Matched int
	Rows    []listRow
}

// detailHref links an interview to the dashboard's page for it, if any.
func detailHref(base, id string) string {
	if base == "" {
		return ""
	}
	return base + url.PathEscape(id)
}

type listRow struct {
	ID, Href, Received, Enumerator, Post string
	Values                               []string
}

func (v *listView) M(fr, en string) string {
	if v.Lang == "en" {
		return en
	}
	return fr
}

func (v *listView) DimLabel(d *Dim) string { return text(d.Label, v.Lang) }

var listTmpl = template.Must(template.New("list").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><title>{{.M "Entretiens" "Interviews"}} — {{.FormID}}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left}thead th{background:#eef2f6}</style>
</head>
<body>
{{if .Home}}<p><a id="home" href="{{.Home}}">← {{.M "Tableau de bord" "Dashboard"}}</a></p>
{{end}}<h1>{{.M "Entretiens" "Interviews"}} — <code>{{.FormID}}</code></h1>
<p>{{.M "Filtre" "Filter"}}: <code>{{if .Filter}}{{.Filter}}{{else}}{{.M "aucun (tous les migrants de retour comptés)" "none (every returnee counted)"}}{{end}}</code>.
<span id="matched">{{.Matched}}</span> {{.M "entretiens correspondent" "interviews match"}}{{if lt (len .Rows) .Matched}}; {{len .Rows}} {{.M "affichés" "shown"}}{{end}}.</p>
<table>
<thead><tr><th>{{.M "Identifiant" "ID"}}</th><th>{{.M "Reçu" "Received"}}</th><th>{{.M "Enquêteur" "Enumerator"}}</th><th>{{.M "Poste" "Post"}}</th>{{range .Dims}}<th>{{$.DimLabel .}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{if .Href}}<a href="{{.Href}}"><code>{{.ID}}</code></a>{{else}}<code>{{.ID}}</code>{{end}}</td><td>{{.Received}}</td><td>{{.Enumerator}}</td><td>{{.Post}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))
