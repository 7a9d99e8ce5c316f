package postgres

import (
	"context"
	"fmt"

	"sira/sync/intake"
)

// Unforwarded implements intake.OutboxStore.
func (s *Store) Unforwarded(ctx context.Context, after int64, limit int) ([]intake.StoredInterview, error) {
	out, err := s.submissions(ctx, `WHERE NOT forwarded AND seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("unforwarded: %w", err)
	}
	return out, nil
}

// MarkForwarded implements intake.OutboxStore.
func (s *Store) MarkForwarded(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE submissions SET forwarded = true WHERE seq = ANY($1)`, seqs); err != nil {
		return fmt.Errorf("mark forwarded: %w", err)
	}
	return nil
}
