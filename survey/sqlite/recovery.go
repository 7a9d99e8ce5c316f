package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sira/survey"
	"sira/survey/vault"
)

// Recovery copies of the data keys for the office, PIN resets with the
// office's package and code, and unlocking with a key the office recovered
// (survey/SECURITY.md, "PIN reset" and "Recovery").

// writeRecoveries writes, for every unlocked data key, its recovery copy
// for the enrolment's office recipient when it has none for it yet.
func (s *Store) writeRecoveries(ctx context.Context) error {
	enr, err := s.enrolment(ctx)
	if err != nil || enr == nil || strings.TrimSpace(enr.Recipient) == "" {
		return err
	}
	s.kmu.RLock()
	raw := make(map[string][]byte, len(s.raw))
	for id, dk := range s.raw {
		raw[id] = dk
	}
	s.kmu.RUnlock()
	for id, dk := range raw {
		r, err := s.keyRow(ctx, id)
		if err != nil {
			return err
		}
		if r.recovery != nil && r.recipient == enr.Recipient {
			continue
		}
		c, err := vault.Recovery(dk, enr.Recipient)
		if err != nil {
			return fmt.Errorf("recovery copy of %s's key: %w", id, err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE keys SET recovery = ?, recipient = ?, updated = ? WHERE enumerator = ?",
				c, enr.Recipient, s.now().UnixNano(), id)
			return err
		})
		if err != nil {
			return fmt.Errorf("recovery copy of %s's key: %w", id, err)
		}
	}
	return nil
}

// RecoveryKeys implements survey.Store.
func (s *Store) RecoveryKeys(ctx context.Context) ([]survey.RecoveryKey, error) {
	if err := s.writeRecoveries(ctx); err != nil {
		return nil, err
	}
	var out []survey.RecoveryKey
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT enumerator, recovery FROM keys WHERE recovery IS NOT NULL ORDER BY enumerator")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var rk survey.RecoveryKey
			if err := rows.Scan(&rk.Enumerator, &rk.Key); err != nil {
				return err
			}
			out = append(out, rk)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("recovery keys: %w", err)
	}
	return out, nil
}

// StorePINReset implements survey.Store. Errors: ErrNotFound (no key for
// that enumerator on this laptop).
func (s *Store) StorePINReset(ctx context.Context, enumerator string, pkg []byte) error {
	id := norm(enumerator)
	if err := vault.CheckReset(pkg); err != nil {
		return fmt.Errorf("PIN reset for %s: %w", id, err)
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE keys SET reset = ?, updated = ? WHERE enumerator = ?", pkg, s.now().UnixNano(), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("PIN reset for %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("PIN reset for %s: no key for this enumerator on this laptop: %w", id, survey.ErrNotFound)
	}
	return nil
}

// ResetPIN implements survey.Store.
func (s *Store) ResetPIN(ctx context.Context, enumerator, code, newPIN string) error {
	id := norm(enumerator)
	if !vault.CheckPIN(newPIN) {
		return fmt.Errorf("reset PIN for %s: %w", id, survey.ErrBadPIN)
	}
	r, err := s.keyRow(ctx, id)
	if err != nil {
		return err
	}
	if r.reset == nil {
		return fmt.Errorf("reset PIN for %s: no reset package from the office on this laptop: %w", id, survey.ErrNotFound)
	}
	dk, err := vault.OpenReset(r.reset, id, code)
	if errors.Is(err, vault.ErrBadCode) || errors.Is(err, vault.ErrWrongSecret) {
		return fmt.Errorf("reset PIN for %s: wrong reset code: %w", id, survey.ErrWrongPIN)
	}
	if err != nil {
		return fmt.Errorf("reset PIN for %s: %w", id, err)
	}
	pub, err := vault.Public(dk)
	if err != nil {
		return err
	}
	if r.public != nil && string(pub) != string(r.public) {
		return fmt.Errorf("reset PIN for %s: the package holds another key than this laptop's (an older recovery copy?)", id)
	}
	return s.opened(ctx, id, dk, newPIN, true)
}

// UnlockRecovered unlocks an enumerator with a data key the office opened
// from its recovery copy (RecoveryKeys, vault.OpenRecovery): for sira
// recover, which reads a laptop's file at the office. The key must be the
// one the enumerator's data is sealed under. Errors: ErrNotFound (no such
// enumerator on this laptop), ErrWrongPIN (another key).
func (s *Store) UnlockRecovered(ctx context.Context, enumerator string, dataKey []byte) error {
	id := norm(enumerator)
	r, err := s.keyRow(ctx, id)
	if err != nil {
		return err
	}
	if !r.found {
		return fmt.Errorf("recover %s: %w", id, survey.ErrNotFound)
	}
	k, err := vault.FromBytes(dataKey)
	if err != nil {
		return fmt.Errorf("recover %s: %w", id, err)
	}
	if string(k.Public()) != string(r.public) {
		return fmt.Errorf("recover %s: the recovered key is not this laptop's: %w", id, survey.ErrWrongPIN)
	}
	s.kmu.Lock()
	s.keys[id], s.raw[id] = k, append([]byte(nil), dataKey...)
	s.kmu.Unlock()
	return nil
}
