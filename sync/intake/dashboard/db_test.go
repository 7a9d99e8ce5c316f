package dashboard_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
	"sira/sync/intake/dashboard"
)

// schemaDDL is the dashboard_schema table as every dashboard so far has
// created it; databases in the field carry it, so it must not change.
const schemaDDL = `CREATE TABLE dashboard_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`

// appliedRE is the applied column's format: RFC 3339 in UTC with up to
// nanoseconds, as the first dashboards wrote it.
var appliedRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)

type schemaRow struct {
	Version int
	Name    string
	Applied string
}

// migrationNames lists the embedded migrations from the package's folder.
func migrationNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no migrations in migrations/")
	}
	return names
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func schemaRows(t *testing.T, db *sql.DB) (ddl string, rows []schemaRow) {
	t.Helper()
	ctx := context.Background()
	if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'dashboard_schema'`).Scan(&ddl); err != nil {
		t.Fatalf("dashboard_schema's definition: %v", err)
	}
	rs, err := db.QueryContext(ctx, `SELECT version, name, applied FROM dashboard_schema ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var r schemaRow
		if err := rs.Scan(&r.Version, &r.Name, &r.Applied); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return ddl, rows
}

// TestOpenDBSchemaRows: a new database records each migration in
// dashboard_schema exactly as the dashboards already in the field do, so
// that their databases and new ones stay one format.
func TestOpenDBSchemaRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "intake.db")
	before := time.Now().UTC().Add(-time.Second)
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ddl, rows := schemaRows(t, db)
	db.Close()
	after := time.Now().UTC().Add(time.Second)

	if got, want := ddl, schemaDDL; got != want {
		t.Errorf("dashboard_schema is\n%s\nwant\n%s", got, want)
	}
	names := migrationNames(t)
	if len(rows) != len(names) {
		t.Fatalf("dashboard_schema has %d rows %+v, want one per migration %v", len(rows), rows, names)
	}
	for i, r := range rows {
		if r.Version != i+1 || r.Name != names[i] {
			t.Errorf("row %d = (%d, %q), want (%d, %q)", i, r.Version, r.Name, i+1, names[i])
		}
		if !appliedRE.MatchString(r.Applied) {
			t.Errorf("row %d applied = %q, want RFC 3339 UTC text", i, r.Applied)
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, r.Applied)
		if err != nil || at.Before(before) || at.After(after) {
			t.Errorf("row %d applied = %q (%v), want a time between %v and %v", i, r.Applied, err, before, after)
		}
	}
}

// TestOpenDBExisting: a database that earlier dashboards created (their
// dashboard_schema table and rows, built here by hand from the same
// migrations) opens, and its recorded rows are left as they were.
func TestOpenDBExisting(t *testing.T) {
	ctx := context.Background()
	names := migrationNames(t)
	tests := []struct {
		name    string
		applied int // how many migrations the old dashboard had applied
	}{
		{"AllApplied", len(names)},
		{"FirstOnly", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "intake.db")
			raw := rawDB(t, path)
			if _, err := raw.ExecContext(ctx, strings.Replace(schemaDDL, "CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)); err != nil {
				t.Fatal(err)
			}
			var old []schemaRow
			for i, n := range names[:tt.applied] {
				body, err := os.ReadFile(filepath.Join("migrations", n))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := raw.ExecContext(ctx, string(body)); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				r := schemaRow{i + 1, n, time.Date(2026, 3, 1, 8, i, 0, 123456789, time.UTC).Format(time.RFC3339Nano)}
				if _, err := raw.ExecContext(ctx, `INSERT INTO dashboard_schema (version, name, applied) VALUES (?, ?, ?)`, r.Version, r.Name, r.Applied); err != nil {
					t.Fatal(err)
				}
				old = append(old, r)
			}
			raw.Close()

			db, err := dashboard.OpenDB(ctx, path)
			if err != nil {
				t.Fatalf("OpenDB of an existing database: %v", err)
			}
			defer db.Close()
			ddl, rows := schemaRows(t, db)
			if ddl != schemaDDL {
				t.Errorf("dashboard_schema is now\n%s\nwant\n%s", ddl, schemaDDL)
			}
			if len(rows) != len(names) {
				t.Fatalf("dashboard_schema has %d rows %+v, want %d", len(rows), rows, len(names))
			}
			for i, r := range old {
				if rows[i] != r {
					t.Errorf("row %d = %+v, want it kept as %+v", i, rows[i], r)
				}
			}
			for i, r := range rows[len(old):] {
				if r.Version != len(old)+i+1 || r.Name != names[len(old)+i] || !appliedRE.MatchString(r.Applied) {
					t.Errorf("new row %+v, want version %d %q with an RFC 3339 UTC time", r, len(old)+i+1, names[len(old)+i])
				}
			}
			// The tables of the migrations applied now are usable.
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM dash_users`).Scan(&n); err != nil {
				t.Errorf("dash_users after OpenDB: %v", err)
			}
		})
	}
}

// TestOpenDBNewer: a database a newer dashboard migrated is refused with
// *migrate.NewerError, and its file is left byte for byte as it was.
func TestOpenDBNewer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "intake.db")
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	known := len(migrationNames(t))
	if _, err := db.ExecContext(ctx, `INSERT INTO dashboard_schema (version, name, applied) VALUES (?, ?, ?)`,
		known+1, "9999_future.sql", time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	want := fileBytes(t, path)

	db, err = dashboard.OpenDB(ctx, path)
	if err == nil {
		db.Close()
		t.Fatal("OpenDB of a newer database succeeded")
	}
	var newer *migrate.NewerError
	if !errors.As(err, &newer) || newer.Found != known+1 || newer.Known != known {
		t.Fatalf("OpenDB of a newer database: %v; want *migrate.NewerError{%d, %d}", err, known+1, known)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if !bytes.Equal(fileBytes(t, path), want) {
		t.Error("OpenDB changed the file of a database it refused")
	}
	if wal, err := os.ReadFile(path + "-wal"); err == nil && len(wal) > 0 {
		t.Errorf("OpenDB left a %d-byte WAL beside a database it refused", len(wal))
	}
}

// fileBytes reads a database file whole, with no connection open on it.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
