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
