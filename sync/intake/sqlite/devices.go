package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sira/sync/intake"
)

// RegisterDevice implements intake.DeviceStore.
func (s *Store) RegisterDevice(ctx context.Context, id string, key []byte, enumerators []string, at time.Time) (*intake.Device, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var have []byte
		var revoked string
		err := tx.QueryRowContext(ctx, `SELECT key, revoked FROM devices WHERE id = ?`, id).Scan(&have, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO devices (id, key, first_seen, last_seen) VALUES (?, ?, ?, ?)`,
				id, key, stamp(at), stamp(at)); err != nil {
				return err
			}
		case err != nil:
			return err
		case revoked != "":
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET key = ?, revoked = '', first_seen = ?, last_seen = ? WHERE id = ?`,
				key, stamp(at), stamp(at), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM device_enumerators WHERE device = ?`, id); err != nil {
				return err
			}
		case !bytes.Equal(have, key):
			return intake.ErrKeyConflict
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen = ? WHERE id = ?`, stamp(at), id); err != nil {
				return err
			}
		}
		for _, e := range enumerators {
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_enumerators (device, folded, enumerator) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, id, strings.ToLower(e), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("register device %s: %w", id, err)
	}
	return s.Device(ctx, id)
}

// Device implements intake.DeviceStore.
func (s *Store) Device(ctx context.Context, id string) (*intake.Device, error) {
	ds, err := s.devices(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("device %s: %w", id, intake.ErrNotFound)
	}
	return &ds[0], nil
}

// Devices implements intake.DeviceStore.
func (s *Store) Devices(ctx context.Context) ([]intake.Device, error) {
	return s.devices(ctx, "")
}

func (s *Store) devices(ctx context.Context, id string) ([]intake.Device, error) {
	q := `SELECT d.id, d.key, d.first_seen, d.last_seen, d.revoked, coalesce(e.enumerator, '')
		FROM devices d LEFT JOIN device_enumerators e ON e.device = d.id`
	var args []any
	if id != "" {
		q += ` WHERE d.id = ?`
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY d.first_seen, d.id, e.folded`, args...)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	var out []intake.Device
	for rows.Next() {
		var d intake.Device
		var first, last, revoked, enum string
		if err := rows.Scan(&d.ID, &d.Key, &first, &last, &revoked, &enum); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != d.ID {
			d.FirstSeen, d.LastSeen = parseStamp(first), parseStamp(last)
			if revoked != "" {
				d.Revoked = parseStamp(revoked)
			}
			out = append(out, d)
		}
		if enum != "" {
			out[len(out)-1].Enumerators = append(out[len(out)-1].Enumerators, enum)
		}
	}
	return out, rows.Err()
}

// TouchDevice implements intake.DeviceStore.
func (s *Store) TouchDevice(ctx context.Context, id string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen = ? WHERE id = ?`, stamp(at), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch device %s: %w", id, err)
	}
	return nil
}

// RevokeDevice implements intake.DeviceStore.
func (s *Store) RevokeDevice(ctx context.Context, id string, at time.Time) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET revoked = ? WHERE id = ? AND revoked = ''`, stamp(at), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("revoke device %s: %w", id, err)
	}
	return n == 1, nil
}

// PutRecovery implements intake.DeviceStore.
func (s *Store) PutRecovery(ctx context.Context, copies []intake.RecoveryCopy) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, c := range copies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_copies (device, folded, enumerator, copy, updated) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (device, folded) DO UPDATE SET enumerator = excluded.enumerator, copy = excluded.copy, updated = excluded.updated`,
				c.Device, strings.ToLower(c.Enumerator), c.Enumerator, c.Copy, stamp(c.Updated)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store recovery copies: %w", err)
	}
	return nil
}

// Recovery implements intake.DeviceStore.
func (s *Store) Recovery(ctx context.Context, enumerator string) ([]intake.RecoveryCopy, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT device, enumerator, copy, updated FROM recovery_copies WHERE folded = ? ORDER BY updated DESC, device`,
		strings.ToLower(enumerator))
	if err != nil {
		return nil, fmt.Errorf("recovery copies of %s: %w", enumerator, err)
	}
	defer rows.Close()
	var out []intake.RecoveryCopy
	for rows.Next() {
		var c intake.RecoveryCopy
		var updated string
		if err := rows.Scan(&c.Device, &c.Enumerator, &c.Copy, &updated); err != nil {
			return nil, fmt.Errorf("recovery copies of %s: %w", enumerator, err)
		}
		c.Updated = parseStamp(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateEnrolment implements intake.DeviceStore.
func (s *Store) CreateEnrolment(ctx context.Context, e intake.Enrolment) error {
	enums, err := json.Marshal(e.Enumerators)
	if err != nil {
		return fmt.Errorf("create enrolment: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO enrolments (id, code_hash, enumerators, created) VALUES (?, ?, ?, ?)`,
			e.ID, e.CodeHash, string(enums), stamp(e.Created))
		return err
	})
	if err != nil {
		return fmt.Errorf("create enrolment: %w", err)
	}
	return nil
}

// Enrolment implements intake.DeviceStore.
func (s *Store) Enrolment(ctx context.Context, id string) (*intake.Enrolment, error) {
	var e intake.Enrolment
	var enums, created, used string
	err := s.db.QueryRowContext(ctx, `SELECT id, code_hash, enumerators, created, used, device FROM enrolments WHERE id = ?`, id).
		Scan(&e.ID, &e.CodeHash, &enums, &created, &used, &e.Device)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("enrolment %s: %w", id, intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(enums), &e.Enumerators); err != nil {
		return nil, fmt.Errorf("enrolment %s: %w", id, err)
	}
	e.Created = parseStamp(created)
	if used != "" {
		e.Used = parseStamp(used)
	}
	return &e, nil
}

// UseEnrolment implements intake.DeviceStore.
func (s *Store) UseEnrolment(ctx context.Context, id, device string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var used, by string
		err := tx.QueryRowContext(ctx, `SELECT used, device FROM enrolments WHERE id = ?`, id).Scan(&used, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return intake.ErrNotFound
		}
		if err != nil {
			return err
		}
		if used != "" {
			if by == device {
				return nil
			}
			return intake.ErrEnrolmentUsed
		}
		_, err = tx.ExecContext(ctx, `UPDATE enrolments SET used = ?, device = ? WHERE id = ?`, stamp(at), device, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("use enrolment %s: %w", id, err)
	}
	return nil
}

// AddPINReset implements intake.DeviceStore.
func (s *Store) AddPINReset(ctx context.Context, r intake.PINReset) (int64, error) {
	var seq int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO pin_resets (folded, enumerator, device, package, created) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
			strings.ToLower(r.Enumerator), r.Enumerator, r.Device, r.Package, stamp(r.Created)).Scan(&seq)
	})
	if err != nil {
		return 0, fmt.Errorf("store PIN reset for %s: %w", r.Enumerator, err)
	}
	return seq, nil
}

// PINResets implements intake.DeviceStore.
func (s *Store) PINResets(ctx context.Context, enumerator string, after int64) ([]intake.PINReset, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, enumerator, device, package, created FROM pin_resets WHERE folded = ? AND seq > ? ORDER BY seq`,
		strings.ToLower(enumerator), after)
	if err != nil {
		return nil, fmt.Errorf("PIN resets of %s: %w", enumerator, err)
	}
	defer rows.Close()
	var out []intake.PINReset
	for rows.Next() {
		var r intake.PINReset
		var created string
		if err := rows.Scan(&r.Seq, &r.Enumerator, &r.Device, &r.Package, &created); err != nil {
			return nil, fmt.Errorf("PIN resets of %s: %w", enumerator, err)
		}
		r.Created = parseStamp(created)
		out = append(out, r)
	}
	return out, rows.Err()
}
