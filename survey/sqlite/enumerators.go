package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"

	"sira/survey"
	"sira/survey/vault"
)

// The PIN hashes of schema versions 1 and 2 (argon2id, 19 MiB, 2 passes):
// the upgrade turns them into wrapped data keys (keys.go) and clears them.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// verifyPIN checks pin against an encoded hash, with the parameters stored in it.
func verifyPIN(encoded, pin string) (bool, error) {
	h, err := parsePINHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pin), h.salt, h.p.Time, h.p.Memory, h.p.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1, nil
}

// pinHash is a decoded pre-upgrade PIN hash: key = argon2id(PIN, salt, p).
type pinHash struct {
	p         vault.Params
	salt, key []byte
}

func parsePINHash(encoded string) (pinHash, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return pinHash{}, errors.New("unknown PIN hash format")
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return pinHash{}, fmt.Errorf("PIN hash version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return pinHash{}, fmt.Errorf("PIN hash parameters %q: %w", parts[3], err)
	}
	// Bounds, so that a tampered row cannot make sign-in allocate gigabytes or spin.
	if m < 8 || m > 256*1024 || t < 1 || t > 16 || p < 1 || p > 16 {
		return pinHash{}, fmt.Errorf("PIN hash parameters %q out of range", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return pinHash{}, fmt.Errorf("PIN hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return pinHash{}, fmt.Errorf("PIN hash: bad key (%d bytes, %v)", len(want), err)
	}
	return pinHash{p: vault.Params{Time: t, Memory: m, Threads: p}, salt: salt, key: want}, nil
}

const deviceKey = "device_id"

// DeviceID implements survey.Store.
func (s *Store) DeviceID(ctx context.Context) (string, error) {
	var id string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = deviceID(ctx, tx)
		return err
	})
	return id, err
}

// deviceID reads the device id, creating it inside tx on first use.
func deviceID(ctx context.Context, tx *sql.Tx) (string, error) {
	if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", deviceKey, uuid.NewString()); err != nil {
		return "", fmt.Errorf("device id: %w", err)
	}
	var id string
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", deviceKey).Scan(&id); err != nil {
		return "", fmt.Errorf("device id: %w", err)
	}
	return id, nil
}

// Setting implements survey.Store.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	defer s.enter()()
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", key, survey.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting implements survey.Store. The device id cannot be set: it
// identifies this database to the server for life.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if key == "" || key == deviceKey {
		return fmt.Errorf("set setting %q: reserved or empty key", key)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	if key == enrolmentKey {
		// A (new) office recipient: recovery copies for it now.
		return s.writeRecoveries(ctx)
	}
	return nil
}
