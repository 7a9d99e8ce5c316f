package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
)

// Reject implements intake.RejectionStore. The rejections table is locked
// against other writers for the transaction: a seq is then taken and
// committed before the next one is, so a laptop asking for "seq > after"
// can never miss a rejection that commits late with a lower seq.
func (s *Store) Reject(ctx context.Context, id, comment, by string, at time.Time) (int64, error) {
	var seq int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE rejections IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var rev int
		var hash, enum string
		err := tx.QueryRow(ctx, `SELECT revision, hash, enumerator FROM submissions WHERE id = $1 AND current`, id).
			Scan(&rev, &hash, &enum)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("interview %s: %w", id, intake.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO rejections (id, revision, hash, enumerator, comment, by_user, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`, id, rev, hash, enum, comment, by, at).Scan(&seq); err != nil {
			return err
		}
		return counters{rejections: 1}.add(ctx, tx)
	})
	if err != nil {
		return 0, fmt.Errorf("reject %s: %w", id, err)
	}
	return seq, nil
}

// Rejections implements intake.RejectionStore.
func (s *Store) Rejections(ctx context.Context, enumerator string, after int64, limit int) ([]wire.Rejection, error) {
	if !storable(enumerator) {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT r.seq, r.id, r.revision, r.hash, r.comment, r.by_user, r.at, s.body
		FROM rejections r JOIN submissions s ON s.id = r.id AND s.hash = r.hash
		WHERE r.enumerator = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3`, enumerator, after, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (wire.Rejection, error) {
		var r wire.Rejection
		var body []byte
		if err := row.Scan(&r.Seq, &r.ID, &r.Revision, &r.Hash, &r.Comment, &r.By, &r.At, &body); err != nil {
			return r, err
		}
		r.At = utc(r.At)
		iv, _, err := wire.UnmarshalInterview(body)
		if err != nil {
			return r, fmt.Errorf("rejection of %s: stored body: %w", r.ID, err)
		}
		iv.Status = survey.StatusRejected
		iv.Comment = r.Comment
		r.Interview = iv
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("rejections for %s: %w", enumerator, err)
	}
	return out, nil
}
