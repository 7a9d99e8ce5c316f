package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
)

// AddOfficeKey implements intake.KeyStore.
func (s *Store) AddOfficeKey(ctx context.Context, k intake.OfficeKey) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO office_keys (generation, identity, recipient, created) VALUES ($1, $2, $3, $4)
		ON CONFLICT (generation) DO NOTHING`, k.Generation, k.Identity, k.Recipient, k.Created)
	if err != nil {
		return false, fmt.Errorf("add office key %d: %w", k.Generation, err)
	}
	return tag.RowsAffected() == 1, nil
}

// OfficeKeys implements intake.KeyStore.
func (s *Store) OfficeKeys(ctx context.Context) ([]intake.OfficeKey, error) {
	rows, _ := s.pool.Query(ctx, `SELECT generation, identity, recipient, created FROM office_keys ORDER BY generation DESC`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (intake.OfficeKey, error) {
		var k intake.OfficeKey
		err := row.Scan(&k.Generation, &k.Identity, &k.Recipient, &k.Created)
		k.Created = utc(k.Created)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("office keys: %w", err)
	}
	return out, nil
}

// RecordKeyEvent implements intake.KeyStore.
func (s *Store) RecordKeyEvent(ctx context.Context, e intake.KeyEvent) error {
	if !storable(e.Who, e.Action, e.Detail) {
		return fmt.Errorf("record key event: not valid UTF-8 text")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO key_events (at, who, action, detail) VALUES ($1, $2, $3, $4)`, e.At, e.Who, e.Action, e.Detail); err != nil {
		return fmt.Errorf("record key event %s: %w", e.Action, err)
	}
	return nil
}

// KeyEvents implements intake.KeyStore.
func (s *Store) KeyEvents(ctx context.Context, limit int) ([]intake.KeyEvent, error) {
	rows, _ := s.pool.Query(ctx, `SELECT seq, at, who, action, detail FROM key_events ORDER BY seq DESC LIMIT $1`, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (intake.KeyEvent, error) {
		var e intake.KeyEvent
		err := row.Scan(&e.Seq, &e.At, &e.Who, &e.Action, &e.Detail)
		e.At = utc(e.At)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("key events: %w", err)
	}
	return out, nil
}
