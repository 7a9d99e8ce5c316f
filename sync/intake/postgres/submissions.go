package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
	"sira/sync/wire"
)

// Held implements intake.InterviewStore.
func (s *Store) Held(ctx context.Context, items []wire.Item) ([]bool, error) {
	out := make([]bool, len(items))
	if len(items) == 0 {
		return out, nil
	}
	// Items PostgreSQL text cannot hold are not held: leave them out.
	var ids, hashes []string
	var index []int
	for i, it := range items {
		if storable(it.ID, it.Hash) {
			ids, hashes, index = append(ids, it.ID), append(hashes, it.Hash), append(index, i)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT u.i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(id, hash, i)
		WHERE EXISTS (SELECT 1 FROM submissions s WHERE s.id = u.id AND s.hash = u.hash)`, ids, hashes)
	if err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, fmt.Errorf("held: %w", err)
		}
		out[index[i-1]] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	return out, nil
}

type heldRow struct {
	seq        int64 // 1<<62: stored by this batch (after every stored row)
	revision   int
	hash       string
	enumerator string
}

// Ingest implements intake.InterviewStore: one transaction per batch. The
// batch first locks its ids, so what it reads as held cannot change under
// it before it commits.
func (s *Store) Ingest(ctx context.Context, meta intake.BatchMeta, in []intake.Incoming) ([]wire.Receipt, error) {
	var receipts []wire.Receipt
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		receipts, err = ingest(ctx, tx, meta, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest batch of %d: %w", len(in), err)
	}
	return receipts, nil
}

// lockKey maps an interview id to an advisory lock key. Two ids sharing a
// key only wait for each other.
func lockKey(id string) int64 {
	sum := sha256.Sum256([]byte("sira-intake-id\x00" + id))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// lockIDs takes the transaction's advisory locks on ids, in ascending key
// order so that two batches never wait for each other in a cycle.
func lockIDs(ctx context.Context, tx pgx.Tx, ids []string) error {
	keys := make([]int64, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, lockKey(id))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// One statement per key, pipelined: they run in order, in one round trip.
	b := &pgx.Batch{}
	for _, k := range keys {
		b.Queue("SELECT pg_advisory_xact_lock($1)", k)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("lock interviews: %w", err)
	}
	return nil
}

// ingest decides and stores one batch, each interview against what is held,
// including the batch's own earlier interviews.
func ingest(ctx context.Context, tx pgx.Tx, meta intake.BatchMeta, in []intake.Incoming) ([]wire.Receipt, error) {
	var ids []string
	for _, x := range in {
		// Invalid ones too: held content is a duplicate whatever the verdict.
		if storable(x.Interview.ID) {
			ids = append(ids, x.Interview.ID)
		}
	}
	if err := lockIDs(ctx, tx, ids); err != nil {
		return nil, err
	}
	held, err := heldByID(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	receipts := make([]wire.Receipt, len(in))
	c := counters{batches: 1, bytesReceived: meta.Bytes}
	b := &pgx.Batch{}
	for i, x := range in {
		iv := x.Interview
		r := wire.Receipt{ID: iv.ID, Revision: iv.Revision, Hash: x.Hash}
		if x.Invalid == "" && !storable(iv.ID, x.Hash, iv.FormHash, iv.Enumerator, iv.DeviceID) {
			// PostgreSQL text cannot hold it: failing the batch would make
			// the laptop retry it forever.
			r.Status, r.Reason = wire.Invalid, "identity fields are not valid UTF-8 text"
			receipts[i] = r
			c.invalid++
			continue
		}
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
			c.duplicates++
		case x.Invalid != "":
			r.Status, r.Reason = wire.Invalid, x.Invalid
			c.invalid++
		case why != "":
			r.Status, r.Reason = wire.Invalid, why
			c.invalid++
		case len(rows) == 0:
			r.Status, current = wire.Stored, true
		case sameRev:
			r.Status, conflict = wire.Conflict, true
			c.conflicts++
		case iv.Revision > maxRev:
			r.Status, current = wire.Updated, true
			c.updated++
		default:
			r.Status = wire.Superseded
			c.superseded++
		}
		receipts[i] = r
		if r.Status == wire.Duplicate || r.Status == wire.Invalid {
			continue
		}
		if current && len(rows) > 0 {
			b.Queue(`UPDATE submissions SET current = false WHERE id = $1 AND current`, iv.ID)
		}
		if conflict {
			b.Queue(`UPDATE submissions SET conflict = true WHERE id = $1 AND revision = $2`, iv.ID, iv.Revision)
		}
		b.Queue(`INSERT INTO submissions
			(id, revision, hash, form_hash, enumerator, device_id, token_id, source, received, bytes, current, conflict, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			iv.ID, iv.Revision, x.Hash, iv.FormHash, iv.Enumerator, iv.DeviceID,
			meta.TokenID, meta.Source, meta.Received, int64(x.Size), current, conflict, x.Body)
		held[iv.ID] = append(rows, heldRow{seq: 1 << 62, revision: iv.Revision, hash: x.Hash, enumerator: iv.Enumerator})
		c.submissions++
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if err := c.add(ctx, tx); err != nil {
		return nil, err
	}
	return receipts, nil
}

// heldByID loads what is held for ids.
func heldByID(ctx context.Context, tx pgx.Tx, ids []string) (map[string][]heldRow, error) {
	held := make(map[string][]heldRow, len(ids))
	if len(ids) == 0 {
		return held, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, seq, revision, hash, enumerator FROM submissions WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var h heldRow
		if err := rows.Scan(&id, &h.seq, &h.revision, &h.hash, &h.enumerator); err != nil {
			return nil, fmt.Errorf("held: %w", err)
		}
		held[id] = append(held[id], h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held: %w", err)
	}
	return held, nil
}

// storable reports whether every s fits a PostgreSQL text column: valid
// UTF-8 without NUL.
func storable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return false
		}
	}
	return true
}

const submissionCols = `seq, id, revision, hash, form_hash, enumerator, device_id, received, current, conflict, body`

func scanSubmission(row pgx.CollectableRow) (intake.StoredInterview, error) {
	var x intake.StoredInterview
	err := row.Scan(&x.Seq, &x.ID, &x.Revision, &x.Hash, &x.FormHash, &x.Enumerator, &x.DeviceID, &x.Received, &x.Current, &x.Conflict, &x.Body)
	x.Received = utc(x.Received)
	return x, err
}

func (s *Store) submissions(ctx context.Context, where string, args ...any) ([]intake.StoredInterview, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+submissionCols+` FROM submissions `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanSubmission)
}

// Submissions implements intake.InterviewStore.
func (s *Store) Submissions(ctx context.Context, id string) ([]intake.StoredInterview, error) {
	if !storable(id) {
		return nil, nil
	}
	out, err := s.submissions(ctx, `WHERE id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("submissions of %s: %w", id, err)
	}
	return out, nil
}

// CountSubmissions implements intake.InterviewStore.
func (s *Store) CountSubmissions(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM submissions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count submissions: %w", err)
	}
	return n, nil
}

// eachPage is how many submissions EachSubmission reads per query: fn may
// be slow (an export), and a page keeps no connection or snapshot open
// while it runs.
const eachPage = 500

// EachSubmission implements intake.InterviewStore. Submissions stored while
// it runs may or may not be seen.
func (s *Store) EachSubmission(ctx context.Context, fn func(intake.StoredInterview) error) error {
	var after int64
	for {
		page, err := s.submissions(ctx, `WHERE seq > $1 ORDER BY seq LIMIT $2`, after, eachPage)
		if err != nil {
			return fmt.Errorf("list submissions: %w", err)
		}
		for _, x := range page {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(page) < eachPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}
