package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one schema step: the SQL that takes a database from
// Version-1 to Version.
type Migration struct {
	Version int    // 1-based, from the file name's leading number
	Name    string // the file name, e.g. "0001_init.sql"; recorded in the version table
	SQL     string // the file's contents, run as one statement batch
}

// NewerError reports a database whose recorded schema version is newer than
// the migrations this binary knows: a newer Sira wrote it, and this one must
// not touch it. Stores that report it in their own terms (with a path, or
// a sentinel for errors.Is) convert it with errors.As.
type NewerError struct {
	Found int // the database's schema version
	Known int // the newest version this binary knows
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("schema version %d is newer than this Sira knows (%d): upgrade Sira", e.Found, e.Known)
}

// Load reads the migrations in dir of fsys (usually an embed.FS) and returns
// them in version order. Every entry must be named NNNN_name.sql, and the
// versions must be exactly 1..n: a gap or a version used twice is an error
// naming the file, because a schema built from a misnumbered set would
// differ from one laptop to the next.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	ms := make([]Migration, 0, len(ents))
	for _, e := range ents {
		v, ok := parseName(e.Name())
		if !ok {
			return nil, fmt.Errorf("migration %s: name must start with a version number (NNNN_name.sql)", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Version != ms[j].Version {
			return ms[i].Version < ms[j].Version
		}
		return ms[i].Name < ms[j].Name
	})
	for i, m := range ms {
		if i > 0 && ms[i-1].Version == m.Version {
			return nil, fmt.Errorf("migration %s: version %d is also %s", m.Name, m.Version, ms[i-1].Name)
		}
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// parseName returns the version of a file named NNNN_name.sql.
func parseName(name string) (int, bool) {
	num, rest, ok := strings.Cut(name, "_")
	if !ok || num == "" || strings.TrimLeft(num, "0123456789") != "" ||
		!strings.HasSuffix(rest, ".sql") || rest == ".sql" {
		return 0, false
	}
	v, err := strconv.Atoi(num)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}

// Pending returns the migrations a database at version have lacks, or a
// *NewerError when have is beyond the last of ms. For stores that run their
// own loop (the PostgreSQL intake, under its advisory lock).
func Pending(ms []Migration, have int) ([]Migration, error) {
	if have > len(ms) {
		return nil, &NewerError{Found: have, Known: len(ms)}
	}
	return ms[max(have, 0):], nil
}

// Querier is what Version reads with: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Version returns the highest version recorded in table of an SQLite
// database, 0 when the table does not exist yet (a new database).
func Version(ctx context.Context, q Querier, table string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+table).Scan(&v)
	return v, err
}

// Book describes a store's version table to Apply.
type Book struct {
	// Table is the version table, with columns (version, name, applied).
	// Stores sharing a file keep separate tables.
	Table string
	// Applied returns the value stored in the applied column (Unix
	// nanoseconds, RFC 3339 text: the store's own convention).
	Applied func() any
	// Init, when set, runs in version 1's transaction before its SQL: the
	// place to create Table and stamp the application id, so that a crash
	// leaves either an untouched file or a whole version 1.
	Init func(ctx context.Context, tx *sql.Tx) error
	// Before, when set, is called in each migration's transaction just
	// before it runs, with the version the database is at (for logging).
	Before func(ctx context.Context, from int, m Migration)
}

// Apply brings an SQLite database up to the last of ms: each migration it
// lacks runs in its own transaction together with its row in b.Table. The
// version is read again inside each transaction, so db must begin write
// transactions immediately (a DSN with _txlock=immediate): two processes
// opening one file together then apply each version once.
//
// Apply returns a *NewerError, having written nothing, when the database
// records a version beyond ms, also when a newer binary migrated it while
// Apply ran. Other errors name the migration that failed.
func Apply(ctx context.Context, db *sql.DB, ms []Migration, b Book) error {
	for _, m := range ms {
		if err := applyOne(ctx, db, m, b); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	v, err := Version(ctx, db, b.Table)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(ms) {
		return &NewerError{Found: v, Known: len(ms)}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, m Migration, b Book) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	have, err := Version(ctx, tx, b.Table)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have >= m.Version {
		return nil
	}
	if b.Before != nil {
		b.Before(ctx, have, m)
	}
	if m.Version == 1 && b.Init != nil {
		if err := b.Init(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+b.Table+" (version, name, applied) VALUES (?, ?, ?)",
		m.Version, m.Name, b.Applied()); err != nil {
		return err
	}
	return tx.Commit()
}

// Owner reads the application id in an SQLite database's header, which
// each Sira store stamps with its own, and reports whether the database is
// the store's (ours: its id is id) or fresh (no id and no schema object at
// all: a file created empty, the store's to initialise). Neither means
// another program's database, or another Sira store's: stores refuse it
// in their own words, leaving it untouched.
func Owner(ctx context.Context, q Querier, id int) (ours, fresh bool, err error) {
	var have, objects int
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&have); err != nil {
		return false, false, err
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return false, false, err
	}
	return have == id, have == 0 && objects == 0, nil
}
