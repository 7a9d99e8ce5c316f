package postgres

import (
	"context"
	"fmt"

	"sira/sync/intake"
)

// Stats implements intake.Store.
func (s *Store) Stats(ctx context.Context) (intake.Stats, error) {
	var st intake.Stats
	err := s.pool.QueryRow(ctx, `SELECT sum(submissions)::bigint, sum(duplicates)::bigint, sum(updated)::bigint,
		sum(superseded)::bigint, sum(conflicts)::bigint, sum(invalid)::bigint,
		sum(batches)::bigint, sum(bytes_received)::bigint, sum(attachments)::bigint, sum(rejections)::bigint,
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
