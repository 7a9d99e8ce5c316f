package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
)

// RegisterDevice implements intake.DeviceStore. The device's row is
// locked (or, for a new device, the insert conflicts) so two tokens
// enrolling one device at once register one key.
func (s *Store) RegisterDevice(ctx context.Context, id string, key []byte, enumerators []string, at time.Time) (*intake.Device, error) {
	if !storable(append([]string{id}, enumerators...)...) {
		return nil, fmt.Errorf("register device: id or enumerator not valid UTF-8 text")
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO devices (id, key, first_seen, last_seen) VALUES ($1, $2, $3, $3)
			ON CONFLICT (id) DO NOTHING`, id, key, at); err != nil {
			return err
		}
		var have []byte
		var revoked *time.Time
		if err := tx.QueryRow(ctx, `SELECT key, revoked FROM devices WHERE id = $1 FOR UPDATE`, id).Scan(&have, &revoked); err != nil {
			return err
		}
		switch {
		case revoked != nil:
			if _, err := tx.Exec(ctx, `UPDATE devices SET key = $2, revoked = NULL, first_seen = $3, last_seen = $3 WHERE id = $1`, id, key, at); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM device_enumerators WHERE device = $1`, id); err != nil {
				return err
			}
		case !bytes.Equal(have, key):
			return intake.ErrKeyConflict
		default:
			if _, err := tx.Exec(ctx, `UPDATE devices SET last_seen = $2 WHERE id = $1`, id, at); err != nil {
				return err
			}
		}
		for _, e := range enumerators {
			if _, err := tx.Exec(ctx, `INSERT INTO device_enumerators (device, folded, enumerator) VALUES ($1, $2, $3)
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
	if !storable(id) {
		return nil, fmt.Errorf("device: %w", intake.ErrNotFound)
	}
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
	rows, _ := s.pool.Query(ctx, `SELECT d.id, d.key, d.first_seen, d.last_seen, d.revoked,
			coalesce(array_agg(e.enumerator ORDER BY e.folded) FILTER (WHERE e.enumerator IS NOT NULL), '{}')
		FROM devices d LEFT JOIN device_enumerators e ON e.device = d.id
		WHERE $1 = '' OR d.id = $1
		GROUP BY d.id ORDER BY d.first_seen, d.id`, id)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (intake.Device, error) {
		var d intake.Device
		var revoked *time.Time
		err := row.Scan(&d.ID, &d.Key, &d.FirstSeen, &d.LastSeen, &revoked, &d.Enumerators)
		d.FirstSeen, d.LastSeen = utc(d.FirstSeen), utc(d.LastSeen)
		if revoked != nil {
			d.Revoked = utc(*revoked)
		}
		if len(d.Enumerators) == 0 {
			d.Enumerators = nil
		}
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	return out, nil
}

// TouchDevice implements intake.DeviceStore.
func (s *Store) TouchDevice(ctx context.Context, id string, at time.Time) error {
	if !storable(id) {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE devices SET last_seen = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("touch device %s: %w", id, err)
	}
	return nil
}

// RevokeDevice implements intake.DeviceStore.
func (s *Store) RevokeDevice(ctx context.Context, id string, at time.Time) (bool, error) {
	if !storable(id) {
		return false, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE devices SET revoked = $2 WHERE id = $1 AND revoked IS NULL`, id, at)
	if err != nil {
		return false, fmt.Errorf("revoke device %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// PutRecovery implements intake.DeviceStore.
func (s *Store) PutRecovery(ctx context.Context, copies []intake.RecoveryCopy) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for _, c := range copies {
			if !storable(c.Device, c.Enumerator) {
				return fmt.Errorf("device or enumerator not valid UTF-8 text")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_copies (device, folded, enumerator, copy, updated) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (device, folded) DO UPDATE SET enumerator = excluded.enumerator, copy = excluded.copy, updated = excluded.updated`,
				c.Device, strings.ToLower(c.Enumerator), c.Enumerator, c.Copy, c.Updated); err != nil {
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
	if !storable(enumerator) {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT device, enumerator, copy, updated FROM recovery_copies WHERE folded = $1 ORDER BY updated DESC, device`,
		strings.ToLower(enumerator))
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (intake.RecoveryCopy, error) {
		var c intake.RecoveryCopy
		err := row.Scan(&c.Device, &c.Enumerator, &c.Copy, &c.Updated)
		c.Updated = utc(c.Updated)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("recovery copies of %s: %w", enumerator, err)
	}
	return out, nil
}

// CreateEnrolment implements intake.DeviceStore.
func (s *Store) CreateEnrolment(ctx context.Context, e intake.Enrolment) error {
	if !storable(append([]string{e.ID}, e.Enumerators...)...) {
		return fmt.Errorf("create enrolment: id or enumerator not valid UTF-8 text")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO enrolments (id, code_hash, enumerators, created) VALUES ($1, $2, $3, $4)`,
		e.ID, e.CodeHash, e.Enumerators, e.Created); err != nil {
		return fmt.Errorf("create enrolment: %w", err)
	}
	return nil
}

// Enrolment implements intake.DeviceStore.
func (s *Store) Enrolment(ctx context.Context, id string) (*intake.Enrolment, error) {
	if !storable(id) {
		return nil, fmt.Errorf("enrolment: %w", intake.ErrNotFound)
	}
	var e intake.Enrolment
	var used *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, code_hash, enumerators, created, used, device FROM enrolments WHERE id = $1`, id).
		Scan(&e.ID, &e.CodeHash, &e.Enumerators, &e.Created, &used, &e.Device)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("enrolment %s: %w", id, intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment %s: %w", id, err)
	}
	e.Created = utc(e.Created)
	if used != nil {
		e.Used = utc(*used)
	}
	return &e, nil
}

// UseEnrolment implements intake.DeviceStore.
func (s *Store) UseEnrolment(ctx context.Context, id, device string, at time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var used *time.Time
		var by string
		err := tx.QueryRow(ctx, `SELECT used, device FROM enrolments WHERE id = $1 FOR UPDATE`, id).Scan(&used, &by)
		if errors.Is(err, pgx.ErrNoRows) {
			return intake.ErrNotFound
		}
		if err != nil {
			return err
		}
		if used != nil {
			if by == device {
				return nil
			}
			return intake.ErrEnrolmentUsed
		}
		_, err = tx.Exec(ctx, `UPDATE enrolments SET used = $2, device = $3 WHERE id = $1`, id, at, device)
		return err
	})
	if err != nil {
		return fmt.Errorf("use enrolment %s: %w", id, err)
	}
	return nil
}

// AddPINReset implements intake.DeviceStore. Like Reject, it locks the
// table so seq order is commit order.
func (s *Store) AddPINReset(ctx context.Context, r intake.PINReset) (int64, error) {
	var seq int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE pin_resets IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO pin_resets (folded, enumerator, device, package, created) VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
			strings.ToLower(r.Enumerator), r.Enumerator, r.Device, r.Package, r.Created).Scan(&seq)
	})
	if err != nil {
		return 0, fmt.Errorf("store PIN reset for %s: %w", r.Enumerator, err)
	}
	return seq, nil
}

// PINResets implements intake.DeviceStore.
func (s *Store) PINResets(ctx context.Context, enumerator string, after int64) ([]intake.PINReset, error) {
	if !storable(enumerator) {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT seq, enumerator, device, package, created FROM pin_resets WHERE folded = $1 AND seq > $2 ORDER BY seq`,
		strings.ToLower(enumerator), after)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (intake.PINReset, error) {
		var r intake.PINReset
		err := row.Scan(&r.Seq, &r.Enumerator, &r.Device, &r.Package, &r.Created)
		r.Created = utc(r.Created)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("PIN resets of %s: %w", enumerator, err)
	}
	return out, nil
}
