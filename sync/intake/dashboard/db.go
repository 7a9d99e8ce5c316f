package dashboard

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/survey"
	"sira/sync/wire"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// OpenDB opens the intake's database file at path for the dashboard's own
// tables, applying the dashboard migrations it lacks. It is a second
// connection pool on the same WAL file as the intake store.
func OpenDB(ctx context.Context, path string) (*sql.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open dashboard database %q: bad path", path)
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open dashboard database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open dashboard database %s: %w", path, err)
	}
	return db, nil
}

// Migrate applies the dashboard migrations db lacks, each in its own
// transaction, recording them in dashboard_schema.
func Migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS dashboard_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("dashboard schema table: %w", err)
	}
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("read dashboard migrations: %w", err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for i, e := range ents {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return fmt.Errorf("dashboard migration %s: expected version %d", e.Name(), i+1)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM dashboard_schema WHERE version = ?`, v).Scan(&n); err != nil {
			return fmt.Errorf("dashboard migration %s: %w", e.Name(), err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return err
		}
		if err := inTx(ctx, db, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO dashboard_schema (version, name, applied) VALUES (?, ?, ?)`, v, e.Name(), stamp(time.Now()))
			return err
		}); err != nil {
			return fmt.Errorf("dashboard migration %s: %w", e.Name(), err)
		}
	}
	return nil
}

func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// errNoRows reports whether err is sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// sortStamp is a fixed-width UTC time that sorts as text (RFC 3339 with
// milliseconds): used for the projection's started and received columns.
func sortStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// decodeBody decodes a stored submission body: wire.MarshalInterview's
// encoding, or JSON as the first intake databases stored it.
func decodeBody(b []byte) (*survey.Interview, error) {
	return DecodeBody(b)
}

// DecodeBody decodes a stored submission body, JSON or the wire's binary
// interview record: `sira export` and `sira report` read the intake's
// submissions table directly and must accept both.
func DecodeBody(b []byte) (*survey.Interview, error) {
	if len(b) > 0 && b[0] == '{' {
		iv := new(survey.Interview)
		if err := json.Unmarshal(b, iv); err != nil {
			return nil, err
		}
		return iv, nil
	}
	iv, _, err := wire.UnmarshalInterview(b)
	return iv, err
}
