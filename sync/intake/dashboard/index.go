package dashboard

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sira/forms"
	"sira/office"
	"sira/sync/intake"
)

// Interview review states in the projection.
const (
	ReviewPending  = "pending"
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
)

// Interview office statuses in the projection.
const (
	StatusReceived = "received" // first revision
	StatusRevised  = "revised"  // a revision after a rejection
	StatusConflict = "conflict" // same id and revision, different content: to review
)

// DupSettings are the admin's choice of key fields for probable duplicate
// respondents: the office's rule (stored as JSON in dash_state).
type DupSettings = office.DupRule

// DefaultDupSettings fit the built-in returnee form, which records no
// names: sex, region and locality of origin, age ±1, same post, 7 days.
var DefaultDupSettings = office.DefaultDupRule

func (d *Dashboard) state(ctx context.Context, key string) (string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM dash_state WHERE key = ?`, key).Scan(&v)
	if errNoRows(err) {
		return "", nil
	}
	return v, err
}

func setState(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, key, value string) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO dash_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// DupSettings returns the stored duplicate settings (the defaults if none).
func (d *Dashboard) DupSettings(ctx context.Context) (DupSettings, error) {
	v, err := d.state(ctx, "dup_settings")
	if err != nil || v == "" {
		return DefaultDupSettings, err
	}
	var s DupSettings
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return DefaultDupSettings, fmt.Errorf("duplicate settings: %w", err)
	}
	return s, nil
}

// SetDupSettings stores s and re-projects every interview's keys (the
// cursor goes back to 0; the indexer catches up in the background).
func (d *Dashboard) SetDupSettings(ctx context.Context, s DupSettings) error {
	b, _ := json.Marshal(s)
	d.idxMu.Lock()
	defer d.idxMu.Unlock()
	err := inTx(ctx, d.db, func(tx *sql.Tx) error {
		if err := setState(ctx, tx, "dup_settings", string(b)); err != nil {
			return err
		}
		return setState(ctx, tx, "cursor", "0")
	})
	if err != nil {
		return fmt.Errorf("duplicate settings: %w", err)
	}
	d.dup = nil
	if err := d.office.ResetKeys(ctx); err != nil {
		return fmt.Errorf("duplicate settings: %w", err)
	}
	return nil
}

// indexDuplicates hands the projected interviews' keys to the office, which
// records the probable duplicates each one makes with any other.
func (d *Dashboard) indexDuplicates(ctx context.Context, ps []projection) error {
	ks := make([]office.DupKey, 0, len(ps))
	for _, p := range ps {
		ks = append(ks, p.dup)
	}
	if err := d.office.IndexKeys(ctx, *d.dup, ks, d.now()); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// formInfo is what the indexer needs of a form version.
type formInfo struct {
	form *forms.Form
	path map[string]string // field name → path (first field of that name)
}

func (d *Dashboard) formByHash(ctx context.Context, hash string) (*formInfo, error) {
	d.fmu.Lock()
	fi, ok := d.forms[hash]
	d.fmu.Unlock()
	if ok {
		return fi, nil
	}
	pf, err := d.store.Form(ctx, hash)
	if errors.Is(err, intake.ErrNotFound) {
		fi = &formInfo{path: map[string]string{}}
	} else if err != nil {
		return nil, err
	} else {
		f, err := forms.Load(pf.JSON)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", hash, err)
		}
		fi = &formInfo{form: f, path: map[string]string{}}
		for _, n := range f.Nodes() {
			if _, dup := fi.path[n.Name]; !dup && n.Type != forms.TypeGroup && n.Type != forms.TypeRepeat {
				fi.path[n.Name] = n.Path
			}
		}
	}
	d.fmu.Lock()
	d.forms[hash] = fi
	d.fmu.Unlock()
	return fi, nil
}

// CatchUp projects the submissions stored since the cursor, at most max
// (0: all), in seq order, and returns how many it read. Safe to call from
// any goroutine: batches are serialised, and the lock is taken per batch so
// that a long re-projection (new duplicate settings) never blocks pages.
func (d *Dashboard) CatchUp(ctx context.Context, max int) (int, error) {
	total := 0
	for max == 0 || total < max {
		n := 500
		if max > 0 {
			n = min(n, max-total)
		}
		got, err := d.catchUpBatch(ctx, n)
		total += got
		if err != nil || got == 0 {
			return total, err
		}
	}
	return total, nil
}

func (d *Dashboard) catchUpBatch(ctx context.Context, n int) (int, error) {
	d.idxMu.Lock()
	defer d.idxMu.Unlock()
	if d.dup == nil {
		s, err := d.DupSettings(ctx)
		if err != nil {
			return 0, err
		}
		d.dup = &s
	}
	cur, err := d.state(ctx, "cursor")
	if err != nil {
		return 0, fmt.Errorf("index cursor: %w", err)
	}
	cursor, _ := strconv.ParseInt(cur, 10, 64)
	// The intake's submissions table is read for the cursor scan only (same
	// file, read-only); everything else goes through intake.Store.
	rows, err := d.db.QueryContext(ctx, `SELECT seq, id FROM submissions WHERE seq > ? ORDER BY seq LIMIT ?`, cursor, n)
	if err != nil {
		return 0, fmt.Errorf("index: scan submissions: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	last, read := cursor, 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&last, &id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("index: scan submissions: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
		read++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("index: scan submissions: %w", err)
	}
	if read == 0 {
		return 0, nil
	}
	projs := make([]projection, 0, len(ids))
	for _, id := range ids {
		p, ok, err := d.project(ctx, id)
		if err != nil {
			return 0, err
		}
		if ok {
			projs = append(projs, p)
		}
	}
	if err := d.upsert(ctx, projs, last); err != nil {
		return 0, err
	}
	if err := d.indexDuplicates(ctx, projs); err != nil {
		return 0, err
	}
	return read, nil
}

// projection is one row of dash_interviews.
type projection struct {
	id, form, post, enumerator, device, status, started, day, received, kx string
	seq                                                                    int64
	revision, revisions                                                    int
	kn                                                                     sql.NullFloat64
	dup                                                                    office.DupKey // Exact "" when incomplete
}

func (d *Dashboard) project(ctx context.Context, id string) (projection, bool, error) {
	subs, err := d.store.Submissions(ctx, id)
	if err != nil {
		return projection{}, false, fmt.Errorf("index %s: %w", id, err)
	}
	var cur *intake.StoredInterview
	conflict := false
	for i := range subs {
		if subs[i].Current && (cur == nil || subs[i].Seq > cur.Seq) {
			cur = &subs[i]
		}
	}
	if cur == nil {
		return projection{}, false, nil
	}
	for _, s := range subs {
		if s.Conflict && s.Revision == cur.Revision {
			conflict = true
		}
	}
	if conflict {
		// A reviewer chose the copy that counts: it is the interview now.
		c, err := d.office.Choice(ctx, id, cur.Revision)
		if err != nil && !errors.Is(err, office.ErrNotFound) {
			return projection{}, false, fmt.Errorf("index %s: %w", id, err)
		}
		for i := range subs {
			if c != nil && subs[i].Revision == cur.Revision && subs[i].Hash == c.Hash {
				cur, conflict = &subs[i], false
			}
		}
	}
	iv, err := decodeBody(cur.Body)
	if err != nil {
		return projection{}, false, fmt.Errorf("index %s: decode: %w", id, err)
	}
	fi, err := d.formByHash(ctx, cur.FormHash)
	if err != nil {
		return projection{}, false, fmt.Errorf("index %s: %w", id, err)
	}
	val := func(name string) string {
		if p := fi.path[name]; p != "" && iv.Data != nil {
			return iv.Data.Values[p]
		}
		return ""
	}
	p := projection{
		id: id, seq: cur.Seq, revision: cur.Revision, revisions: len(subs), form: iv.FormID,
		post: val(d.postField), enumerator: cur.Enumerator, device: cur.DeviceID,
		started: sortStamp(iv.Started), day: iv.Started.UTC().Format(time.DateOnly), received: sortStamp(cur.Received),
	}
	if p.enumerator == "" {
		p.enumerator = iv.Enumerator
	}
	switch {
	case conflict:
		p.status = StatusConflict
	case cur.Revision > 1:
		p.status = StatusRevised
	default:
		p.status = StatusReceived
	}
	// Duplicate keys: only when every chosen field is answered, so that
	// interviews stopped at consent never pair up on empty values.
	ds := d.dup
	parts := make([]string, 0, len(ds.Exact)+1)
	complete := len(ds.Exact) > 0 || ds.Numeric != ""
	for _, f := range ds.Exact {
		v := strings.ToLower(strings.TrimSpace(val(f)))
		if v == "" {
			complete = false
		}
		parts = append(parts, v)
	}
	if ds.SamePost {
		parts = append(parts, p.post)
	}
	if ds.Numeric != "" {
		x, err := strconv.ParseFloat(val(ds.Numeric), 64)
		if err != nil {
			complete = false
		}
		p.kn = sql.NullFloat64{Float64: x, Valid: err == nil}
	}
	if complete {
		p.kx = strings.Join(parts, "\x1f")
		if p.kx == "" {
			p.kx = "\x1f" // numeric key alone
		}
	}
	// The office's index of the rule's keys: each arrival is checked
	// against every interview, whatever its age.
	p.dup = office.DupKey{Form: p.form, ID: id}
	if k, ok := ds.KeyOf(p.form, id, p.post, iv.Started, val); ok {
		p.dup = k
	}
	return p, true, nil
}

func (d *Dashboard) upsert(ctx context.Context, ps []projection, cursor int64) error {
	err := inTx(ctx, d.db, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO dash_interviews
			(id, seq, revision, revisions, form, post, enumerator, device, status, review, review_rev, started, day, received, kx, kn)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, revision = excluded.revision, revisions = excluded.revisions,
				form = excluded.form, post = excluded.post, enumerator = excluded.enumerator, device = excluded.device,
				status = excluded.status, started = excluded.started, day = excluded.day, received = excluded.received,
				kx = excluded.kx, kn = excluded.kn,
				review = CASE WHEN excluded.revision > dash_interviews.review_rev THEN 'pending' ELSE dash_interviews.review END`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range ps {
			if _, err := st.ExecContext(ctx, p.id, p.seq, p.revision, p.revisions, p.form, p.post, p.enumerator, p.device,
				p.status, p.started, p.day, p.received, p.kx, p.kn); err != nil {
				return fmt.Errorf("%s: %w", p.id, err)
			}
		}
		if cursor < 0 { // one interview projected again: the cursor stays
			return nil
		}
		return setState(ctx, tx, "cursor", strconv.FormatInt(cursor, 10))
	})
	if err != nil {
		return fmt.Errorf("index: store projection: %w", err)
	}
	return nil
}

// Run keeps the projection up to date until ctx ends: it catches up every
// interval (requests also catch up before they read).
func (d *Dashboard) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.CatchUp(ctx, 0); err != nil && ctx.Err() == nil {
			d.log.Error("dashboard: index", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
