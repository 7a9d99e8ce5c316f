package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
	"sira/sync/intake"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// applicationID marks an intake database in the SQLite header: "SIRI".
const applicationID = 0x53495249

// ErrNotIntake: the file is an SQLite database of another program (or of
// the laptop's store). It is left untouched.
var ErrNotIntake = errors.New("not a Sira intake database")

// Store is the SQLite implementation of intake.Store.
type Store struct {
	db   *sql.DB
	path string
	// wmu serialises write transactions in the process: cheaper and fairer
	// than SQLite's busy handler under concurrent batches.
	wmu sync.Mutex

	jobs       chan *ingestJob // batches for the group-commit writer
	quit       chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
}

var _ intake.Store = (*Store)(nil)

// Open opens (creating it if missing) the intake database at path and
// applies the migrations it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open intake database: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open intake database %s: path must not contain ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open intake database %s: %w", path, err)
		}
	}
	// synchronous=FULL: an acknowledged receipt survives a power cut (each
	// group commit fsyncs the WAL). Pages are 8 KiB (for new files: SQLite
	// fixes the size when it creates one, which is why page_size is in the
	// _pragma list, applied before the driver's _journal_mode): a stored
	// interview is a few KiB, and every page the WAL and the checkpoint
	// write is a system call or two; with 16 KiB pages, each interview's
	// random place in the (id, hash) index costs too much to write. 8 KiB
	// measured about a seventh faster than 4 KiB on the ingest benchmark.
	// The WAL is checkpointed every 8,000 pages (64 MiB), not SQLite's
	// 1,000: the index pages every batch touches are copied into the
	// database once per checkpoint instead of many times; the page cache
	// (32 MiB a connection) keeps them in memory between batches.
	// temp_store=MEMORY keeps the statement and savepoint journals (each
	// batch of a group commit is a savepoint) in memory: in a file, every
	// page a batch first touched cost a write system call.
	dsn := "file:" + filepath.ToSlash(path) + "?_pragma=page_size(8192)&_pragma=foreign_keys(1)&_journal_mode=WAL&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=wal_autocheckpoint(8000)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open intake database %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &Store{db: db, path: path, jobs: make(chan *ingestJob), quit: make(chan struct{}), writerDone: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open intake database %s: %w", path, err)
	}
	go s.writer()
	return s, nil
}

// Close stops the writer (batches already queued are committed first) and
// closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.writerDone
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close intake database %s: %w", s.path, err)
	}
	return nil
}

// DB returns the underlying database, for other packages' tables on the
// same file (the dashboard's users and reviews). They must use their own
// migrations table.
func (s *Store) DB() *sql.DB { return s.db }

// migrate applies missing migrations, each in its own transaction with its
// intake_schema row, so a crash leaves a whole version.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrate.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	ours, fresh, err := migrate.Owner(ctx, s.db, applicationID)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotIntake, err)
	}
	if !ours && !fresh {
		return ErrNotIntake
	}
	// A newer schema is refused (*migrate.NewerError) before anything is
	// written: the version table and the application id are created in
	// version 1's transaction, so opening an up-to-date or a newer database
	// leaves its file as it was.
	return migrate.Apply(ctx, s.db, ms, migrate.Book{
		Table:   "intake_schema",
		Applied: func() any { return stamp(time.Now()) },
		Init: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS intake_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`); err != nil {
				return fmt.Errorf("create intake_schema: %w", err)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
				return fmt.Errorf("set application id: %w", err)
			}
			return nil
		},
	})
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// write runs fn in one write transaction, serialised with other writes.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func addCounters(ctx context.Context, tx *sql.Tx, deltas map[string]int64) error {
	for name, d := range deltas {
		if d == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`, name, d); err != nil {
			return fmt.Errorf("counter %s: %w", name, err)
		}
	}
	return nil
}
