package dashboard

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
	"sira/survey"
	"sira/sync/wire"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// OpenDB opens the intake's database file at path for the dashboard's own
// tables, applying the dashboard migrations it lacks. It is a second
// connection pool on the same WAL file as the intake store. A database a
// newer dashboard migrated is refused, untouched, with an error wrapping
// *migrate.NewerError.
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
// transaction together with its row in dashboard_schema (applied as
// RFC 3339 UTC text). db must begin write transactions immediately
// (_txlock=immediate, as OpenDB's DSN does). A database whose recorded
// version is newer than this binary's migrations is refused with an error
// wrapping *migrate.NewerError, and nothing is written to it.
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("dashboard %w", err)
	}
	err = migrate.Apply(ctx, db, ms, migrate.Book{
		Table:   "dashboard_schema",
		Applied: func() any { return stamp(time.Now()) },
		// The table is created with version 1, so that opening an
		// up-to-date or a newer database writes nothing.
		Init: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS dashboard_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`); err != nil {
				return fmt.Errorf("dashboard schema table: %w", err)
			}
			return nil
		},
	})
	var newer *migrate.NewerError
	if errors.As(err, &newer) {
		return fmt.Errorf("dashboard schema: %w", err)
	}
	if err != nil {
		return fmt.Errorf("dashboard %w", err) // "dashboard migration NNNN_name.sql: …"
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
