package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// DB exposes the pool to the black-box tests, to check connection pragmas.
func (s *Store) DB() *sql.DB { return s.db }

// HashLegacyPIN makes a PIN hash as schema versions 1 and 2 stored it.
func HashLegacyPIN(pin string) (string, error) { return hashPIN(pin) }

// CreateAtVersion creates a database at path with the first version
// migrations only: an older Sira's database, for the upgrade tests.
func CreateAtVersion(ctx context.Context, path string, version int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if version > len(ms) {
		return fmt.Errorf("no schema version %d", version)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	s := &Store{db: db, path: path, now: nowFunc, log: discard}
	return s.migrate(ctx, ms[:version])
}

func nowFunc() time.Time { return time.Now() }

var discard = slog.New(slog.DiscardHandler)
