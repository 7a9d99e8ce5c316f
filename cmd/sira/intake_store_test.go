package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// intakePostgres returns a DSN whose search_path is a fresh schema, dropped
// at the end of the test. It skips when PostgreSQL is unreachable, and fails
// instead when CI=true.
func intakePostgres(t *testing.T) string {
	t.Helper()
	d := os.Getenv("SIRA_TEST_POSTGRES")
	if d == "" {
		d = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL (SIRA_TEST_POSTGRES) is unreachable and CI=true: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (%v): set SIRA_TEST_POSTGRES to a test database to run this test", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "sira_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, d)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(d)
	if err != nil {
		t.Fatalf("SIRA_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestIntakePostgres runs the intake commands with --db naming a
// PostgreSQL database: tokens, publishing, importing and the counters.
func TestIntakePostgres(t *testing.T) {
	db := intakePostgres(t)
	dir := t.TempDir()
	t.Chdir(dir) // a DSN mistaken for a path would create a file here
	code, out, errs := runMain(t, "intake", "token", "create", "--db", db, "--enumerator", "awa")
	if code != 0 || !strings.Contains(out, "sira_") {
		t.Fatalf("token create: exit %d: %s %s", code, out, errs)
	}
	if code, out, errs := runMain(t, "intake", "token", "list", "--db", db); code != 0 || !strings.Contains(out, "awa") {
		t.Fatalf("token list: exit %d: %s %s", code, out, errs)
	}

	f := wiretest.Form("1")
	body, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	formPath := filepath.Join(dir, "form.json")
	if err := os.WriteFile(formPath, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runMain(t, "intake", "form", "publish", "--db", db, formPath); code != 0 || !strings.Contains(out, "published") {
		t.Fatalf("publish: exit %d: %s %s", code, out, errs)
	}
	c, err := wire.NewCodec(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := c.Encode(nil, wiretest.Interviews(f, 12, 5, "awa", "dev1"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "batch.sira")
	writeCarriedFile(t, db, file, "dev1", "awa", fr)
	for round, want := range []wire.ReceiptStatus{wire.Stored, wire.Duplicate} {
		code, out, errs := runMain(t, "intake", "import", "--db", db, "--json", file)
		if code != 0 {
			t.Fatalf("import %d: exit %d: %s", round, code, errs)
		}
		var res intake.ImportResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Counts[want] != 12 {
			t.Errorf("import %d: counts %v, want 12 %s", round, res.Counts, want)
		}
	}
	code, out, errs = runMain(t, "intake", "stats", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errs)
	}
	var st intake.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Submissions != 12 || st.Interviews != 12 || st.Duplicates != 12 || st.Batches != 2 {
		t.Errorf("stats %+v", st)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the commands left %d files in the working directory, want the form and the batch", len(ents))
	}
}
