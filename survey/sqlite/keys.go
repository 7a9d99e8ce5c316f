package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"sira/survey"
	"sira/survey/vault"
)

// enrolmentKey is the setting holding the laptop's enrolment (JSON, see
// survey/SECURITY.md, "Who may use the laptop"), written by enrolment.
const enrolmentKey = "enrolment"

// upgradeKey is the setting migration 3 leaves on a database that held
// data in clear; the upgrade (upgrade.go) removes it.
const upgradeKey = "vault.upgrade"

// enrolment is the part of the enrolment setting the store reads.
type enrolment struct {
	Recipient   string `json:"recipient"`
	Enumerators []struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	} `json:"enumerators"`
}

func (e *enrolment) has(id string) bool {
	for _, m := range e.Enumerators {
		if norm(m.ID) == id {
			return true
		}
	}
	return false
}

// pinAD is the associated data of a PIN-wrapped data key.
func pinAD(id string) []byte { return []byte("sira/v1\x00pin\x00" + id) }

// ownerAD is the associated data of a data key wrapped under another
// enumerator's at the upgrade.
func ownerAD(id string) []byte { return []byte("sira/v1\x00owner\x00" + id) }

// enrolment returns the laptop's enrolment, nil when never enrolled.
func (s *Store) enrolment(ctx context.Context) (*enrolment, error) {
	v, err := s.Setting(ctx, enrolmentKey)
	if errors.Is(err, survey.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var e enrolment
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return nil, fmt.Errorf("setting %s: %w", enrolmentKey, err)
	}
	return &e, nil
}

// keyRow is an enumerator's row of the keys table.
type keyRow struct {
	found                      bool
	pinWrap, legacy, ownerWrap []byte
	public, reset, recovery    []byte
	owner, recipient           string
}

func (s *Store) keyRow(ctx context.Context, id string) (keyRow, error) {
	var r keyRow
	var owner, recipient sql.NullString
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT pin_wrap, legacy, owner, owner_wrap, public, reset, recovery, recipient
			FROM keys WHERE enumerator = ?`, id).Scan(&r.pinWrap, &r.legacy, &owner, &r.ownerWrap, &r.public, &r.reset, &r.recovery, &recipient)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("keys of %s: %w", id, err)
	}
	r.found, r.owner, r.recipient = true, owner.String, recipient.String
	return r, nil
}

// Unlock implements survey.Store. The argon2id derivation runs outside any
// transaction so that signing in does not block autosaves.
func (s *Store) Unlock(ctx context.Context, enumerator, pin string) error {
	id := norm(enumerator)
	if id == "" {
		return errors.New("sign in: empty enumerator id")
	}
	enr, err := s.enrolment(ctx)
	if err != nil {
		return fmt.Errorf("sign in %s: %w", id, err)
	}
	if enr != nil && !enr.has(id) {
		return fmt.Errorf("sign in %s: %w", id, survey.ErrNotEnrolled)
	}
	for range 2 {
		r, err := s.keyRow(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case r.pinWrap != nil:
			w, err := vault.Unprotect(r.pinWrap)
			if err != nil {
				return fmt.Errorf("sign in %s: %w", id, err)
			}
			dk, err := vault.Unwrap(w, pin, pinAD(id))
			if errors.Is(err, vault.ErrWrongSecret) {
				return fmt.Errorf("sign in %s: %w", id, survey.ErrWrongPIN)
			}
			if err != nil {
				return fmt.Errorf("sign in %s: %w", id, err)
			}
			return s.opened(ctx, id, dk, pin, r.public == nil)
		case r.legacy != nil:
			// Wrapped at the upgrade under this enumerator's old PIN hash.
			dk, err := vault.Unwrap(r.legacy, pin, pinAD(id))
			if errors.Is(err, vault.ErrWrongSecret) {
				return fmt.Errorf("sign in %s: %w", id, survey.ErrWrongPIN)
			}
			if err != nil {
				return fmt.Errorf("sign in %s: %w", id, err)
			}
			return s.opened(ctx, id, dk, pin, true)
		case r.owner != "":
			// Interviews without an account, kept at the upgrade for the
			// enumerator who signed in then.
			s.kmu.RLock()
			ok := s.keys[r.owner]
			s.kmu.RUnlock()
			if ok == nil {
				return fmt.Errorf("sign in %s: this id's interviews were sealed for %s at the upgrade: %s signs in first: %w", id, r.owner, r.owner, survey.ErrLocked)
			}
			if !vault.CheckPIN(pin) {
				return fmt.Errorf("set PIN for %s: %w", id, survey.ErrBadPIN)
			}
			dk, err := ok.Open(nil, r.ownerWrap, ownerAD(id))
			if err != nil {
				return fmt.Errorf("sign in %s: key kept by %s: %w", id, r.owner, err)
			}
			return s.opened(ctx, id, dk, pin, true)
		case r.found:
			return fmt.Errorf("sign in %s: no key on this laptop (only a PIN reset package): %w", id, survey.ErrWrongPIN)
		}
		created, err := s.createAccount(ctx, id, pin)
		if err != nil {
			return err
		}
		if created != nil {
			return s.opened(ctx, id, created, pin, false)
		}
		// Someone created it meanwhile: open theirs.
	}
	return fmt.Errorf("sign in %s: account changing concurrently", id)
}

// createAccount makes an enumerator's data key, wrapped under pin: a new
// local account, or the first sign-in after the upgrade of an enumerator
// with a pre-upgrade PIN (checked against its hash). It returns nil, nil
// when another caller created the account first.
func (s *Store) createAccount(ctx context.Context, id, pin string) ([]byte, error) {
	var legacy string
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT pin_hash FROM enumerators WHERE id = ? COLLATE NOCASE AND pin_hash <> '' ORDER BY id LIMIT 1", id).Scan(&legacy)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if !vault.CheckPIN(pin) {
			return nil, fmt.Errorf("set PIN for %s: %w", id, survey.ErrBadPIN)
		}
	case err != nil:
		return nil, fmt.Errorf("sign in %s: %w", id, err)
	default:
		ok, err := verifyPIN(legacy, pin)
		if err != nil {
			return nil, fmt.Errorf("sign in %s: %w", id, err)
		}
		if !ok {
			return nil, fmt.Errorf("sign in %s: %w", id, survey.ErrWrongPIN)
		}
	}
	dk, err := vault.NewKey()
	if err != nil {
		return nil, err
	}
	w, err := s.wrapPIN(dk, id, pin)
	if err != nil {
		return nil, err
	}
	pub, err := vault.Public(dk)
	if err != nil {
		return nil, err
	}
	var n int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO keys (enumerator, pin_wrap, public, updated) VALUES (?, ?, ?, ?)",
			id, w, pub, s.now().UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create account %s: %w", id, err)
	}
	if n == 0 {
		return nil, nil
	}
	return dk, nil
}

// wrapPIN wraps a data key under pin, with the platform's protection.
func (s *Store) wrapPIN(dk []byte, id, pin string) ([]byte, error) {
	w, err := vault.Wrap(dk, pin, s.argon, pinAD(id))
	if err != nil {
		return nil, fmt.Errorf("wrap key of %s: %w", id, err)
	}
	return vault.Protect(w)
}

// opened finishes a sign-in with the data key: with rewrap, it wraps it
// under pin (a legacy, kept or reset key) and clears the other wraps;
// then it encrypts a database left in clear by an older Sira, keeps the
// key in memory and writes the office's recovery copy.
func (s *Store) opened(ctx context.Context, id string, dk []byte, pin string, rewrap bool) error {
	k, err := vault.FromBytes(dk)
	if err != nil {
		return err
	}
	if rewrap {
		w, err := s.wrapPIN(dk, id, pin)
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE keys SET pin_wrap = ?, public = ?, legacy = NULL, owner = NULL,
				owner_wrap = NULL, reset = NULL, updated = ? WHERE enumerator = ?`, w, k.Public(), s.now().UnixNano(), id)
			return err
		})
		if err != nil {
			return fmt.Errorf("sign in %s: %w", id, err)
		}
	}
	if err := s.upgradeIfNeeded(ctx, id, k); err != nil {
		return err
	}
	s.kmu.Lock()
	s.keys[id], s.raw[id] = k, dk
	s.kmu.Unlock()
	if err := s.supervise(ctx, id, k, dk); err != nil {
		return err
	}
	return s.writeRecoveries(ctx)
}

// Lock implements survey.Store.
func (s *Store) Lock(enumerator string) {
	id := norm(enumerator)
	s.kmu.Lock()
	defer s.kmu.Unlock()
	clear(s.raw[id])
	delete(s.raw, id)
	delete(s.keys, id)
}

// CheckPIN implements survey.Store.
func (s *Store) CheckPIN(ctx context.Context, enumerator, pin string) (bool, error) {
	err := s.Unlock(ctx, enumerator, pin)
	if errors.Is(err, survey.ErrWrongPIN) {
		return false, nil
	}
	return err == nil, err
}

// SetPIN implements survey.Store.
func (s *Store) SetPIN(ctx context.Context, enumerator, pin string) error {
	id := norm(enumerator)
	if id == "" {
		return errors.New("set PIN: empty enumerator id")
	}
	if !vault.CheckPIN(pin) {
		return fmt.Errorf("set PIN for %s: %w", id, survey.ErrBadPIN)
	}
	s.kmu.RLock()
	dk := s.raw[id]
	s.kmu.RUnlock()
	if dk == nil {
		r, err := s.keyRow(ctx, id)
		if err != nil {
			return err
		}
		if r.found {
			return fmt.Errorf("set PIN for %s: sign in first: %w", id, survey.ErrLocked)
		}
		return s.Unlock(ctx, enumerator, pin)
	}
	w, err := s.wrapPIN(dk, id, pin)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE keys SET pin_wrap = ?, updated = ? WHERE enumerator = ?", w, s.now().UnixNano(), id)
		if err != nil {
			return fmt.Errorf("set PIN for %s: %w", id, err)
		}
		return nil
	})
}

// Accounts lists the enumerators who can sign in on this laptop (with a
// PIN, or a PIN from before the upgrade), in lower case.
func (s *Store) Accounts(ctx context.Context) ([]string, error) {
	var out []string
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT enumerator FROM keys WHERE pin_wrap IS NOT NULL OR legacy IS NOT NULL OR owner IS NOT NULL
			UNION SELECT lower(id) FROM enumerators WHERE pin_hash <> '' ORDER BY 1`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return out, nil
}

// HasAccount reports whether enumerator can sign in on this laptop with an
// existing PIN (false: the first sign-in creates the account).
func (s *Store) HasAccount(ctx context.Context, enumerator string) (bool, error) {
	as, err := s.Accounts(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a == norm(enumerator) {
			return true, nil
		}
	}
	return false, nil
}
