package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/forms/builtin"
	"sira/office"
	opostgres "sira/office/postgres"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// TestOfficeCommandsPostgres: with SIRA_DB naming a PostgreSQL database
// (no --db), export reads the intake and the office's decisions there, and
// writes its audit line there; a connection string's password
// never appears in an error.
func TestOfficeCommandsPostgres(t *testing.T) {
	ctx := context.Background()
	db := intakePostgres(t)
	dir := t.TempDir()
	t.Chdir(dir)
	f := wiretest.Form("1")
	body, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	formPath := filepath.Join(dir, "form.json")
	if err := os.WriteFile(formPath, body, 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		e := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == "SIRA_DB" {
				return db
			}
			return ""
		}}
		return Main(ctx, e, args), out.String(), errb.String()
	}
	if code, out, errs := env("intake", "form", "publish", formPath); code != 0 {
		t.Fatalf("publish: exit %d: %s %s", code, out, errs)
	}
	c, err := wire.NewCodec(f)
	if err != nil {
		t.Fatal(err)
	}
	ivs := wiretest.Interviews(f, 6, 5, "awa", "dev1")
	fr, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "batch.sira")
	fh, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := wire.NewFileWriter(fh)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteFrame(fr); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if code, _, errs := env("intake", "import", "--legacy", file); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	of, err := opostgres.Open(ctx, db, opostgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	if _, err := of.Arrived(ctx, office.Arrival{ID: ivs[0].ID, Revision: ivs[0].Revision, Hash: ivs[0].ContentHash(), Enumerator: "awa", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := of.Approve(ctx, office.Decision{ID: ivs[0].ID, Revision: ivs[0].Revision, By: "sup", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errs := env("export", "--form", f.ID, "--out", out)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "6 interviews exported") {
		t.Errorf("export: %s", stdout)
	}
	recs := readCSV(t, filepath.Join(out, f.ID+".csv"))
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	approved := 0
	for _, r := range recs[1:] {
		if r[col["ReviewState"]] == "approved" {
			approved++
			if r[col["KEY"]] != ivs[0].ID {
				t.Errorf("approved: %s, want %s", r[col["KEY"]], ivs[0].ID)
			}
		}
	}
	if approved != 1 {
		t.Errorf("%d approved rows, want 1", approved)
	}
	// (The report reads the same rows; its mapping needs the returnee form.)
	es, err := of.AuditLog(ctx, office.AuditExport, 0, 10)
	if err != nil || len(es) != 1 || !strings.HasPrefix(es[0].User, "cli:") || es[0].Target != f.ID {
		t.Errorf("export audit lines: %+v, %v", es, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres:")); err == nil {
		t.Errorf("a DSN was taken for a file path")
	}
	// A wrong password: the error names the host and database, not the password.
	code, _, errs = runMain(t, "export", "--db", "postgres://sira:s3cret-pw@127.0.0.1:5432/nosuchdb?sslmode=disable&connect_timeout=3", "--out", out)
	if code == 0 || strings.Contains(errs, "s3cret-pw") {
		t.Errorf("bad DSN: exit %d, stderr %q", code, errs)
	}
}

// TestReportPostgres: sira report reads a PostgreSQL intake (SIRA_DB).
func TestReportPostgres(t *testing.T) {
	ctx := context.Background()
	db := intakePostgres(t)
	t.Chdir(t.TempDir())
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(ctx, db, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutForm(ctx, intake.PublishedForm{Hash: f.Hash, FormID: f.ID, Version: f.Version, Published: time.Now(), JSON: js}); err != nil {
		t.Fatal(err)
	}
	plan, _ := survey.NewPlan(f)
	rng := rand.New(rand.NewPCG(1, 2))
	var in []intake.Incoming
	for range 12 {
		iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "enq01", DeviceID: "laptop-01",
			Answers: map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes", "age": "30"}})
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, incoming(t, iv))
	}
	if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, in); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errb bytes.Buffer
	e := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "SIRA_DB" {
			return db
		}
		return ""
	}}
	if code := Main(ctx, e, []string{"report", "--form", "returnee", "--out", "r.html", "--lang", "en"}); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile("r.html")
	if err != nil || !strings.Contains(string(b), `<td id="universe">12</td>`) {
		t.Errorf("report on PostgreSQL lacks the 12 interviews (%v)", err)
	}
}
