package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
	"sira/survey"
	"sira/survey/vault"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// applicationID marks a Sira database in the SQLite header (PRAGMA application_id): "SIRA".
const applicationID = 0x53495241

// DefaultMaxAttachment is the attachment size cap when Options leaves it zero.
const DefaultMaxAttachment = 20 << 20

// ErrNewerSchema: the database was written by a newer Sira whose schema this
// binary does not know. The file is left untouched; errors.As a *SchemaError
// for the versions.
var ErrNewerSchema = errors.New("database is from a newer version of Sira")

// ErrNotDatabase: the file is not a Sira SQLite database (not SQLite at all,
// corrupt, or another program's database). The file is left untouched.
var ErrNotDatabase = errors.New("not a Sira database")

// SchemaError reports a database schema newer than this binary's.
type SchemaError struct {
	Path  string
	Found int // the database's schema version
	Known int // the newest version this binary knows
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s: schema version %d is newer than this Sira knows (%d): upgrade Sira; the file was not changed", e.Path, e.Found, e.Known)
}

// Is makes errors.Is(err, ErrNewerSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrNewerSchema }

// Options tunes a Store; the zero value is the production configuration.
type Options struct {
	// Now is the clock (time.Now when nil), injected so tests control time.
	Now func() time.Time
	// MaxAttachment caps an attachment's size in bytes (DefaultMaxAttachment when 0).
	MaxAttachment int64
	// Logger receives operational messages (slog.Default when nil). Answers are never logged.
	Logger *slog.Logger
	// BulkLoad opens the database with synchronous=NORMAL instead of FULL:
	// in WAL mode a commit then survives a crash of the process but not a
	// power cut, and the WAL is fsynced only at checkpoints. For sira
	// simulate, whose output can be generated again; never for collection,
	// where each autosave must survive a flat battery.
	BulkLoad bool
	// Exclusive takes an operating-system lock on a file beside the
	// database (path + ".lock") for as long as the Store is open, so that
	// a second collector on the same database refuses to start
	// (ErrInUse). A killed process's lock is released by the system.
	Exclusive bool
	// KDF overrides the argon2id parameters of new PIN-wrapped keys
	// (vault.Default when zero): for tests only, which would otherwise
	// spend 64 MiB and a fraction of a second on every sign-in.
	KDF vault.Params
}

// Store is the SQLite implementation of survey.Store.
type Store struct {
	// gate is held shared by every use of db, and exclusively by the
	// upgrade while it swaps the encrypted file in and reopens db.
	gate   sync.RWMutex
	db     *sql.DB
	dsn    string
	path   string
	now    func() time.Time
	maxAtt int64
	log    *slog.Logger
	lock   *fileLock // Options.Exclusive
	argon  vault.Params

	kmu  sync.RWMutex
	keys map[string]*vault.Key // unlocked data keys by lower-case enumerator id
	raw  map[string][]byte     // the same keys' bytes, for recovery copies
}

// enter holds the gate shared; call the returned function to release it.
func (s *Store) enter() func() {
	s.gate.RLock()
	return s.gate.RUnlock
}

var _ survey.Store = (*Store)(nil)

// migrations returns the embedded migrations in version order.
func migrations() ([]migrate.Migration, error) {
	return migrate.Load(migrationFS, "migrations")
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// Open opens (creating it if missing) the database at path and brings its
// schema up to date. A file that is not a Sira database, is corrupt, or has a
// newer schema is refused with ErrNotDatabase or ErrNewerSchema and left
// byte-for-byte as it was: nothing is written before those checks pass.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open database %s: path must not contain ? or #", path)
	}
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	if err := finishSwap(path); err != nil {
		return nil, err
	}
	current, err := probe(ctx, path, len(ms))
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); current < 0 {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	var lock *fileLock
	if opts.Exclusive {
		if lock, err = acquire(path); err != nil {
			return nil, err
		}
	}
	sync := "FULL"
	if opts.BulkLoad {
		sync = "NORMAL"
	}
	// secure_delete: freed content is overwritten; temp_store: sorts and
	// temporary tables stay in memory, never in a temporary file.
	dsn := path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")" +
		"&_pragma=busy_timeout(10000)&_pragma=secure_delete(1)&_pragma=temp_store(2)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, dsn: dsn, path: path, now: opts.Now, maxAtt: opts.MaxAttachment, log: opts.Logger, argon: opts.KDF,
		keys: map[string]*vault.Key{}, raw: map[string][]byte{}, lock: lock}
	if s.argon == (vault.Params{}) {
		s.argon = vault.Default
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxAtt <= 0 {
		s.maxAtt = DefaultMaxAttachment
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.migrate(ctx, ms); err != nil {
		db.Close()
		lock.release()
		return nil, err
	}
	return s, nil
}

// Close forgets the data keys, closes the database and releases its lock
// (Options.Exclusive).
func (s *Store) Close() error {
	s.kmu.Lock()
	for id, k := range s.raw {
		clear(k)
		delete(s.raw, id)
		delete(s.keys, id)
	}
	s.kmu.Unlock()
	s.gate.Lock()
	defer s.gate.Unlock()
	err := s.db.Close()
	if lerr := s.lock.release(); err == nil && lerr != nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// probe inspects an existing file read-only and returns its schema version:
// -1 when the file does not exist or is empty (a new database), 0 for a
// Sira database with no migration applied. It refuses anything else.
func probe(ctx context.Context, path string, known int) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open database %s: %w", path, err)
	}
	head := make([]byte, 100)
	n, err := io.ReadFull(f, head)
	f.Close()
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return -1, nil
	case err != nil && err != io.ErrUnexpectedEOF:
		return 0, fmt.Errorf("read database %s: %w", path, err)
	case n < 100 || !bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return 0, fmt.Errorf("%w: %s is not an SQLite database; the file was not changed", ErrNotDatabase, path)
	}

	// Read-only, so that a refused database is not written to, not even by a
	// checkpoint when the connection closes.
	db, err := sql.Open("sqlite", roURI(path)+"&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	var quick string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&quick); err != nil {
		return 0, fmt.Errorf("%w: %s is unreadable or corrupt (%v); the file was not changed", ErrNotDatabase, path, err)
	}
	if quick != "ok" {
		return 0, fmt.Errorf("%w: %s is corrupt (%s); the file was not changed", ErrNotDatabase, path, quick)
	}
	ours, fresh, err := migrate.Owner(ctx, db, applicationID)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrNotDatabase, path, err)
	}
	if !ours {
		if fresh {
			return -1, nil // an empty SQLite database: ours to initialise
		}
		return 0, fmt.Errorf("%w: %s is another program's SQLite database; the file was not changed", ErrNotDatabase, path)
	}
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: read schema version: %v", ErrNotDatabase, path, err)
	}
	if v > known {
		return v, &SchemaError{Path: path, Found: v, Known: known}
	}
	return v, nil
}

// roURI returns a read-only SQLite URI for path, valid on Windows too.
func roURI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	p := filepath.ToSlash(abs)
	if runtime.GOOS == "windows" && !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x → /C:/x
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String() + "?mode=ro"
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_version row. The first also creates
// schema_version and stamps the application id, so a crash mid-way leaves
// either an empty database or a version-1 one.
func (s *Store) migrate(ctx context.Context, ms []migrate.Migration) error {
	start, err := schemaVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	err = migrate.Apply(ctx, s.db, ms, migrate.Book{
		Table:   "schema_version",
		Applied: func() any { return s.now().UnixNano() },
		Init: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_version (
				version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL) STRICT`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(applicationID))
			return err
		},
		Before: func(ctx context.Context, from int, m migrate.Migration) {
			// A new database is not news; upgrading an existing one is.
			lvl := slog.LevelInfo
			if start == 0 {
				lvl = slog.LevelDebug
			}
			s.log.Log(ctx, lvl, "migrating database", "path", s.path, "from", from, "to", m.Version, "migration", m.Name)
		},
	})
	// A newer binary may have migrated between probe and here.
	var newer *migrate.NewerError
	if errors.As(err, &newer) {
		return &SchemaError{Path: s.path, Found: newer.Found, Known: newer.Known}
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	return nil
}

// schemaVersion returns the applied schema version, 0 when none.
func schemaVersion(ctx context.Context, q migrate.Querier) (int, error) {
	return migrate.Version(ctx, q, "schema_version")
}

// tx runs fn in an immediate transaction and commits it.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	defer s.enter()()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// nanos encodes a time for storage; the zero time is NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos decodes nanos.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}
