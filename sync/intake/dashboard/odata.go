package dashboard

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sira/export"
)

// OData v4 (JSON format, minimal metadata) as ODK Central serves it, for
// Excel's and Power BI's OData connectors and scripts:
//
//	/odata/FORM.svc                         service document (main table first)
//	/odata/FORM.svc/$metadata               CSDL XML
//	/odata/FORM.svc/Submissions             the main table; repeats are Submissions_<repeat>
//	/odata/FORM.svc/Submissions('KEY')      one row; …('KEY')/Submissions_legs its repeat rows
//
// with $top, $skip, $count=true, $select, $filter on SubmissionDate and
// ReviewState (also as __system/submissionDate, __system/reviewState) and
// server-driven paging (@odata.nextLink with $skiptoken).

const odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false"

// writeODataError writes err as an OData JSON error.
func writeODataError(w http.ResponseWriter, err error) {
	ae := &apiError{status: http.StatusInternalServerError, code: "500", msg: "internal error"}
	errors.As(err, &ae)
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal")
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(ae.status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": ae.code, "message": ae.msg}})
}

// odata routes an /odata/ request.
func (d *Dashboard) odata(w http.ResponseWriter, r *http.Request, u *User) error {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), ODataPrefix)
	svc, rest, _ := strings.Cut(rest, "/")
	formID, ok := strings.CutSuffix(svc, ".svc")
	if !ok || formID == "" {
		return apiErr(http.StatusNotFound, "404", "not an OData service: use /odata/FORM_ID.svc")
	}
	formID, err := url.PathUnescape(formID)
	if err != nil {
		return apiErr(http.StatusBadRequest, "400", "bad form id")
	}
	af, err := d.loadAPIForm(r.Context(), u, formID)
	if err != nil {
		return err
	}
	for k := range r.URL.Query() {
		switch k {
		case "$top", "$skip", "$count", "$select", "$filter", "$skiptoken", "$format":
		default:
			if strings.HasPrefix(k, "$") {
				return apiErr(http.StatusNotImplemented, "501", "%s is not supported", k)
			}
		}
	}
	if f := r.URL.Query().Get("$format"); f != "" && f != "json" && !strings.HasPrefix(f, "application/json") {
		return apiErr(http.StatusNotAcceptable, "406", "$format: only json")
	}
	base := baseURL(r) + ODataPrefix + url.PathEscape(formID) + ".svc"
	w.Header().Set("OData-Version", "4.0")
	switch rest {
	case "":
		return d.serviceDocument(w, af, base)
	case "$metadata":
		return writeMetadata(w, af)
	}
	setName, tail, _ := strings.Cut(rest, "(")
	at := af.bySet[setName]
	if at == nil {
		return apiErr(http.StatusNotFound, "404", "no entity set %q (see the service document)", setName)
	}
	if tail == "" && !strings.Contains(rest, "(") {
		return d.collection(w, r, u, af, at, "", nil, base)
	}
	// ('KEY') then optionally /NAV.
	key, after, err := parseKey(tail)
	if err != nil {
		return err
	}
	if after == "" {
		return d.entity(w, r, u, af, at, key, base)
	}
	nav := strings.TrimPrefix(after, "/")
	var child *apiTable
	for _, c := range at.children {
		if c.set == nav {
			child = c
		}
	}
	if child == nil {
		return apiErr(http.StatusNotFound, "404", "%s has no navigation property %q", at.set, nav)
	}
	return d.collection(w, r, u, af, child, key, at, base)
}

// parseKey reads "'KEY')…" (escaped path; ” is a quote) and returns the
// key and what follows the parenthesis.
func parseKey(s string) (key, after string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", apiErr(http.StatusBadRequest, "400", "a key is a quoted string: ('uuid:…')")
	}
	var b strings.Builder
	i := 1
	for ; i < len(s); i++ {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			break
		}
		b.WriteByte(s[i])
	}
	if i+1 >= len(s) || s[i+1] != ')' {
		return "", "", apiErr(http.StatusBadRequest, "400", "unterminated key")
	}
	key, err = url.PathUnescape(b.String())
	if err != nil {
		return "", "", apiErr(http.StatusBadRequest, "400", "bad key")
	}
	return key, s[i+2:], nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (d *Dashboard) serviceDocument(w http.ResponseWriter, af *apiForm, base string) error {
	type set struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		URL  string `json:"url"`
	}
	var sets []set
	for _, t := range af.tables { // main table first
		sets = append(sets, set{t.set, "EntitySet", t.set})
	}
	w.Header().Set("Content-Type", odataJSON)
	return json.NewEncoder(w).Encode(map[string]any{"@odata.context": base + "/$metadata", "value": sets})
}

// namespace is the CSDL namespace of a form.
func namespace(af *apiForm) string { return "sira.form." + sanitizeID(af.f.ID) }

func writeMetadata(w http.ResponseWriter, af *apiForm) error {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	ns := namespace(af)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">` + "\n")
	b.WriteString(`<edmx:DataServices>` + "\n")
	b.WriteString(`<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="` + esc(ns) + `">` + "\n")
	for _, t := range af.tables {
		b.WriteString(`<EntityType Name="` + t.set + `">` + "\n")
		// The key is the KEY column (named KEY unless a field took the name).
		ki := keyIndex(t, "KEY")
		b.WriteString(`<Key><PropertyRef Name="` + t.props[ki].name + `"/></Key>` + "\n")
		for i, p := range t.props {
			null := ""
			if i == ki {
				null = ` Nullable="false"`
			}
			b.WriteString(`<Property Name="` + p.name + `" Type="` + p.edm + `"` + null + `/>` + "\n")
		}
		for _, c := range t.children {
			b.WriteString(`<NavigationProperty Name="` + c.set + `" Type="Collection(` + esc(ns) + `.` + c.set + `)"/>` + "\n")
		}
		b.WriteString(`</EntityType>` + "\n")
	}
	b.WriteString(`<EntityContainer Name="` + sanitizeID(af.f.ID) + `">` + "\n")
	for _, t := range af.tables {
		b.WriteString(`<EntitySet Name="` + t.set + `" EntityType="` + esc(ns) + `.` + t.set + `">`)
		for _, c := range t.children {
			b.WriteString(`<NavigationPropertyBinding Path="` + c.set + `" Target="` + c.set + `"/>`)
		}
		b.WriteString(`</EntitySet>` + "\n")
	}
	b.WriteString(`</EntityContainer>` + "\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n")
	w.Header().Set("Content-Type", "application/xml")
	_, err := w.Write(b.Bytes())
	return err
}

// odataQuery is a collection request's options.
type odataQuery struct {
	top      int // -1: no $top
	skip     int
	count    bool
	sel      []int // property indexes; nil: all
	filter   *filterExpr
	tokenSeq int64
	tokenN   int
}

func parseODataQuery(q url.Values, at *apiTable) (*odataQuery, error) {
	oq := &odataQuery{top: -1}
	num := func(k string) (int, error) {
		s := q.Get(k)
		if s == "" {
			return -1, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, apiErr(http.StatusBadRequest, "400", "%s must be a whole number ≥ 0, not %q", k, s)
		}
		return n, nil
	}
	var err error
	if oq.top, err = num("$top"); err != nil {
		return nil, err
	}
	if oq.skip, err = num("$skip"); err != nil {
		return nil, err
	}
	oq.skip = max(oq.skip, 0)
	switch q.Get("$count") {
	case "", "false":
	case "true":
		oq.count = true
	default:
		return nil, apiErr(http.StatusBadRequest, "400", "$count must be true or false")
	}
	if s := q.Get("$select"); s != "" && s != "*" {
		byName := map[string]int{}
		for i, p := range at.props {
			byName[p.name] = i
		}
		for _, n := range strings.Split(s, ",") {
			i, ok := byName[strings.TrimSpace(n)]
			if !ok {
				return nil, apiErr(http.StatusBadRequest, "400", "$select: %s has no property %q", at.set, strings.TrimSpace(n))
			}
			oq.sel = append(oq.sel, i)
		}
	}
	if s := q.Get("$filter"); s != "" {
		f, err := parseFilter(s)
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "400", "%v", err)
		}
		oq.filter = f
	}
	if s := q.Get("$skiptoken"); s != "" {
		a, b, ok := strings.Cut(s, ".")
		seq, err1 := strconv.ParseInt(a, 10, 64)
		n, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || seq < 0 || n < 0 {
			return nil, apiErr(http.StatusBadRequest, "400", "bad $skiptoken")
		}
		oq.tokenSeq, oq.tokenN = seq, n
	}
	return oq, nil
}

// keyIndex returns the index of the column named name in t.
func keyIndex(t *apiTable, name string) int {
	for i, p := range t.props {
		if p.col.Kind == export.KindMeta && p.col.Meta == name {
			return i
		}
	}
	return -1
}

// interviewOf is the interview id a row key starts with.
func interviewOf(key string) string {
	id, _, _ := strings.Cut(key, "/")
	return id
}

// collection serves the rows of at: all of them, or (parent != nil) those
// whose PARENT_KEY is parentKey.
func (d *Dashboard) collection(w http.ResponseWriter, r *http.Request, u *User, af *apiForm, at *apiTable, parentKey string, parent *apiTable, base string) error {
	oq, err := parseODataQuery(r.URL.Query(), at)
	if err != nil {
		return err
	}
	sc := scan{fromSeq: oq.tokenSeq, filter: oq.filter}
	pk := -1
	if parent != nil {
		sc.id = interviewOf(parentKey)
		pk = keyIndex(at, "PARENT_KEY")
	}
	match := func(t int, cells []string) bool {
		return t == at.idx && (pk < 0 || cells[pk] == parentKey)
	}
	total := -1
	if oq.count {
		total = 0
		err := d.stream(r.Context(), u, af, scan{id: sc.id, filter: sc.filter}, func(_ int64, t int, cells []string) error {
			if match(t, cells) {
				total++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	n, skip, top := 0, oq.skip, oq.top
	var curSeq int64 = -1
	perIv := 0
	next := ""
	err = d.stream(r.Context(), u, af, sc, func(seq int64, t int, cells []string) error {
		if !match(t, cells) {
			return nil
		}
		if seq != curSeq {
			curSeq, perIv = seq, 0
		}
		if seq == oq.tokenSeq && perIv < oq.tokenN {
			perIv++
			return nil
		}
		if skip > 0 {
			skip--
			perIv++
			return nil
		}
		if top == 0 {
			return errPageFull
		}
		if n == d.apiPage {
			next = strconv.FormatInt(seq, 10) + "." + strconv.Itoa(perIv)
			return errPageFull
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		writeEntity(&buf, at, oq.sel, cells)
		n++
		perIv++
		if top > 0 {
			top--
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	w.Header().Set("Content-Type", odataJSON)
	ctxURL := base + "/$metadata#" + at.set
	if oq.sel != nil {
		var names []string
		for _, i := range oq.sel {
			names = append(names, at.props[i].name)
		}
		ctxURL += "(" + strings.Join(names, ",") + ")"
	}
	var out bytes.Buffer
	out.WriteString(`{"@odata.context":`)
	writeJSON(&out, ctxURL)
	if total >= 0 {
		out.WriteString(`,"@odata.count":` + strconv.Itoa(total))
	}
	out.WriteString(`,"value":[`)
	out.Write(buf.Bytes())
	out.WriteString(`]`)
	if next != "" {
		q := r.URL.Query()
		q.Del("$skip")
		q.Del("$count") // counted on the first page; each page would scan everything again
		q.Set("$skiptoken", next)
		if oq.top >= 0 {
			q.Set("$top", strconv.Itoa(top))
		}
		out.WriteString(`,"@odata.nextLink":`)
		writeJSON(&out, baseURL(r)+r.URL.EscapedPath()+"?"+q.Encode())
	}
	out.WriteString("}\n")
	_, err = w.Write(out.Bytes())
	return err
}

// entity serves one row of at by its KEY.
func (d *Dashboard) entity(w http.ResponseWriter, r *http.Request, u *User, af *apiForm, at *apiTable, key, base string) error {
	oq, err := parseODataQuery(r.URL.Query(), at)
	if err != nil {
		return err
	}
	ki := keyIndex(at, "KEY")
	if ki < 0 && at.parent == nil {
		ki = keyIndex(at, "meta-instanceID")
	}
	var buf bytes.Buffer
	found := false
	err = d.stream(r.Context(), u, af, scan{id: interviewOf(key)}, func(_ int64, t int, cells []string) error {
		if t != at.idx || ki < 0 || cells[ki] != key {
			return nil
		}
		buf.WriteString(`{"@odata.context":`)
		writeJSON(&buf, base+"/$metadata#"+at.set+"/$entity")
		buf.WriteByte(',')
		var ent bytes.Buffer
		writeEntity(&ent, at, oq.sel, cells)
		buf.Write(ent.Bytes()[1:]) // without its '{'
		found = true
		return errPageFull
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return err
	}
	if !found {
		return apiErr(http.StatusNotFound, "404", "%s has no row %q you may see", at.set, key)
	}
	w.Header().Set("Content-Type", odataJSON)
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// writeEntity writes one row as a JSON object, properties in column order.
func writeEntity(b *bytes.Buffer, at *apiTable, sel []int, cells []string) {
	b.WriteByte('{')
	first := true
	put := func(i int) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(b, at.props[i].name)
		b.WriteByte(':')
		writeJSON(b, jsonValue(at.props[i], cells[i]))
	}
	if sel == nil {
		for i := range at.props {
			put(i)
		}
	} else {
		for _, i := range sel {
			put(i)
		}
	}
	b.WriteByte('}')
}

func writeJSON(b *bytes.Buffer, v any) {
	j, err := json.Marshal(v)
	if err != nil {
		j = []byte("null")
	}
	b.Write(j)
}
