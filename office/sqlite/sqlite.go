// Package sqlite is the SQLite store of the office domain: the office's
// tables (office_*) in the intake's database file, migrated with their own
// version table (office_schema). On first open of a file that an older
// dashboard used (dash_* tables), its users, scopes, review decisions,
// targets, devices, decisions on pairs and audit log are copied across in
// the same transaction as the schema (see importDashboard).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
	"sira/office"
	"sira/office/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is the SQLite office.Store.
type Store struct {
	*sqlstore.Store
}

var _ office.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path and applies
// the office migrations it lacks. A file a newer Sira migrated is refused
// untouched, with an error wrapping *migrate.NewerError.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open office database %q: bad path", path)
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open office database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("office %w", err)
	}
	err = migrate.Apply(ctx, db, ms, migrate.Book{
		Table:   "office_schema",
		Applied: func() any { return sqlstore.Stamp(time.Now()) },
		Init: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS office_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`)
			return err
		},
	})
	var newer *migrate.NewerError
	if errors.As(err, &newer) {
		db.Close()
		return nil, fmt.Errorf("open office database %s: office schema: %w", path, err)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: office %w", path, err)
	}
	s := &Store{Store: sqlstore.New(db, sqlstore.Dialect{})}
	s.Ready = func(ctx context.Context) error {
		v, err := migrate.Version(ctx, db, "office_schema")
		if err != nil {
			return fmt.Errorf("office schema: %w", err)
		}
		if v < len(ms) {
			return fmt.Errorf("office schema at version %d, this binary needs %d", v, len(ms))
		}
		return nil
	}
	if err := s.Init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", path, err)
	}
	if err := importDashboard(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", path, err)
	}
	if err := importIntakeRejections(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open office database %s: %w", path, err)
	}
	return s, nil
}
