package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/argon2"
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

// hashPIN makes a pre-upgrade PIN hash (tests build old databases with it).
func hashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash PIN: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}
