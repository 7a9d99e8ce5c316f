package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sira/sync/intake"
	"sira/sync/wire"
)

// Held implements intake.InterviewStore.
func (s *Store) Held(ctx context.Context, items []wire.Item) ([]bool, error) {
	out := make([]bool, len(items))
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, `SELECT 1 FROM submissions WHERE id = ? AND hash = ?`)
	if err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	defer stmt.Close()
	for i, it := range items {
		var one int
		err := stmt.QueryRowContext(ctx, it.ID, it.Hash).Scan(&one)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, fmt.Errorf("held %s: %w", it.ID, err)
		default:
			out[i] = true
		}
	}
	return out, nil
}

type heldRow struct {
	seq      int64
	revision int
	hash     string
	current  bool
}

// Ingest implements intake.InterviewStore: the whole batch in one
// transaction, each interview decided against what is held (including the
// batch's own earlier interviews).
func (s *Store) Ingest(ctx context.Context, meta intake.BatchMeta, in []intake.Incoming) ([]wire.Receipt, error) {
	receipts := make([]wire.Receipt, len(in))
	err := s.write(ctx, func(tx *sql.Tx) error {
		sel, err := tx.PrepareContext(ctx, `SELECT seq, revision, hash, current FROM submissions WHERE id = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO submissions
			(id, revision, hash, form_hash, enumerator, device_id, token_id, source, received, bytes, current, conflict, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		received := stamp(meta.Received)
		counts := map[wire.ReceiptStatus]int64{}
		var stored int64
		for i, x := range in {
			iv := x.Interview
			r := wire.Receipt{ID: iv.ID, Revision: iv.Revision, Hash: x.Hash}
			if x.Invalid != "" {
				r.Status, r.Reason = wire.Invalid, x.Invalid
				receipts[i] = r
				counts[wire.Invalid]++
				continue
			}
			held, err := heldRows(ctx, sel, iv.ID)
			if err != nil {
				return fmt.Errorf("interview %s: %w", iv.ID, err)
			}
			maxRev, dup, sameRev := 0, false, false
			for _, h := range held {
				maxRev = max(maxRev, h.revision)
				dup = dup || h.hash == x.Hash
				sameRev = sameRev || h.revision == iv.Revision
			}
			current, conflict := false, false
			switch {
			case dup:
				r.Status = wire.Duplicate
			case len(held) == 0:
				r.Status, current = wire.Stored, true
			case sameRev:
				r.Status, conflict = wire.Conflict, true
			case iv.Revision > maxRev:
				r.Status, current = wire.Updated, true
			default:
				r.Status = wire.Superseded
			}
			receipts[i] = r
			counts[r.Status]++
			if r.Status == wire.Duplicate {
				continue
			}
			if current {
				if _, err := tx.ExecContext(ctx, `UPDATE submissions SET current = 0 WHERE id = ? AND current = 1`, iv.ID); err != nil {
					return fmt.Errorf("interview %s: %w", iv.ID, err)
				}
			}
			if conflict {
				if _, err := tx.ExecContext(ctx, `UPDATE submissions SET conflict = 1 WHERE id = ? AND revision = ?`, iv.ID, iv.Revision); err != nil {
					return fmt.Errorf("interview %s: %w", iv.ID, err)
				}
			}
			if _, err := ins.ExecContext(ctx, iv.ID, iv.Revision, x.Hash, iv.FormHash, iv.Enumerator, iv.DeviceID,
				meta.TokenID, meta.Source, received, x.Size, current, conflict, x.Body); err != nil {
				return fmt.Errorf("interview %s: %w", iv.ID, err)
			}
			stored++
		}
		return addCounters(ctx, tx, map[string]int64{
			"submissions":    stored,
			"duplicates":     counts[wire.Duplicate],
			"updated":        counts[wire.Updated],
			"superseded":     counts[wire.Superseded],
			"conflicts":      counts[wire.Conflict],
			"invalid":        counts[wire.Invalid],
			"batches":        1,
			"bytes_received": meta.Bytes,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("ingest batch of %d: %w", len(in), err)
	}
	return receipts, nil
}

func heldRows(ctx context.Context, sel *sql.Stmt, id string) ([]heldRow, error) {
	rows, err := sel.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []heldRow
	for rows.Next() {
		var h heldRow
		if err := rows.Scan(&h.seq, &h.revision, &h.hash, &h.current); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

const submissionCols = `seq, id, revision, hash, form_hash, enumerator, device_id, received, current, conflict, body`

func scanSubmission(sc interface{ Scan(...any) error }) (intake.StoredInterview, error) {
	var x intake.StoredInterview
	var received string
	err := sc.Scan(&x.Seq, &x.ID, &x.Revision, &x.Hash, &x.FormHash, &x.Enumerator, &x.DeviceID, &received, &x.Current, &x.Conflict, &x.Body)
	x.Received = parseStamp(received)
	return x, err
}

// Submissions implements intake.InterviewStore.
func (s *Store) Submissions(ctx context.Context, id string) ([]intake.StoredInterview, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionCols+` FROM submissions WHERE id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("submissions of %s: %w", id, err)
	}
	defer rows.Close()
	var out []intake.StoredInterview
	for rows.Next() {
		x, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("submissions of %s: %w", id, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CountSubmissions implements intake.InterviewStore.
func (s *Store) CountSubmissions(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM submissions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count submissions: %w", err)
	}
	return n, nil
}

// EachSubmission implements intake.InterviewStore.
func (s *Store) EachSubmission(ctx context.Context, fn func(intake.StoredInterview) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionCols+` FROM submissions ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("list submissions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scanSubmission(rows)
		if err != nil {
			return fmt.Errorf("list submissions: %w", err)
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}
