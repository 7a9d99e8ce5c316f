package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	seq        int64 // 1<<62: stored by this batch (after every stored row)
	revision   int
	hash       string
	enumerator string
}

// ingestJob is one batch waiting for the group commit.
type ingestJob struct {
	meta     intake.BatchMeta
	in       []intake.Incoming
	receipts []wire.Receipt
	err      error
	done     chan struct{}
}

// maxGroup bounds how many batches one transaction commits together.
const maxGroup = 32

// Ingest implements intake.InterviewStore. Batches arriving together are
// committed together (group commit: one fsync for several batches), each
// inside its own savepoint, so a batch is still all or nothing and its
// receipts are returned only after the commit.
func (s *Store) Ingest(ctx context.Context, meta intake.BatchMeta, in []intake.Incoming) ([]wire.Receipt, error) {
	j := &ingestJob{meta: meta, in: in, done: make(chan struct{})}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return nil, fmt.Errorf("ingest batch: %w", ctx.Err())
	case <-s.quit:
		return nil, errors.New("ingest batch: store closed")
	}
	<-j.done // once queued, the outcome is known only after the commit
	if j.err != nil {
		return nil, fmt.Errorf("ingest batch of %d: %w", len(in), j.err)
	}
	return j.receipts, nil
}

// writer commits queued batches in groups until the store closes.
func (s *Store) writer() {
	defer close(s.writerDone)
	for {
		var j *ingestJob
		select {
		case j = <-s.jobs:
		case <-s.quit:
			return
		}
		group := []*ingestJob{j}
	drain:
		for len(group) < maxGroup {
			select {
			case j := <-s.jobs:
				group = append(group, j)
			default:
				break drain
			}
		}
		s.commitGroup(group)
		for _, j := range group {
			close(j.done)
		}
	}
}

// commitGroup commits the group's batches in one transaction: one fsync
// for all of them. A batch is still all or nothing: if any batch fails
// (a database error; the data cannot make one fail), the transaction is
// rolled back and each batch is committed alone, so one batch's failure is
// never another's. Savepoints would give the same guarantee in one pass,
// but journal every page each batch touches first, which cost an eighth of
// the writer's time on the path that always runs.
func (s *Store) commitGroup(group []*ingestJob) {
	ctx := context.Background() // one client's cancellation must not fail the others' batches
	if len(group) > 1 {
		err := s.write(ctx, func(tx *sql.Tx) error { return ingestGroup(ctx, tx, group) })
		if err == nil {
			return
		}
	}
	for _, j := range group {
		j.err = s.write(ctx, func(tx *sql.Tx) error { return ingestGroup(ctx, tx, []*ingestJob{j}) })
		if j.err != nil {
			j.receipts = nil
		}
	}
}

// ingestGroup stores every batch of group in tx and sets their receipts;
// any error fails them all (the caller rolls back).
func ingestGroup(ctx context.Context, tx *sql.Tx, group []*ingestJob) error {
	st, err := prepareIngest(ctx, tx)
	if err != nil {
		return err
	}
	defer st.close()
	// The counters are summed over the group's batches and written once:
	// one row update per counter, not per batch.
	deltas := map[string]int64{}
	for _, j := range group {
		rs, d, err := ingestOne(ctx, tx, st, j.meta, j.in)
		if err != nil {
			return err
		}
		j.receipts = rs
		for k, v := range d {
			deltas[k] += v
		}
	}
	return addCounters(ctx, tx, deltas)
}

// insertRows is how many submissions one INSERT statement carries: a
// statement per row cost more than the row's own b-tree work.
const insertRows = 20

const (
	insertSQL  = `INSERT INTO submissions (id, revision, hash, form_hash, enumerator, device_id, token_id, source, received, bytes, current, conflict, body) VALUES `
	insertRow  = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertCols = 13
)

type ingestStmts struct {
	ins, insMany, uncur, conflict *sql.Stmt
	pending                       []any // rows waiting for insMany, insertCols values each
}

func prepareIngest(ctx context.Context, tx *sql.Tx) (*ingestStmts, error) {
	var st ingestStmts
	var err error
	if st.ins, err = tx.PrepareContext(ctx, insertSQL+insertRow); err != nil {
		return nil, err
	}
	if st.insMany, err = tx.PrepareContext(ctx, insertSQL+insertRow+strings.Repeat(", "+insertRow, insertRows-1)); err != nil {
		st.close()
		return nil, err
	}
	if st.uncur, err = tx.PrepareContext(ctx, `UPDATE submissions SET current = 0 WHERE id = ? AND current = 1`); err != nil {
		st.close()
		return nil, err
	}
	if st.conflict, err = tx.PrepareContext(ctx, `UPDATE submissions SET conflict = 1 WHERE id = ? AND revision = ?`); err != nil {
		st.close()
		return nil, err
	}
	st.pending = make([]any, 0, insertRows*insertCols)
	return &st, nil
}

// insert queues one row (insertCols values) and writes the queue once it
// fills a multi-row statement. Rows keep their order, so seq follows the
// batch.
func (st *ingestStmts) insert(ctx context.Context, row ...any) error {
	st.pending = append(st.pending, row...)
	if len(st.pending) < insertRows*insertCols {
		return nil
	}
	_, err := st.insMany.ExecContext(ctx, st.pending...)
	st.pending = st.pending[:0]
	if err != nil {
		return fmt.Errorf("insert submissions: %w", err)
	}
	return nil
}

// flush writes the queued rows: before a statement that must see them (an
// update of an earlier revision of the same batch), and at the batch's end.
func (st *ingestStmts) flush(ctx context.Context) error {
	defer func() { st.pending = st.pending[:0] }()
	for row := st.pending; len(row) > 0; row = row[insertCols:] {
		if _, err := st.ins.ExecContext(ctx, row[:insertCols]...); err != nil {
			return fmt.Errorf("insert submission %v: %w", row[0], err)
		}
	}
	return nil
}

func (st *ingestStmts) close() {
	for _, s := range []*sql.Stmt{st.ins, st.insMany, st.uncur, st.conflict} {
		if s != nil {
			s.Close()
		}
	}
}

// ingestOne decides and stores one batch inside the group's transaction,
// each interview against what is held, including the batch's own earlier
// interviews. It returns the receipts and the batch's counter deltas.
func ingestOne(ctx context.Context, tx *sql.Tx, st *ingestStmts, meta intake.BatchMeta, in []intake.Incoming) ([]wire.Receipt, map[string]int64, error) {
	held, err := heldByID(ctx, tx, in)
	if err != nil {
		return nil, nil, err
	}
	st.pending = st.pending[:0] // a failed batch before this one may have left rows
	receipts := make([]wire.Receipt, len(in))
	received := stamp(meta.Received)
	counts := map[wire.ReceiptStatus]int64{}
	var stored int64
	for i, x := range in {
		iv := x.Interview
		r := wire.Receipt{ID: iv.ID, Revision: iv.Revision, Hash: x.Hash}
		rows := held[iv.ID]
		maxRev, dup, sameRev := 0, false, false
		owner, first := "", int64(-1)
		for _, h := range rows {
			maxRev = max(maxRev, h.revision)
			dup = dup || h.hash == x.Hash
			sameRev = sameRev || h.revision == iv.Revision
			if first < 0 || h.seq < first {
				owner, first = h.enumerator, h.seq
			}
		}
		current, conflict := false, false
		why := ""
		if !dup && x.Invalid == "" {
			why = intake.HolderProblem(iv, len(rows) > 0, owner, maxRev)
		}
		switch {
		case dup:
			// Held already: a retry gets its duplicate even if validation
			// would now judge otherwise (a newer engine), never "invalid".
			r.Status = wire.Duplicate
		case x.Invalid != "":
			r.Status, r.Reason = wire.Invalid, x.Invalid
		case why != "":
			r.Status, r.Reason = wire.Invalid, why
		case len(rows) == 0:
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
		if r.Status == wire.Duplicate || r.Status == wire.Invalid {
			continue
		}
		if current && len(rows) > 0 || conflict {
			if err := st.flush(ctx); err != nil {
				return nil, nil, err
			}
		}
		if current && len(rows) > 0 {
			if _, err := st.uncur.ExecContext(ctx, iv.ID); err != nil {
				return nil, nil, fmt.Errorf("interview %s: %w", iv.ID, err)
			}
		}
		if conflict {
			if _, err := st.conflict.ExecContext(ctx, iv.ID, iv.Revision); err != nil {
				return nil, nil, fmt.Errorf("interview %s: %w", iv.ID, err)
			}
		}
		if err := st.insert(ctx, iv.ID, iv.Revision, x.Hash, iv.FormHash, iv.Enumerator, iv.DeviceID,
			meta.TokenID, meta.Source, received, x.Size, current, conflict, x.Body); err != nil {
			return nil, nil, err
		}
		held[iv.ID] = append(rows, heldRow{seq: 1 << 62, revision: iv.Revision, hash: x.Hash, enumerator: iv.Enumerator})
		stored++
	}
	if err := st.flush(ctx); err != nil {
		return nil, nil, err
	}
	return receipts, map[string]int64{
		"submissions":    stored,
		"duplicates":     counts[wire.Duplicate],
		"updated":        counts[wire.Updated],
		"superseded":     counts[wire.Superseded],
		"conflicts":      counts[wire.Conflict],
		"invalid":        counts[wire.Invalid],
		"batches":        1,
		"bytes_received": meta.Bytes,
	}, nil
}

// heldByID loads what is held for the batch's ids, in queries of up to 200 ids.
func heldByID(ctx context.Context, tx *sql.Tx, in []intake.Incoming) (map[string][]heldRow, error) {
	held := make(map[string][]heldRow, len(in))
	ids := make([]any, 0, len(in))
	for _, x := range in {
		ids = append(ids, x.Interview.ID)
	}
	for len(ids) > 0 {
		n := min(len(ids), 200)
		q := `SELECT id, seq, revision, hash, enumerator FROM submissions WHERE id IN (?` + strings.Repeat(",?", n-1) + `)`
		rows, err := tx.QueryContext(ctx, q, ids[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var h heldRow
			if err := rows.Scan(&id, &h.seq, &h.revision, &h.hash, &h.enumerator); err != nil {
				rows.Close()
				return nil, err
			}
			held[id] = append(held[id], h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return held, nil
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
