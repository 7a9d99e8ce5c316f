package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/office"
	"sira/office/source"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/sqlite"
	"sira/sync/wire"
)

// intakeFixture publishes the built-in form on a real intake database and
// ingests n simulated interviews (every fifth a refusal), plus one of
// another form. It returns the database path and the consenting count.
func intakeFixture(t *testing.T, n int) (string, *forms.Form, int) {
	t.Helper()
	ctx := context.Background()
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "intake.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pub := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.PutForm(ctx, intake.PublishedForm{Hash: f.Hash, FormID: f.ID, Version: f.Version, Published: pub, JSON: js}); err != nil {
		t.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var in []intake.Incoming
	consenting := 0
	for i := range n {
		answers := map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes", "age": "30"}
		if i%5 == 4 {
			answers["consent"] = "no"
		} else {
			consenting++
		}
		iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "enq01", DeviceID: "laptop-01", Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			// As `sira sync` sends them: the wire's binary record.
			body := wire.MarshalInterview(iv)
			in = append(in, intake.Incoming{Interview: iv, Hash: iv.ContentHash(), Body: body, Size: len(body)})
			continue
		}
		in = append(in, incoming(t, iv))
	}
	other := &survey.Interview{ID: "uuid:other", FormID: "household", Revision: 1, Data: &survey.Record{}}
	in = append(in, incoming(t, other))
	if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: pub.Add(48 * time.Hour)}, in); err != nil {
		t.Fatal(err)
	}
	return path, f, consenting
}

func incoming(t *testing.T, iv *survey.Interview) intake.Incoming {
	t.Helper()
	body, err := json.Marshal(iv)
	if err != nil {
		t.Fatal(err)
	}
	return intake.Incoming{Interview: iv, Hash: iv.ContentHash(), Body: body, Size: len(body)}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestExportCommand(t *testing.T) {
	db, _, _ := intakeFixture(t, 20)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runMain(t, "export", "--db", db, "--out", out, "--xlsx", "--labels", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	main := readCSV(t, filepath.Join(out, "returnee.csv"))
	if len(main) != 21 {
		t.Errorf("main table has %d lines, want header + 20", len(main))
	}
	idx := map[string]int{}
	for i, h := range main[0] {
		idx[h] = i
	}
	for _, col := range []string{"SubmissionDate", "interview-demographics-sex", "interview-main-migration-journey_financing", "KEY", "ReviewState", "Post"} {
		if _, ok := idx[col]; !ok {
			t.Errorf("main table lacks column %s", col)
		}
	}
	sexes := map[string]bool{}
	for _, r := range main[1:] {
		sexes[r[idx["interview-demographics-sex"]]] = true
		if r[idx["SubmissionDate"]] != "2026-11-03T00:00:00.000Z" || r[idx["ReviewState"]] != "received" {
			t.Errorf("metadata = %s %s", r[idx["SubmissionDate"]], r[idx["ReviewState"]])
		}
	}
	if sexes["male"] || sexes["female"] {
		t.Errorf("--labels wrote choice names: %v", sexes)
	}
	legs := readCSV(t, filepath.Join(out, "returnee-legs.csv"))
	if len(legs) < 2 || !strings.HasPrefix(legs[1][len(legs[1])-1], legs[1][len(legs[1])-2]+"/interview/main/migration/legs[") {
		t.Errorf("legs table: %d lines, first %v", len(legs), legs[min(1, len(legs)-1)])
	}
	for _, f := range []string{"returnee-codebook.csv", "returnee.xlsx"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "20 interviews exported") {
		t.Errorf("stdout = %q", stdout)
	}

	// --since after every receipt: headers only.
	out2 := filepath.Join(t.TempDir(), "out2")
	if code, _, stderr := runMain(t, "export", "--db", db, "--out", out2, "--since", "2026-12-01"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := len(readCSV(t, filepath.Join(out2, "returnee.csv"))); n != 1 {
		t.Errorf("--since kept %d lines, want the header only", n)
	}
}

// TestExportReviewStates: the supervisors' decisions live in the office
// domain; the export's ReviewState column shows them for the revision they
// were made on, and a conflict shows the copy a supervisor chose.
func TestExportReviewStates(t *testing.T) {
	ctx := context.Background()
	db, _, _ := intakeFixture(t, 6)
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	of, err := openOffice(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var subs []intake.StoredInterview
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.EachSubmission(ctx, func(x intake.StoredInterview) error {
		iv, err := source.DecodeBody(x.Body)
		if err == nil && iv.FormID == "returnee" {
			ids = append(ids, x.ID)
			subs = append(subs, x)
		}
		return nil
	}))
	if len(ids) != 6 {
		t.Fatalf("%d returnee interviews, want 6", len(ids))
	}
	for i, x := range subs {
		rev := x.Revision
		if i == 2 {
			rev = 2 // a decision on another revision than the one stored
		}
		_, err := of.Arrived(ctx, office.Arrival{ID: x.ID, Revision: rev, Hash: x.Hash, Enumerator: x.Enumerator, At: x.Received})
		must(err)
	}
	dec := func(i int) office.Decision {
		return office.Decision{ID: ids[i], Revision: subs[i].Revision, By: "sup", At: time.Now(), Comment: "c"}
	}
	_, err = of.Approve(ctx, dec(0))
	must(err)
	_, err = of.Reject(ctx, dec(1))
	must(err)
	d2 := dec(2)
	d2.Revision = 2
	_, err = of.Approve(ctx, d2)
	must(err)
	// A conflict on ids[3]: another copy at revision 1, chosen by a supervisor.
	iv3, err := source.DecodeBody(subs[3].Body)
	must(err)
	other := *iv3
	other.Data = &survey.Record{Values: map[string]string{}, Repeats: iv3.Data.Repeats}
	for k, v := range iv3.Data.Values {
		other.Data.Values[k] = v
	}
	other.Data.Values["/data/interview/demographics/age"] = "77"
	rs, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, []intake.Incoming{incoming(t, &other)})
	must(err)
	if rs[0].Status != wire.Conflict {
		t.Fatalf("receipt %s, want conflict", rs[0].Status)
	}
	of.Close()
	st.Close()

	exportCSV := func() map[string][]string {
		out := t.TempDir()
		if code, _, stderr := runMain(t, "export", "--db", db, "--out", out); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		main := readCSV(t, filepath.Join(out, "returnee.csv"))
		col := map[string]int{}
		for i, h := range main[0] {
			col[h] = i
		}
		got := map[string][]string{}
		for _, r := range main[1:] {
			got[r[col["KEY"]]] = []string{r[col["ReviewState"]], r[col["interview-demographics-age"]]}
		}
		return got
	}
	got := exportCSV()
	want := map[string]string{ids[0]: "approved", ids[1]: "rejected", ids[2]: "received", ids[3]: "hasIssues", ids[4]: "received"}
	for id, w := range want {
		if got[id][0] != w {
			t.Errorf("%s: ReviewState %q, want %q", id, got[id][0], w)
		}
	}
	if len(got) != 6 {
		t.Errorf("%d rows, want 6 (one per interview, a conflict once)", len(got))
	}
	of, err = openOffice(ctx, db)
	must(err)
	must(of.ChooseCopy(ctx, office.Choice{ID: ids[3], Revision: 1, Hash: other.ContentHash(), By: "sup", At: time.Now()}))
	of.Close()
	got = exportCSV()
	if got[ids[3]][0] != "received" || got[ids[3]][1] != "77" || len(got) != 6 {
		t.Errorf("after choosing the other copy: %v (%d rows); want received, age 77, 6 rows", got[ids[3]], len(got))
	}
	// The command-line export and report are in the office's audit log.
	if code, _, stderr := runMain(t, "report", "--db", db, "--out", filepath.Join(t.TempDir(), "r.csv")); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	of, err = openOffice(ctx, db)
	must(err)
	defer of.Close()
	for _, action := range []string{"export", "report"} {
		es, err := of.AuditLog(ctx, action, 0, 10)
		must(err)
		n := 0
		for _, e := range es {
			if e.Target == "returnee" && strings.HasPrefix(e.User, "cli:") {
				n++
			}
		}
		if want := map[string]int{"export": 2, "report": 1}[action]; n != want {
			t.Errorf("%d %s entries by cli: in the audit log, want %d", n, action, want)
		}
	}
}

func TestExportCommandErrors(t *testing.T) {
	db, _, _ := intakeFixture(t, 1)
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"NoDB", []string{"export", "--out", "x"}, 2, "required"},
		{"BadSince", []string{"export", "--db", db, "--out", t.TempDir(), "--since", "yesterday"}, 2, "--since"},
		{"MissingDB", []string{"export", "--db", filepath.Join(t.TempDir(), "none.db"), "--out", t.TempDir()}, 1, "no intake database"},
		{"UnknownForm", []string{"export", "--db", db, "--out", t.TempDir(), "--form", "census"}, 1, `form "census" is not published`},
		{"ReportBadOut", []string{"report", "--db", db, "--out", "r.pdf"}, 2, ".html or .csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runMain(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, c.code, c.msg)
			}
		})
	}
}

func TestReportCommand(t *testing.T) {
	db, _, consenting := intakeFixture(t, 20)
	dir := t.TempDir()
	html := filepath.Join(dir, "r.html")
	if code, _, stderr := runMain(t, "report", "--db", db, "--out", html, "--lang", "en", "--link-base", "/interviews"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<td id="universe">` + itoa(consenting) + `</td>`; !strings.Contains(string(b), want) {
		t.Errorf("report lacks %s", want)
	}
	if !strings.Contains(string(b), `href="/interviews?form=returnee&amp;lang=en&amp;`) {
		t.Errorf("report numbers are not linked")
	}
	// The dashboard's address, as README documents it: numbers link to its
	// list of the interviews they count, for this form.
	if code, _, stderr := runMain(t, "report", "--db", db, "--out", html, "--link-base", "http://office:8080/dashboard/"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(html); !strings.Contains(string(b), `href="http://office:8080/dashboard/report/interviews?form=returnee&amp;lang=fr&amp;`) {
		t.Errorf("--link-base of the dashboard does not link to its interview list")
	}
	csvPath := filepath.Join(dir, "r.csv")
	if code, _, stderr := runMain(t, "report", "--db", db, "--out", csvPath); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := readCSV(t, csvPath)
	found := false
	for _, r := range recs {
		if r[0] == "age_sex" && r[3] == "_total" && r[6] == "_total" {
			found = true
			if r[8] != itoa(consenting) {
				t.Errorf("age_sex total = %s, want %d", r[8], consenting)
			}
		}
	}
	if !found {
		t.Error("no age_sex total line")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestExportFormats: --format dta and sav write one file per table named
// like the CSVs (with the Stata and SPSS signatures), xlsx one workbook;
// an unknown format is a usage error.
func TestExportFormats(t *testing.T) {
	db, _, _ := intakeFixture(t, 5)
	for _, c := range []struct {
		format string
		files  []string
		magic  string
	}{
		{"dta", []string{"returnee.dta", "returnee-legs.dta"}, "<stata_dta><header><release>118</release>"},
		{"sav", []string{"returnee.sav", "returnee-legs.sav"}, "$FL2"},
		{"xlsx", []string{"returnee.xlsx"}, "PK"},
	} {
		out := filepath.Join(t.TempDir(), c.format)
		code, stdout, stderr := runMain(t, "export", "--db", db, "--out", out, "--format", c.format, "--lang", "en")
		if code != 0 {
			t.Fatalf("--format %s: exit %d: %s", c.format, code, stderr)
		}
		if !strings.Contains(stdout, "5 interviews exported") {
			t.Errorf("--format %s: stdout = %q", c.format, stdout)
		}
		for _, f := range append(c.files, "returnee-codebook.csv") {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Errorf("--format %s: %v", c.format, err)
				continue
			}
			if f != "returnee-codebook.csv" && !strings.HasPrefix(string(b), c.magic) {
				t.Errorf("%s does not start with %q", f, c.magic)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "returnee.csv")); err == nil {
			t.Errorf("--format %s also wrote CSVs", c.format)
		}
	}
	if code, _, stderr := runMain(t, "export", "--db", db, "--out", t.TempDir(), "--format", "por"); code != 2 || !strings.Contains(stderr, "--format must be") {
		t.Errorf("--format por: exit %d, %s", code, stderr)
	}
}
