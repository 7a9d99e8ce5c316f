package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sira/office"
)

const reviewCols = `id, revision, hash, enumerator, state, acked, acked_at, notice, by_user, at`

func scanReview(sc interface{ Scan(...any) error }) (office.Review, error) {
	var r office.Review
	var state, ackedAt, at string
	var acked int
	err := sc.Scan(&r.ID, &r.Revision, &r.Hash, &r.Enumerator, &state, &acked, &ackedAt, &r.Notice, &r.By, &at)
	r.State, r.Acked, r.AckedAt, r.At = office.State(state), acked != 0, ParseStamp(ackedAt), ParseStamp(at)
	return r, err
}

// lockReview reads id's review for update; ok is false when there is none.
func (s *Store) lockReview(ctx context.Context, tx *sql.Tx, id string) (office.Review, bool, error) {
	r, err := scanReview(tx.QueryRowContext(ctx, s.q(`SELECT `+reviewCols+` FROM office_reviews WHERE id = ?`+s.d.ForUpdate), id))
	if notFound(err) {
		return office.Review{}, false, nil
	}
	return r, err == nil, err
}

func (s *Store) saveReview(ctx context.Context, tx *sql.Tx, r office.Review) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE office_reviews SET revision = ?, hash = ?, enumerator = ?, state = ?, acked = ?,
		acked_at = ?, notice = ?, by_user = ?, at = ? WHERE id = ?`),
		r.Revision, r.Hash, r.Enumerator, string(r.State), b2i(r.Acked), Stamp(r.AckedAt), r.Notice, r.By, Stamp(r.At), r.ID)
	return err
}

func (s *Store) history(ctx context.Context, tx *sql.Tx, h office.HistoryEntry) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_history (id, revision, action, comment, questions, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		h.ID, h.Revision, h.Action, h.Comment, questionsJSON(h.Questions), h.By, Stamp(h.At))
	return err
}

// Arrived implements office.Store.
func (s *Store) Arrived(ctx context.Context, a office.Arrival) (office.Review, error) {
	var out office.Review
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, ok, err := s.lockReview(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if !ok {
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_reviews (id, revision, hash, enumerator, state, acked, acked_at, notice, by_user, at)
				VALUES (?, ?, ?, ?, ?, 0, '', 0, '', ?) ON CONFLICT (id) DO NOTHING`),
				a.ID, a.Revision, a.Hash, a.Enumerator, string(office.ToCheck), Stamp(a.At))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out = office.Review{ID: a.ID, Revision: a.Revision, Hash: a.Hash, Enumerator: a.Enumerator, State: office.ToCheck, At: a.At}
				return nil
			}
			// Another server inserted it meanwhile: read it locked.
			if r, _, err = s.lockReview(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		next, _, err := office.Transition(r.Step(), office.Event{Kind: office.Arrive, Revision: a.Revision})
		if err != nil {
			return err
		}
		if next == r.Step() {
			out = r
			return nil
		}
		r = office.Review{ID: r.ID, Revision: next.Revision, Hash: a.Hash, Enumerator: a.Enumerator, State: next.State, At: a.At}
		out = r
		return s.saveReview(ctx, tx, r)
	})
	if err != nil {
		return out, fmt.Errorf("review of %s: %w", a.ID, err)
	}
	return out, nil
}

// nextNotice allocates the next notice Seq. It locks the counter row until
// the commit, so notices commit in Seq order and a laptop's cursor never
// skips one committed late. Callers take it last.
func (s *Store) nextNotice(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `UPDATE office_counters SET value = value + 1 WHERE name = 'notice' RETURNING value`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notice seq: %w", err)
	}
	return n, nil
}

func (s *Store) insertNotice(ctx context.Context, tx *sql.Tx, n office.Notice) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_notices (seq, kind, id, revision, hash, enumerator, comment, questions, by_user, at, withdraws, withdrawn)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`),
		n.Seq, string(n.Kind), n.ID, n.Revision, n.Hash, n.Enumerator, n.Comment, questionsJSON(n.Questions), n.By, Stamp(n.At), n.Withdraws)
	return err
}

// Approve implements office.Store.
func (s *Store) Approve(ctx context.Context, d office.Decision) (office.Review, error) {
	return s.decide(ctx, office.Approve, d)
}

// Reject implements office.Store.
func (s *Store) Reject(ctx context.Context, d office.Decision) (office.Review, error) {
	return s.decide(ctx, office.Reject, d)
}

func (s *Store) decide(ctx context.Context, kind office.EventKind, d office.Decision) (office.Review, error) {
	var out office.Review
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, ok, err := s.lockReview(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if !ok {
			return office.ErrNoReview
		}
		next, effect, err := office.Transition(r.Step(), office.Event{Kind: kind, Revision: d.Revision})
		if err != nil {
			out = r
			return err
		}
		action := "approve"
		if kind == office.Reject {
			action = "reject"
		}
		if next == r.Step() && effect == office.NoEffect {
			out = r // approving again: nothing to record
			return nil
		}
		if err := s.history(ctx, tx, office.HistoryEntry{ID: d.ID, Revision: d.Revision, Action: action, Comment: d.Comment,
			Questions: d.Questions, By: d.By, At: d.At}); err != nil {
			return err
		}
		prev := r
		r.State, r.Acked, r.AckedAt, r.By, r.At = next.State, next.Acked, time.Time{}, d.By, d.At
		switch effect {
		case office.QueueReject:
			seq, err := s.nextNotice(ctx, tx)
			if err != nil {
				return err
			}
			r.Notice = seq
			if err := s.insertNotice(ctx, tx, office.Notice{Seq: seq, Kind: office.NoticeReject, ID: r.ID, Revision: r.Revision,
				Hash: r.Hash, Enumerator: r.Enumerator, Comment: d.Comment, Questions: d.Questions, By: d.By, At: d.At}); err != nil {
				return err
			}
		case office.QueueWithdraw:
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE office_notices SET withdrawn = 1 WHERE seq = ?`), prev.Notice); err != nil {
				return err
			}
			if err := s.history(ctx, tx, office.HistoryEntry{ID: d.ID, Revision: d.Revision, Action: "withdraw", By: d.By, At: d.At}); err != nil {
				return err
			}
			seq, err := s.nextNotice(ctx, tx)
			if err != nil {
				return err
			}
			if err := s.insertNotice(ctx, tx, office.Notice{Seq: seq, Kind: office.NoticeWithdraw, ID: r.ID, Revision: r.Revision,
				Hash: r.Hash, Enumerator: r.Enumerator, By: d.By, At: d.At, Withdraws: prev.Notice}); err != nil {
				return err
			}
			r.Notice = 0
		}
		out = r
		return s.saveReview(ctx, tx, r)
	})
	if err != nil {
		return out, fmt.Errorf("review of %s: %w", d.ID, err)
	}
	return out, nil
}

// Review implements office.Store.
func (s *Store) Review(ctx context.Context, id string) (*office.Review, error) {
	r, err := scanReview(s.db.QueryRowContext(ctx, s.q(`SELECT `+reviewCols+` FROM office_reviews WHERE id = ?`), id))
	if notFound(err) {
		return nil, fmt.Errorf("review of %s: %w", id, office.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("review of %s: %w", id, err)
	}
	return &r, nil
}

// History implements office.Store.
func (s *Store) History(ctx context.Context, id string) ([]office.HistoryEntry, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, id, revision, action, comment, questions, by_user, at FROM office_history WHERE id = ? ORDER BY seq`), id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []office.HistoryEntry
	for rows.Next() {
		var h office.HistoryEntry
		var qs, at string
		if err := rows.Scan(&h.Seq, &h.ID, &h.Revision, &h.Action, &h.Comment, &qs, &h.By, &at); err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		h.Questions, h.At = parseQuestions(qs), ParseStamp(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Notices implements office.Store.
func (s *Store) Notices(ctx context.Context, enumerator string, after int64, limit int) ([]office.Notice, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, kind, id, revision, hash, enumerator, comment, questions, by_user, at, withdraws, withdrawn
		FROM office_notices WHERE enumerator = ? AND seq > ? AND withdrawn = 0 ORDER BY seq LIMIT ?`), enumerator, after, limit)
	if err != nil {
		return nil, fmt.Errorf("notices for %s: %w", enumerator, err)
	}
	defer rows.Close()
	var out []office.Notice
	for rows.Next() {
		var n office.Notice
		var kind, qs, at string
		var withdrawn int
		if err := rows.Scan(&n.Seq, &kind, &n.ID, &n.Revision, &n.Hash, &n.Enumerator, &n.Comment, &qs, &n.By, &at, &n.Withdraws, &withdrawn); err != nil {
			return nil, fmt.Errorf("notices for %s: %w", enumerator, err)
		}
		n.Kind, n.Questions, n.At, n.Withdrawn = office.NoticeKind(kind), parseQuestions(qs), ParseStamp(at), withdrawn != 0
		out = append(out, n)
	}
	return out, rows.Err()
}

// Acknowledge implements office.Store.
func (s *Store) Acknowledge(ctx context.Context, enumerator string, through int64, at time.Time) error {
	if through <= 0 {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+reviewCols+` FROM office_reviews
			WHERE enumerator = ? AND state = 'rejected' AND acked = 0 AND notice > 0 AND notice <= ? ORDER BY id`+s.d.ForUpdate), enumerator, through)
		if err != nil {
			return err
		}
		var rs []office.Review
		for rows.Next() {
			r, err := scanReview(rows)
			if err != nil {
				rows.Close()
				return err
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range rs {
			next, effect, err := office.Transition(r.Step(), office.Event{Kind: office.Ack, Revision: r.Revision})
			if err != nil || effect != office.MarkDelivered {
				continue
			}
			r.Acked, r.AckedAt = next.Acked, at
			if err := s.saveReview(ctx, tx, r); err != nil {
				return err
			}
			if err := s.history(ctx, tx, office.HistoryEntry{ID: r.ID, Revision: r.Revision, Action: "delivered", By: enumerator, At: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("acknowledge notices of %s: %w", enumerator, err)
	}
	return nil
}
