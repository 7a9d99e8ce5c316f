package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sira/sync/intake"
)

// AddOfficeKey implements intake.KeyStore.
func (s *Store) AddOfficeKey(ctx context.Context, k intake.OfficeKey) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO office_keys (generation, identity, recipient, created) VALUES (?, ?, ?, ?)
			ON CONFLICT (generation) DO NOTHING`, k.Generation, k.Identity, k.Recipient, stamp(k.Created))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("add office key %d: %w", k.Generation, err)
	}
	return n == 1, nil
}

// OfficeKeys implements intake.KeyStore.
func (s *Store) OfficeKeys(ctx context.Context) ([]intake.OfficeKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT generation, identity, recipient, created FROM office_keys ORDER BY generation DESC`)
	if err != nil {
		return nil, fmt.Errorf("office keys: %w", err)
	}
	defer rows.Close()
	var out []intake.OfficeKey
	for rows.Next() {
		var k intake.OfficeKey
		var created string
		if err := rows.Scan(&k.Generation, &k.Identity, &k.Recipient, &created); err != nil {
			return nil, fmt.Errorf("office keys: %w", err)
		}
		k.Created = parseStamp(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RecordKeyEvent implements intake.KeyStore.
func (s *Store) RecordKeyEvent(ctx context.Context, e intake.KeyEvent) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO key_events (at, who, action, detail) VALUES (?, ?, ?, ?)`, stamp(e.At), e.Who, e.Action, e.Detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("record key event %s: %w", e.Action, err)
	}
	return nil
}

// KeyEvents implements intake.KeyStore.
func (s *Store) KeyEvents(ctx context.Context, limit int) ([]intake.KeyEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, who, action, detail FROM key_events ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("key events: %w", err)
	}
	defer rows.Close()
	var out []intake.KeyEvent
	for rows.Next() {
		var e intake.KeyEvent
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.Who, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("key events: %w", err)
		}
		e.At = parseStamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
