// Package transfer moves an office from one database to another (`sira
// intake migrate --from intake.db --to postgres://…`): the intake's forms,
// tokens of every kind (hashed; relays with their posts), the office's age
// identities (every generation), submissions with their received times,
// revisions, conflicts and bodies, and attachments, through the intake
// stores' own methods; then every office table (users and scopes, reviews
// and their history, notices to laptops with their numbers, the office id,
// choices, duplicate keys and pairs, targets, devices, audit log,
// settings) row for row. Each step skips what the target already holds, so
// a run cut at any point (kill -9) is simply run again, and a run after a
// finished one copies nothing. Verify compares counts and content digests.
//
// Not carried: sessions and sign-in failures (users sign in again), the
// intake's counters of receipts (the target counts its own), the old
// dashboard's own tables (their content is in the office tables since the
// office first opened the file), and, not yet, the intake's enrolled
// devices, recovery copies, offline enrolments, PIN resets and key log.
package transfer

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"sira/office/source"
	"sira/office/sqlstore"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
)

// Side is one end of a move: an intake store and the office's SQL store
// on the same database.
type Side struct {
	Intake intake.Store
	Office *sqlstore.Store
}

// Result counts what one run copied (0 everywhere on a rerun).
type Result struct {
	Forms       int            `json:"forms"`
	Tokens      int            `json:"tokens"`
	Submissions int            `json:"submissions"`
	Attachments int            `json:"attachments"`
	OfficeKeys  int            `json:"office_keys"`
	OfficeRows  map[string]int `json:"office_rows"`
}

// officeTables are copied in this order; sessions and sign-in failures are
// not carried.
var officeTables = []struct{ name, key string }{
	{"office_meta", "key"},
	{"office_counters", "name"},
	{"office_users", "name"},
	{"office_scopes", "user_name, kind, value"},
	{"office_reviews", "id"},
	{"office_history", "seq"},
	{"office_notices", "seq"},
	{"office_choices", "id, revision"},
	{"office_dupkeys", "form, id"},
	{"office_pairs", "a, b"},
	{"office_targets", "scope, key, period"},
	{"office_devices", "token_id"},
	{"office_audit", "seq"},
}

// batchMax bounds the submissions stored in one target transaction.
const batchMax = 200

// Move copies what to lacks from from. log receives a line per step.
func Move(ctx context.Context, from, to Side, log io.Writer) (Result, error) {
	res := Result{OfficeRows: map[string]int{}}
	// Forms first: submissions name them.
	fs, err := from.Intake.Forms(ctx)
	if err != nil {
		return res, fmt.Errorf("forms: %w", err)
	}
	for _, f := range fs {
		created, err := to.Intake.PutForm(ctx, f)
		if err != nil {
			return res, fmt.Errorf("form %s %s: %w", f.FormID, f.Version, err)
		}
		if created {
			res.Forms++
		}
	}
	fmt.Fprintf(log, "forms: %d of %d copied\n", res.Forms, len(fs))
	ts, err := from.Intake.Tokens(ctx)
	if err != nil {
		return res, fmt.Errorf("tokens: %w", err)
	}
	for _, t := range ts {
		have, err := to.Intake.TokenByHash(ctx, t.Hash)
		switch {
		case errors.Is(err, intake.ErrNotFound):
			nt := t // every kind (device, relay with its posts), revoked below
			nt.Revoked = time.Time{}
			if err := to.Intake.CreateToken(ctx, nt); err != nil {
				return res, fmt.Errorf("token %s: %w", t.ID, err)
			}
			res.Tokens++
		case err != nil:
			return res, fmt.Errorf("token %s: %w", t.ID, err)
		}
		if !t.Revoked.IsZero() && (have == nil || have.Revoked.IsZero()) {
			if _, err := to.Intake.RevokeTokens(ctx, t.ID, "", t.Revoked); err != nil {
				return res, fmt.Errorf("token %s: %w", t.ID, err)
			}
		}
	}
	fmt.Fprintf(log, "tokens: %d of %d copied\n", res.Tokens, len(ts))
	n, err := moveOfficeKeys(ctx, from, to)
	if err != nil {
		return res, err
	}
	res.OfficeKeys = n
	fmt.Fprintf(log, "office keys: %d generations copied\n", n)
	if err := moveSubmissions(ctx, from, to, &res); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "submissions: %d copied, attachments: %d\n", res.Submissions, res.Attachments)
	for _, t := range officeTables {
		n, err := copyTable(ctx, from.Office.DB(), to.Office.DB(), t.name, t.key)
		if err != nil {
			return res, fmt.Errorf("%s: %w", t.name, err)
		}
		res.OfficeRows[t.name] = n
	}
	for _, t := range []string{"office_history", "office_audit"} {
		// The target's identity sequences continue after the copied rows.
		if _, err := to.Office.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM `+t+`), false)`); err != nil {
			return res, fmt.Errorf("%s: sequence: %w", t, err)
		}
	}
	fmt.Fprintf(log, "office rows copied: %v\n", res.OfficeRows)
	return res, nil
}

// moveOfficeKeys copies the office's age identities generation for
// generation: the target must open every carried file laptops encrypted to
// the source's keys. A target that already made another key of a
// generation the source has (a server was started on it first) is refused
// by name: two offices' keys cannot be merged silently.
func moveOfficeKeys(ctx context.Context, from, to Side) (int, error) {
	ks, err := from.Intake.OfficeKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("office keys: %w", err)
	}
	n := 0
	for _, k := range ks {
		inserted, err := to.Intake.AddOfficeKey(ctx, k)
		if err != nil {
			return n, fmt.Errorf("office key generation %d: %w", k.Generation, err)
		}
		if inserted {
			n++
		}
	}
	have, err := to.Intake.OfficeKeys(ctx)
	if err != nil {
		return n, fmt.Errorf("office keys: %w", err)
	}
	byGen := map[int]string{}
	for _, k := range have {
		byGen[k.Generation] = k.Recipient
	}
	for _, k := range ks {
		if byGen[k.Generation] != k.Recipient {
			return n, fmt.Errorf("office key generation %d: the target holds another key (%s, not %s): it was started as an office of its own; migrate into an empty database",
				k.Generation, intake.Fingerprint(byGen[k.Generation]), intake.Fingerprint(k.Recipient))
		}
	}
	return n, nil
}

// moveSubmissions stores every submission the target lacks, in the
// source's order, in batches of one received time (so that each keeps its
// received time and the target decides revisions and conflicts as the
// source did), attachments first.
func moveSubmissions(ctx context.Context, from, to Side, res *Result) error {
	var batch []intake.StoredInterview
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		items := make([]wire.Item, len(batch))
		for i, x := range batch {
			items[i] = wire.Item{ID: x.ID, Revision: x.Revision, Hash: x.Hash}
		}
		held, err := to.Intake.Held(ctx, items)
		if err != nil {
			return err
		}
		var in []intake.Incoming
		for i, x := range batch {
			if held[i] {
				continue
			}
			iv, err := decode(x.Body)
			if err != nil {
				return fmt.Errorf("submission %s revision %d: %w", x.ID, x.Revision, err)
			}
			for _, a := range iv.Attachments {
				n, err := moveAttachment(ctx, from, to, a)
				if err != nil {
					return err
				}
				res.Attachments += n
			}
			in = append(in, intake.Incoming{Interview: iv, Hash: x.Hash, Body: x.Body, Size: len(x.Body)})
		}
		if len(in) == 0 {
			return nil
		}
		rs, err := to.Intake.Ingest(ctx, intake.BatchMeta{Source: "migrate", Received: batch[0].Received}, in)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Status == wire.Invalid {
				return fmt.Errorf("submission %s revision %d refused by the target: %s", r.ID, r.Revision, r.Reason)
			}
		}
		res.Submissions += len(in)
		return nil
	}
	err := from.Intake.EachSubmission(ctx, func(x intake.StoredInterview) error {
		if len(batch) > 0 && (!x.Received.Equal(batch[0].Received) || len(batch) == batchMax || sameID(batch, x.ID)) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, x)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("submissions: %w", err)
	}
	return nil
}

// sameID: two submissions of one id go in separate batches, in order.
func sameID(b []intake.StoredInterview, id string) bool {
	for _, x := range b {
		if x.ID == id {
			return true
		}
	}
	return false
}

func moveAttachment(ctx context.Context, from, to Side, a survey.Attachment) (int, error) {
	off, complete, err := to.Intake.AttachmentState(ctx, a.SHA256)
	if err != nil || complete {
		return 0, err
	}
	data, err := from.Intake.Attachment(ctx, a.SHA256)
	if errors.Is(err, intake.ErrNotFound) {
		return 0, nil // never uploaded to the source either
	}
	if err != nil {
		return 0, fmt.Errorf("attachment %s: %w", a.SHA256, err)
	}
	if off > int64(len(data)) {
		off = 0
	}
	if _, _, err := to.Intake.AppendAttachment(ctx, a.SHA256, int64(len(data)), off, data[off:]); err != nil {
		return 0, fmt.Errorf("attachment %s: %w", a.SHA256, err)
	}
	return 1, nil
}

// decode reads a stored body, binary or the first intakes' JSON.
func decode(b []byte) (*survey.Interview, error) { return source.DecodeBody(b) }

// copyTable inserts the rows of table the target lacks (by key); the
// office id and the counters are the source's (upserted), so notices keep
// their numbers and laptops their cursors.
func copyTable(ctx context.Context, src, dst *sql.DB, table, key string) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+key)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	conflict := "ON CONFLICT DO NOTHING"
	if table == "office_meta" || table == "office_counters" {
		conflict = "ON CONFLICT (" + key + ") DO UPDATE SET value = excluded.value"
	}
	ins := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `) ` + conflict
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		r, err := tx.ExecContext(ctx, ins, vals...)
		if err != nil {
			return 0, err
		}
		if k, _ := r.RowsAffected(); k > 0 && table != "office_meta" && table != "office_counters" {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Verify compares the two sides: forms, tokens, every submission (id,
// revision, content hash, received time, body digest, in order) and every
// carried office table (row count and digest). It returns the first
// difference as an error.
func Verify(ctx context.Context, from, to Side) error {
	for _, c := range []struct {
		what string
		fn   func(Side) (string, error)
	}{
		{"forms", func(s Side) (string, error) {
			fs, err := s.Intake.Forms(ctx)
			var ls []string
			for _, f := range fs {
				ls = append(ls, f.Hash)
			}
			return digest(ls), err
		}},
		{"tokens", func(s Side) (string, error) {
			ts, err := s.Intake.Tokens(ctx)
			var ls []string
			for _, t := range ts {
				ls = append(ls, t.ID+" "+t.Hash+" "+t.Enumerator+" "+t.Kind+" "+t.Relay+" "+strings.Join(t.Posts, ",")+" "+fmt.Sprint(t.Revoked.IsZero()))
			}
			return digest(ls), err
		}},
		{"office keys", func(s Side) (string, error) {
			ks, err := s.Intake.OfficeKeys(ctx)
			var ls []string
			for _, k := range ks {
				ls = append(ls, fmt.Sprint(k.Generation)+" "+k.Recipient)
			}
			return digest(ls), err
		}},
		{"submissions", func(s Side) (string, error) {
			h := sha256.New()
			n := 0
			err := s.Intake.EachSubmission(ctx, func(x intake.StoredInterview) error {
				b := sha256.Sum256(x.Body)
				fmt.Fprintf(h, "%s %d %s %d %v %v %x\n", x.ID, x.Revision, x.Hash, x.Received.UnixMicro(), x.Current, x.Conflict, b)
				n++
				return nil
			})
			return fmt.Sprintf("%d %x", n, h.Sum(nil)), err
		}},
	} {
		a, err := c.fn(from)
		if err != nil {
			return fmt.Errorf("verify %s: source: %w", c.what, err)
		}
		b, err := c.fn(to)
		if err != nil {
			return fmt.Errorf("verify %s: target: %w", c.what, err)
		}
		if a != b {
			return fmt.Errorf("verify %s: the target differs from the source", c.what)
		}
	}
	for _, t := range officeTables {
		a, err := tableDigest(ctx, from.Office.DB(), t.name, t.key)
		if err != nil {
			return fmt.Errorf("verify %s: source: %w", t.name, err)
		}
		b, err := tableDigest(ctx, to.Office.DB(), t.name, t.key)
		if err != nil {
			return fmt.Errorf("verify %s: target: %w", t.name, err)
		}
		if a != b {
			return fmt.Errorf("verify %s: the target differs from the source", t.name)
		}
	}
	return nil
}

func digest(ls []string) string {
	sort.Strings(ls)
	h := sha256.Sum256([]byte(strings.Join(ls, "\n")))
	return fmt.Sprintf("%d %s", len(ls), hex.EncodeToString(h[:]))
}

func tableDigest(ctx context.Context, db *sql.DB, table, key string) (string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+key)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var ls []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				parts[i] = string(x)
			case time.Time:
				parts[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		ls = append(ls, strings.Join(parts, "\x1f"))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(strings.Join(ls, "\n")))
	return fmt.Sprintf("%d %x", len(ls), h), nil
}
