package postgres

import (
	"context"
	"fmt"

	"sira/sync/intake"
)

// Stats implements intake.Store.
func (s *Store) Stats(ctx context.Context) (intake.Stats, error) {
	var st intake.Stats
	err := s.pool.QueryRow(ctx, `SELECT submissions, duplicates, updated, superseded, conflicts, invalid,
		batches, bytes_received, attachments, rejections,
		(SELECT count(*) FROM submissions WHERE current),
		(SELECT count(*) FROM forms),
		(SELECT count(*) FROM submissions WHERE NOT forwarded)
		FROM counters`).Scan(&st.Submissions, &st.Duplicates, &st.Updated, &st.Superseded, &st.Conflicts, &st.Invalid,
		&st.Batches, &st.BytesReceived, &st.Attachments, &st.Rejections,
		&st.Interviews, &st.Forms, &st.Unforwarded)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}
