package dashboard_test

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	isqlite "sira/sync/intake/sqlite"
)

// newAPIEnv is newEnv with a small API page, so that paging shows.
func newAPIEnv(tb testing.TB, page int) *env {
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
	d, err := dashboard.New(dashboard.Config{DB: db, Store: st, Office: openOffice(tb, path), KDF: testKDF, Now: ck.Now, Logger: slogDiscard(), APIPageSize: page})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Builtin: []*forms.Form{f}, Logger: slogDiscard(), OnSync: d.RecordSync})
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
	return &env{t: tb, ctx: ctx, path: path, store: st, srv: srv, d: d, db: db, hs: hs, form: f, codec: codec, clock: ck}
}

// apiFixture: 7 interviews at gogui by enq1, 3 at diboli by enq2; users of
// every role with tokens.
type apiFixture struct {
	e      *env
	tokens map[string]string // user → token
	gogui  []string          // interview ids
	diboli []string
}

func newAPIFixture(t *testing.T, page int) *apiFixture {
	e := newAPIEnv(t, page)
	a := &apiFixture{e: e, tokens: map[string]string{}}
	for _, iv := range e.ingestIDs(e.simulate(7, 1, "enq1", "gogui", nil), "enq1") {
		a.gogui = append(a.gogui, iv)
	}
	for _, iv := range e.ingestIDs(e.simulate(3, 2, "enq2", "diboli", nil), "enq2") {
		a.diboli = append(a.diboli, iv)
	}
	e.addUser("admin1", dashboard.RoleAdmin, nil, nil)
	e.addUser("sup1", dashboard.RoleSupervisor, []string{"gogui"}, nil)
	e.addUser("view1", dashboard.RoleViewer, nil, nil)
	users := &dashboard.Users{DB: e.db, KDF: testKDF}
	for _, u := range []string{"admin1", "sup1", "view1"} {
		tok, err := users.NewAPIToken(e.ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[u] = tok
	}
	return a
}

func (e *env) ingestIDs(ivs []*survey.Interview, enumerator string) []string {
	e.ingest(ivs, enumerator)
	var ids []string
	for _, iv := range ivs {
		ids = append(ids, iv.ID)
	}
	return ids
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get fetches url (absolute or a path) with the Authorization header auth.
func (a *apiFixture) get(t *testing.T, u, auth string) response {
	t.Helper()
	if strings.HasPrefix(u, "/") {
		u = a.e.hs.URL + u
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func bearer(tok string) string { return "Bearer " + tok }

func basic(name, tok string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+tok))
}

// collection is an OData collection response.
type collection struct {
	Context  string           `json:"@odata.context"`
	Count    *int             `json:"@odata.count"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// all follows @odata.nextLink from u and returns every row and the pages.
func (a *apiFixture) all(t *testing.T, u, auth string) ([]map[string]any, []collection) {
	t.Helper()
	var rows []map[string]any
	var pages []collection
	for u != "" && len(pages) < 100 {
		r := a.get(t, u, auth)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		checkODataHeaders(t, r)
		var c collection
		if err := json.Unmarshal(r.body, &c); err != nil {
			t.Fatalf("GET %s: %v\n%s", u, err, r.body)
		}
		if c.NextLink != "" && !strings.HasPrefix(c.NextLink, "http://") {
			t.Errorf("nextLink %q is not absolute", c.NextLink)
		}
		rows = append(rows, c.Value...)
		pages = append(pages, c)
		u = c.NextLink
	}
	return rows, pages
}

func checkODataHeaders(t *testing.T, r response) {
	t.Helper()
	if v := r.header.Get("OData-Version"); v != "4.0" {
		t.Errorf("OData-Version %q", v)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !strings.Contains(ct, "odata.metadata=minimal") {
		t.Errorf("Content-Type %q", ct)
	}
}

// edmx is what the test reads of $metadata (CSDL XML).
type edmx struct {
	XMLName      xml.Name `xml:"http://docs.oasis-open.org/odata/ns/edmx Edmx"`
	Version      string   `xml:"Version,attr"`
	DataServices struct {
		Schemas []struct {
			Namespace   string `xml:"Namespace,attr"`
			EntityTypes []struct {
				Name string `xml:"Name,attr"`
				Key  struct {
					Refs []struct {
						Name string `xml:"Name,attr"`
					} `xml:"PropertyRef"`
				} `xml:"Key"`
				Properties []struct {
					Name     string `xml:"Name,attr"`
					Type     string `xml:"Type,attr"`
					Nullable string `xml:"Nullable,attr"`
				} `xml:"Property"`
				Navs []struct {
					Name string `xml:"Name,attr"`
					Type string `xml:"Type,attr"`
				} `xml:"NavigationProperty"`
			} `xml:"http://docs.oasis-open.org/odata/ns/edm EntityType"`
			Container struct {
				Name string `xml:"Name,attr"`
				Sets []struct {
					Name       string `xml:"Name,attr"`
					EntityType string `xml:"EntityType,attr"`
					Bindings   []struct {
						Path   string `xml:"Path,attr"`
						Target string `xml:"Target,attr"`
					} `xml:"NavigationPropertyBinding"`
				} `xml:"EntitySet"`
			} `xml:"http://docs.oasis-open.org/odata/ns/edm EntityContainer"`
		} `xml:"http://docs.oasis-open.org/odata/ns/edm Schema"`
	} `xml:"http://docs.oasis-open.org/odata/ns/edmx DataServices"`
}

var (
	reDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	reDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
)

// checkTyped checks a row against its entity type as the OData JSON
// format requires: exactly the declared properties (or those selected),
// each value of its declared type or null.
func checkTyped(t *testing.T, set string, row map[string]any, props map[string]string, selected []string) {
	t.Helper()
	want := selected
	if want == nil {
		for p := range props {
			want = append(want, p)
		}
	}
	var got []string
	for k := range row {
		if !strings.HasPrefix(k, "@") {
			got = append(got, k)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s row properties\n%v\nwant\n%v", set, got, want)
	}
	for k, v := range row {
		if v == nil || strings.HasPrefix(k, "@") {
			continue
		}
		ok := false
		switch props[k] {
		case "Edm.String":
			_, ok = v.(string)
		case "Edm.Int64":
			f, isNum := v.(float64)
			ok = isNum && f == float64(int64(f))
		case "Edm.Double":
			_, ok = v.(float64)
		case "Edm.Date":
			s, _ := v.(string)
			ok = reDate.MatchString(s)
		case "Edm.DateTimeOffset":
			s, _ := v.(string)
			ok = reDateTime.MatchString(s)
		}
		if !ok {
			t.Errorf("%s.%s = %#v is not %s", set, k, v, props[k])
		}
	}
}

// TestODataConformance checks the feed against the OData v4 JSON format
// and CSDL: service document, $metadata, typed entities, paging,
// $count, $top, $skip, $select, $filter, keys, navigation and errors.
func TestODataConformance(t *testing.T) {
	a := newAPIFixture(t, 3)
	auth := bearer(a.tokens["admin1"])
	svc := "/odata/returnee.svc"

	// Service document: the main table first, every table an EntitySet.
	r := a.get(t, svc, auth)
	if r.status != 200 {
		t.Fatalf("service document: %d %s", r.status, r.body)
	}
	checkODataHeaders(t, r)
	var sd struct {
		Context string `json:"@odata.context"`
		Value   []struct{ Name, Kind, URL string }
	}
	if err := json.Unmarshal(r.body, &sd); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(sd.Context, svc+"/$metadata") || len(sd.Value) < 2 || sd.Value[0].Name != "Submissions" {
		t.Fatalf("service document %s", r.body)
	}
	var sets []string
	for _, v := range sd.Value {
		if v.Kind != "EntitySet" || v.URL != v.Name {
			t.Errorf("service document entry %+v", v)
		}
		sets = append(sets, v.Name)
	}
	if !slices.Contains(sets, "Submissions_legs") {
		t.Errorf("no Submissions_legs set: %v", sets)
	}

	// $metadata: CSDL with an entity type per set, keyed by KEY, repeats
	// navigable from their parent.
	r = a.get(t, svc+"/$metadata", auth)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("$metadata: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var md edmx
	if err := xml.Unmarshal(r.body, &md); err != nil {
		t.Fatalf("$metadata is not CSDL XML: %v", err)
	}
	if md.Version != "4.0" || len(md.DataServices.Schemas) != 1 {
		t.Fatalf("$metadata version %q, %d schemas", md.Version, len(md.DataServices.Schemas))
	}
	schema := md.DataServices.Schemas[0]
	props := map[string]map[string]string{}
	navs := map[string][]string{}
	for _, et := range schema.EntityTypes {
		if len(et.Key.Refs) != 1 || et.Key.Refs[0].Name != "KEY" {
			t.Errorf("type %s key %+v", et.Name, et.Key)
		}
		props[et.Name] = map[string]string{}
		for _, p := range et.Properties {
			props[et.Name][p.Name] = p.Type
		}
		if props[et.Name]["KEY"] != "Edm.String" {
			t.Errorf("type %s: KEY is %q", et.Name, props[et.Name]["KEY"])
		}
		for _, n := range et.Navs {
			navs[et.Name] = append(navs[et.Name], n.Name)
			if n.Type != "Collection("+schema.Namespace+"."+n.Name+")" {
				t.Errorf("navigation %s.%s type %s", et.Name, n.Name, n.Type)
			}
		}
	}
	var csets []string
	for _, s := range schema.Container.Sets {
		csets = append(csets, s.Name)
		if s.EntityType != schema.Namespace+"."+s.Name || props[s.Name] == nil {
			t.Errorf("entity set %s of type %s", s.Name, s.EntityType)
		}
	}
	if !slices.Equal(csets, sets) {
		t.Errorf("container sets %v, service document %v", csets, sets)
	}
	if !slices.Contains(navs["Submissions"], "Submissions_legs") {
		t.Errorf("Submissions cannot navigate to its repeat: %v", navs)
	}

	// Every row of every set, page by page (3 rows a page), typed.
	main, pages := a.all(t, svc+"/Submissions", auth)
	if len(main) != 10 || len(pages) != 4 {
		t.Fatalf("Submissions: %d rows in %d pages, want 10 in 4", len(main), len(pages))
	}
	var keys []string
	for _, row := range main {
		checkTyped(t, "Submissions", row, props["Submissions"], nil)
		keys = append(keys, row["KEY"].(string))
	}
	want := append(append([]string{}, a.gogui...), a.diboli...)
	sort.Strings(keys)
	sort.Strings(want)
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	legs, _ := a.all(t, svc+"/Submissions_legs", auth)
	if len(legs) == 0 {
		t.Fatal("no legs rows: the repeat is not exported")
	}
	for _, row := range legs {
		checkTyped(t, "Submissions_legs", row, props["Submissions_legs"], nil)
	}
	// Navigation: a submission's legs are the legs rows with its KEY as parent.
	navTotal := 0
	for _, k := range keys {
		sub, _ := a.all(t, svc+"/Submissions('"+url.PathEscape(k)+"')/Submissions_legs", auth)
		for _, row := range sub {
			if row["PARENT_KEY"] != k {
				t.Errorf("legs of %s hold a row of %v", k, row["PARENT_KEY"])
			}
		}
		navTotal += len(sub)
	}
	if navTotal != len(legs) {
		t.Errorf("navigation gives %d legs, the set %d", navTotal, len(legs))
	}
	// One entity by key.
	r = a.get(t, svc+"/Submissions('"+url.PathEscape(keys[0])+"')", auth)
	var ent map[string]any
	if r.status != 200 || json.Unmarshal(r.body, &ent) != nil || ent["KEY"] != keys[0] || !strings.HasSuffix(ent["@odata.context"].(string), "$metadata#Submissions/$entity") {
		t.Errorf("entity: %d %s", r.status, r.body)
	}

	// $count, $top (across pages), $skip, $select.
	_, pages = a.all(t, svc+"/Submissions?$count=true", auth)
	if pages[0].Count == nil || *pages[0].Count != 10 {
		t.Errorf("$count: %v", pages[0].Count)
	}
	if rows, _ := a.all(t, svc+"/Submissions?$top=4", auth); len(rows) != 4 {
		t.Errorf("$top=4: %d rows", len(rows))
	}
	if rows, _ := a.all(t, svc+"/Submissions?$skip=8", auth); len(rows) != 2 {
		t.Errorf("$skip=8: %d rows", len(rows))
	}
	rows, pages := a.all(t, svc+"/Submissions?$select=KEY,SubmissionDate&$top=5&$skip=1", auth)
	if len(rows) != 5 || !strings.HasSuffix(pages[0].Context, "#Submissions(KEY,SubmissionDate)") {
		t.Errorf("$select: %d rows, context %s", len(rows), pages[0].Context)
	}
	for _, row := range rows {
		checkTyped(t, "Submissions", row, props["Submissions"], []string{"KEY", "SubmissionDate"})
	}
	// $filter on review state and submission date.
	future := time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339)
	for _, c := range []struct {
		filter string
		n      int
	}{
		{"ReviewState eq 'received'", 10},
		{"__system/reviewState eq 'approved'", 0},
		{"SubmissionDate gt " + future, 0},
		{"SubmissionDate lt " + future + " and ReviewState ne 'rejected'", 10},
		{"(SubmissionDate ge 2000-01-01 or ReviewState eq 'x') and not (ReviewState eq 'hasIssues')", 10},
	} {
		if rows, _ := a.all(t, svc+"/Submissions?$filter="+url.QueryEscape(c.filter), auth); len(rows) != c.n {
			t.Errorf("$filter=%s: %d rows, want %d", c.filter, len(rows), c.n)
		}
	}

	// Errors are OData JSON errors with the right status.
	for _, c := range []struct {
		path   string
		status int
	}{
		{svc + "/Nope", 404},
		{"/odata/census.svc", 404},
		{svc + "/Submissions?$expand=Submissions_legs", 501},
		{svc + "/Submissions?$top=-1", 400},
		{svc + "/Submissions?$filter=" + url.QueryEscape("Age gt 3"), 400},
		{svc + "/Submissions?$select=nope", 400},
		{svc + "/Submissions('uuid:none')", 404},
	} {
		r := a.get(t, c.path, auth)
		var e struct {
			Error struct{ Code, Message string }
		}
		if r.status != c.status || json.Unmarshal(r.body, &e) != nil || e.Error.Message == "" {
			t.Errorf("GET %s: %d %s, want %d and an OData error", c.path, r.status, r.body, c.status)
		}
	}
}

// TestAPITokenRoles: tokens act with their user's role and scope, exactly
// as the dashboard's downloads do, and every read is audited.
func TestAPITokenRoles(t *testing.T) {
	a := newAPIFixture(t, 1000)
	e := a.e
	svc := "/odata/returnee.svc/Submissions"
	count := func(auth string) (int, int) {
		r := a.get(t, svc, auth)
		var c collection
		json.Unmarshal(r.body, &c)
		return r.status, len(c.Value)
	}
	// Admin: everything, as Bearer or as Basic NAME:TOKEN.
	if st, n := count(bearer(a.tokens["admin1"])); st != 200 || n != 10 {
		t.Errorf("admin bearer: %d, %d rows", st, n)
	}
	if st, n := count(basic("admin1", a.tokens["admin1"])); st != 200 || n != 10 {
		t.Errorf("admin basic: %d, %d rows", st, n)
	}
	// Supervisor of gogui: only gogui's interviews, in every table and by key.
	if st, n := count(bearer(a.tokens["sup1"])); st != 200 || n != 7 {
		t.Errorf("supervisor: %d, %d rows, want gogui's 7", st, n)
	}
	if r := a.get(t, "/odata/returnee.svc/Submissions('"+url.PathEscape(a.diboli[0])+"')", bearer(a.tokens["sup1"])); r.status != 404 {
		t.Errorf("supervisor reads another post's interview: %d", r.status)
	}
	if r := a.get(t, "/data/v1/returnee/returnee.csv", bearer(a.tokens["sup1"])); r.status != 200 || strings.Count(string(r.body), "\n") != 8 {
		t.Errorf("supervisor data API: %d, %d lines", r.status, strings.Count(string(r.body), "\n"))
	}
	// Viewer: may not download, as in the dashboard.
	if st, _ := count(bearer(a.tokens["view1"])); st != 403 {
		t.Errorf("viewer: %d, want 403", st)
	}
	// No token, a wrong one, a token under another name: 401.
	for _, auth := range []string{"", bearer("sira_nope"), basic("sup1", a.tokens["admin1"]), "Bearer", bearer(a.tokens["admin1"] + "x")} {
		r := a.get(t, svc, auth)
		if r.status != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, r.status)
		}
		if auth == "" && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without a Basic challenge: %q", r.header.Get("WWW-Authenticate"))
		}
	}
	// A disabled user's token stops; so does a revoked one.
	users := &dashboard.Users{DB: e.db, KDF: testKDF}
	if err := users.SetDisabled(e.ctx, "sup1", true); err != nil {
		t.Fatal(err)
	}
	if st, _ := count(bearer(a.tokens["sup1"])); st != 401 {
		t.Errorf("disabled user's token: %d", st)
	}
	if _, err := users.RevokeAPITokens(e.ctx, "admin1"); err != nil {
		t.Fatal(err)
	}
	if st, _ := count(bearer(a.tokens["admin1"])); st != 401 {
		t.Errorf("revoked token: %d", st)
	}
	// Writes are refused.
	req, _ := http.NewRequest(http.MethodPost, e.hs.URL+svc, nil)
	req.Header.Set("Authorization", bearer(a.tokens["view1"]))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("POST: %v %v", resp.StatusCode, err)
	}
	// Audited: the reads with their user, the refusals too.
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'api' AND user = 'admin1'`); n < 2 {
		t.Errorf("admin reads audited %d times", n)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE action = 'api' AND user = 'view1' AND detail LIKE 'forbidden%'`); n != 1 {
		t.Errorf("viewer refusal audited %d times", n)
	}
	// The tokens themselves are not stored.
	for u, tok := range a.tokens {
		if n := e.count(`SELECT count(*) FROM dash_api_tokens WHERE hash = ?`, tok); n != 0 {
			t.Errorf("%s's token stored in clear", u)
		}
	}
}

// TestDataAPI: the tables as CSV and JSON with since paging give every
// row of the export once.
func TestDataAPI(t *testing.T) {
	a := newAPIFixture(t, 1000)
	auth := bearer(a.tokens["admin1"])
	var keys []string
	since := ""
	pages := 0
	for pages < 10 {
		u := "/data/v1/returnee/returnee.json?limit=4"
		if since != "" {
			u += "&since=" + since
		}
		r := a.get(t, u, auth)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		var page struct {
			NextSince string           `json:"next_since"`
			More      bool             `json:"more"`
			Rows      []map[string]any `json:"rows"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if r.header.Get("Sira-Next-Since") != page.NextSince {
			t.Errorf("header cursor %q, body %q", r.header.Get("Sira-Next-Since"), page.NextSince)
		}
		pages++
		for _, row := range page.Rows {
			keys = append(keys, row["KEY"].(string))
		}
		since = page.NextSince
		if !page.More {
			break
		}
		if !strings.Contains(r.header.Get("Link"), `rel="next"`) {
			t.Errorf("no Link rel=next on a page with more")
		}
	}
	if pages != 3 || len(keys) != 10 {
		t.Errorf("%d pages, %d keys; want 3 pages (4+4+2), 10 keys", pages, len(keys))
	}
	// Nothing new after the last cursor.
	r := a.get(t, "/data/v1/returnee/returnee-legs.csv?since="+since, auth)
	recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if r.status != 200 || err != nil || len(recs) != 1 || recs[0][len(recs[0])-1] != "KEY" {
		t.Errorf("after the last cursor: %d, %d records, %v", r.status, len(recs), err)
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/data/v1/returnee/returnee.xml", 404},
		{"/data/v1/returnee/nope.csv", 404},
		{"/data/v1/returnee/returnee.csv?since=x", 400},
		{"/data/v1/returnee/returnee.csv?limit=0", 400},
	} {
		if r := a.get(t, c.path, auth); r.status != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, r.status, c.status)
		}
	}
}

var secretRE = regexp.MustCompile(`id="secret">([^<]+)<`)

// TestAPIPage: a supervisor creates a personal token in the dashboard,
// shown once, that reads their posts' data through OData; revoking it ends
// it; a viewer has no API page.
func TestAPIPage(t *testing.T) {
	a := newAPIFixture(t, 1000)
	e := a.e
	b := e.signedIn("sup1")
	p := b.get("/dashboard/api?lang=en")
	if p.status != 200 {
		t.Fatalf("API page: %d", p.status)
	}
	mustContain(t, p.body, "/odata/returnee.svc", `id="api-tokens">1<`)
	p = b.postForm("/dashboard/api", "/dashboard/api/token", nil)
	m := secretRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		t.Fatalf("create: %d, no secret shown", p.status)
	}
	tok := m[1]
	if strings.Contains(b.get("/dashboard/api").body, tok) {
		t.Error("the token is shown again")
	}
	r := a.get(t, "/odata/returnee.svc/Submissions?$count=true", basic("sup1", tok))
	var c collection
	if r.status != 200 || json.Unmarshal(r.body, &c) != nil || c.Count == nil || *c.Count != 7 {
		t.Errorf("the page's token: %d %s", r.status, r.body)
	}
	p = b.postForm("/dashboard/api", "/dashboard/api/revoke", nil)
	mustContain(t, p.body, `id="revoked"`)
	if r := a.get(t, "/odata/returnee.svc", basic("sup1", tok)); r.status != 401 {
		t.Errorf("revoked token: %d", r.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_audit WHERE user = 'sup1' AND action IN ('token_create', 'token_revoke')`); n != 2 {
		t.Errorf("token create/revoke audited %d times", n)
	}
	if p := e.signedIn("view1").get("/dashboard/api"); p.status != 403 {
		t.Errorf("viewer's API page: %d", p.status)
	}
}

// TestDashboardDownloadTyped: the dashboard's download offers Stata and
// SPSS files (a zip per form), scoped like the CSV download.
func TestDashboardDownloadTyped(t *testing.T) {
	a := newAPIFixture(t, 1000)
	b := a.e.signedIn("sup1")
	for _, f := range []string{"dta", "sav"} {
		p := b.get("/dashboard/export?form=returnee&format=" + f)
		if p.status != 200 || !strings.HasPrefix(p.body, "PK") {
			t.Fatalf("%s download: %d", f, p.status)
		}
		zr, err := zip.NewReader(strings.NewReader(p.body), int64(len(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, zf := range zr.File {
			names = append(names, zf.Name)
		}
		if !slices.Contains(names, "returnee."+f) || !slices.Contains(names, "returnee-codebook.csv") {
			t.Errorf("%s zip holds %v", f, names)
		}
	}
	if n := a.e.count(`SELECT count(*) FROM dash_audit WHERE user = 'sup1' AND action = 'export' AND detail IN ('format=dta', 'format=sav')`); n != 2 {
		t.Errorf("typed downloads audited %d times", n)
	}
}
