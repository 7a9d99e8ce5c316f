package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"

	"sira/survey"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes), a fraction of a
// second on an old laptop, which is what a 4-digit PIN needs to resist
// offline guessing for longer than a stolen laptop matters.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

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

// verifyPIN checks pin against an encoded hash, with the parameters stored in it.
func verifyPIN(encoded, pin string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unknown PIN hash format")
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("PIN hash version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("PIN hash parameters %q: %w", parts[3], err)
	}
	// Bounds, so that a tampered row cannot make sign-in allocate gigabytes or spin.
	if m < 8 || m > 256*1024 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false, fmt.Errorf("PIN hash parameters %q out of range", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("PIN hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, fmt.Errorf("PIN hash: bad key (%d bytes, %v)", len(want), err)
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func checkPINRules(pin string) error {
	if n := len([]rune(pin)); n < 4 || n > 64 {
		return survey.ErrBadPIN
	}
	return nil
}

// SetPIN implements survey.Store.
func (s *Store) SetPIN(ctx context.Context, enumerator, pin string) error {
	if strings.TrimSpace(enumerator) == "" {
		return errors.New("set PIN: empty enumerator id")
	}
	if err := checkPINRules(pin); err != nil {
		return fmt.Errorf("set PIN for %s: %w", enumerator, err)
	}
	h, err := hashPIN(pin)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO enumerators (id, pin_hash, updated) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET pin_hash = excluded.pin_hash, updated = excluded.updated`, enumerator, h, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("set PIN for %s: %w", enumerator, err)
	}
	return nil
}

// CheckPIN implements survey.Store. The slow hash runs outside any
// transaction so that signing in does not block autosaves.
func (s *Store) CheckPIN(ctx context.Context, enumerator, pin string) (bool, error) {
	if strings.TrimSpace(enumerator) == "" {
		return false, errors.New("check PIN: empty enumerator id")
	}
	for range 2 {
		var stored string
		err := s.db.QueryRowContext(ctx, "SELECT pin_hash FROM enumerators WHERE id = ?", enumerator).Scan(&stored)
		if err == nil {
			ok, err := verifyPIN(stored, pin)
			if err != nil {
				return false, fmt.Errorf("check PIN for %s: %w", enumerator, err)
			}
			return ok, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("check PIN for %s: %w", enumerator, err)
		}
		// First use: this PIN becomes the enumerator's.
		if err := checkPINRules(pin); err != nil {
			return false, fmt.Errorf("set PIN for %s: %w", enumerator, err)
		}
		h, err := hashPIN(pin)
		if err != nil {
			return false, err
		}
		res, err := s.db.ExecContext(ctx, "INSERT OR IGNORE INTO enumerators (id, pin_hash, updated) VALUES (?, ?, ?)",
			enumerator, h, s.now().UnixNano())
		if err != nil {
			return false, fmt.Errorf("set PIN for %s: %w", enumerator, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return true, nil
		}
		// Someone set it meanwhile: check against theirs.
	}
	return false, fmt.Errorf("check PIN for %s: enumerator changing concurrently", enumerator)
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}
