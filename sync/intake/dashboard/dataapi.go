package dashboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sira/export"
)

// maxDataPage bounds the interviews of one data API page.
const maxDataPage = 10000

// writePlainError writes err as plain text.
func writePlainError(w http.ResponseWriter, err error) {
	ae := &apiError{status: http.StatusInternalServerError, msg: "internal error"}
	errors.As(err, &ae)
	http.Error(w, ae.msg, ae.status)
}

// dataTable serves /data/v1/FORM/TABLE.csv or .json: the rows of one
// export table (TABLE as the CSV export names it, e.g. returnee-legs) for
// the interviews received after the cursor since (0 or absent: from the
// start), at most limit interviews per page, in intake order. The cursor
// for the next page is in the Sira-Next-Since header (and next_since in
// JSON); a revised interview comes again after the cursor. CSV cells are
// neutralized as the CSV export's are; JSON carries values unchanged,
// typed as in OData (numbers, null for empty).
func (d *Dashboard) dataTable(w http.ResponseWriter, r *http.Request, u *User) error {
	formID, file := r.PathValue("form"), r.PathValue("file")
	name, format := file, ""
	for _, ext := range []string{".csv", ".json"} {
		if n, ok := strings.CutSuffix(file, ext); ok {
			name, format = n, ext[1:]
		}
	}
	if format == "" {
		return apiErr(http.StatusNotFound, "404", "ask for TABLE.csv or TABLE.json")
	}
	af, err := d.loadAPIForm(r.Context(), u, formID)
	if err != nil {
		return err
	}
	var at *apiTable
	for _, t := range af.tables {
		if t.t.Name == name {
			at = t
		}
	}
	if at == nil {
		var names []string
		for _, t := range af.tables {
			names = append(names, t.t.Name)
		}
		return apiErr(http.StatusNotFound, "404", "form %s has no table %q (tables: %s)", formID, name, strings.Join(names, ", "))
	}
	q := r.URL.Query()
	since, limit := int64(0), d.apiPage
	if s := q.Get("since"); s != "" {
		if since, err = strconv.ParseInt(s, 10, 64); err != nil || since < 0 {
			return apiErr(http.StatusBadRequest, "400", "since is the cursor a previous page gave (Sira-Next-Since), not %q", s)
		}
	}
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxDataPage {
			return apiErr(http.StatusBadRequest, "400", "limit: 1 to %d interviews", maxDataPage)
		}
	}
	var rows [][]string
	ivs, last, more := 0, since, false
	var cur int64 = -1
	err = d.stream(r.Context(), u, af, scan{fromSeq: since + 1}, func(seq int64, t int, cells []string) error {
		if seq != cur {
			if ivs == limit {
				more = true
				return errPageFull
			}
			cur, last = seq, seq
			ivs++
		}
		if t == at.idx {
			rows = append(rows, append([]string(nil), cells...))
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	next := strconv.FormatInt(last, 10)
	w.Header().Set("Sira-Next-Since", next)
	if more {
		nq := url.Values{"since": {next}, "limit": {strconv.Itoa(limit)}}
		w.Header().Set("Link", "<"+baseURL(r)+r.URL.EscapedPath()+"?"+nq.Encode()+`>; rel="next"`)
	}
	if format == "csv" {
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		head := make([]string, len(at.props))
		for i, p := range at.props {
			head[i] = p.col.Name
		}
		cw.Write(head)
		for _, row := range rows {
			for i, c := range row {
				if t := export.TypeOf(at.props[i].col); t == export.ColText || t == export.ColCode {
					row[i] = export.Neutralize(c)
				}
			}
			cw.Write(row)
		}
		cw.Flush()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, err := w.Write(b.Bytes())
		return err
	}
	var b bytes.Buffer
	b.WriteString(`{"form":`)
	writeJSON(&b, formID)
	b.WriteString(`,"table":`)
	writeJSON(&b, at.t.Name)
	b.WriteString(`,"next_since":`)
	writeJSON(&b, next)
	b.WriteString(`,"more":` + strconv.FormatBool(more) + `,"rows":[`)
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		writeEntity(&b, at, nil, row)
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b.Bytes())
	return err
}
