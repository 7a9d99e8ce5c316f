package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sira/sync/intake"
)

// Unforwarded implements intake.OutboxStore.
func (s *Store) Unforwarded(ctx context.Context, after int64, limit int) ([]intake.StoredInterview, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionCols+` FROM submissions WHERE forwarded = 0 AND seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("unforwarded: %w", err)
	}
	defer rows.Close()
	var out []intake.StoredInterview
	for rows.Next() {
		x, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("unforwarded: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// MarkForwarded implements intake.OutboxStore.
func (s *Store) MarkForwarded(ctx context.Context, seqs []int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range seqs {
			if _, err := tx.ExecContext(ctx, `UPDATE submissions SET forwarded = 1 WHERE seq = ?`, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark forwarded: %w", err)
	}
	return nil
}
