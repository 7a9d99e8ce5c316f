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
