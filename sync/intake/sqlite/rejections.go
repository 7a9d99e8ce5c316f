package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
)

// Reject implements intake.RejectionStore.
func (s *Store) Reject(ctx context.Context, id, comment, by string, at time.Time) (int64, error) {
	var seq int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var rev int
		var hash, enum string
		err := tx.QueryRowContext(ctx, `SELECT revision, hash, enumerator FROM submissions WHERE id = ? AND current = 1`, id).
			Scan(&rev, &hash, &enum)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("interview %s: %w", id, intake.ErrNotFound)
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rejections (id, revision, hash, enumerator, comment, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, rev, hash, enum, comment, by, stamp(at))
		if err != nil {
			return err
		}
		seq, err = res.LastInsertId()
		if err != nil {
			return err
		}
		return addCounters(ctx, tx, map[string]int64{"rejections": 1})
	})
	if err != nil {
		return 0, fmt.Errorf("reject %s: %w", id, err)
	}
	return seq, nil
}

// Rejections implements intake.RejectionStore.
func (s *Store) Rejections(ctx context.Context, enumerator string, after int64, limit int) ([]wire.Rejection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.seq, r.id, r.revision, r.hash, r.comment, r.by, r.at, s.body
		FROM rejections r JOIN submissions s ON s.id = r.id AND s.hash = r.hash
		WHERE r.enumerator = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`, enumerator, after, limit)
	if err != nil {
		return nil, fmt.Errorf("rejections for %s: %w", enumerator, err)
	}
	defer rows.Close()
	var out []wire.Rejection
	for rows.Next() {
		var r wire.Rejection
		var at string
		var body []byte
		if err := rows.Scan(&r.Seq, &r.ID, &r.Revision, &r.Hash, &r.Comment, &r.By, &at, &body); err != nil {
			return nil, fmt.Errorf("rejections for %s: %w", enumerator, err)
		}
		r.At = parseStamp(at)
		iv, _, err := wire.UnmarshalInterview(body)
		if err != nil {
			return nil, fmt.Errorf("rejection of %s: stored body: %w", r.ID, err)
		}
		r.Interview = iv
		r.Interview.Status = survey.StatusRejected
		r.Interview.Comment = r.Comment
		out = append(out, r)
	}
	return out, rows.Err()
}
