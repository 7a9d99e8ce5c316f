package sqlite

import (
	"context"
	"fmt"

	"sira/sync/intake"
)

// Stats implements intake.Store.
func (s *Store) Stats(ctx context.Context) (intake.Stats, error) {
	var st intake.Stats
	rows, err := s.db.QueryContext(ctx, `SELECT name, value FROM counters`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return st, fmt.Errorf("stats: %w", err)
		}
		switch name {
		case "submissions":
			st.Submissions = v
		case "duplicates":
			st.Duplicates = v
		case "updated":
			st.Updated = v
		case "superseded":
			st.Superseded = v
		case "conflicts":
			st.Conflicts = v
		case "invalid":
			st.Invalid = v
		case "batches":
			st.Batches = v
		case "bytes_received":
			st.BytesReceived = v
		case "attachments":
			st.Attachments = v
		case "rejections":
			st.Rejections = v
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	for _, q := range []struct {
		dst *int64
		sql string
	}{
		{&st.Interviews, `SELECT count(*) FROM submissions WHERE current = 1`},
		{&st.Forms, `SELECT count(*) FROM forms`},
		{&st.Unforwarded, `SELECT count(*) FROM submissions WHERE forwarded = 0`},
	} {
		if err := s.db.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return st, fmt.Errorf("stats: %w", err)
		}
	}
	return st, nil
}
