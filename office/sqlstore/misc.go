package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sira/office"
)

// ChooseCopy implements office.Store.
func (s *Store) ChooseCopy(ctx context.Context, c office.Choice) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_choices (id, revision, hash, by_user, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id, revision) DO UPDATE SET hash = excluded.hash, by_user = excluded.by_user, at = excluded.at`),
			c.ID, c.Revision, c.Hash, c.By, Stamp(c.At)); err != nil {
			return err
		}
		return s.history(ctx, tx, office.HistoryEntry{ID: c.ID, Revision: c.Revision, Action: "choose", Comment: c.Hash, By: c.By, At: c.At})
	})
	if err != nil {
		return fmt.Errorf("choose copy of %s: %w", c.ID, err)
	}
	return nil
}

// Choice implements office.Store.
func (s *Store) Choice(ctx context.Context, id string, revision int) (*office.Choice, error) {
	var c office.Choice
	var at string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, revision, hash, by_user, at FROM office_choices WHERE id = ? AND revision = ?`), id, revision).
		Scan(&c.ID, &c.Revision, &c.Hash, &c.By, &at)
	if notFound(err) {
		return nil, fmt.Errorf("choice for %s: %w", id, office.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("choice for %s: %w", id, err)
	}
	c.At = ParseStamp(at)
	return &c, nil
}

// Choices implements office.Store.
func (s *Store) Choices(ctx context.Context) ([]office.Choice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, revision, hash, by_user, at FROM office_choices ORDER BY id, revision`)
	if err != nil {
		return nil, fmt.Errorf("choices: %w", err)
	}
	defer rows.Close()
	var out []office.Choice
	for rows.Next() {
		var c office.Choice
		var at string
		if err := rows.Scan(&c.ID, &c.Revision, &c.Hash, &c.By, &at); err != nil {
			return nil, fmt.Errorf("choices: %w", err)
		}
		c.At = ParseStamp(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// maxCandidates bounds the keys one arrival is compared with: the rows of
// one exact key within the rule's window of days.
const maxCandidates = 1000

// IndexKey implements office.Store.
func (s *Store) IndexKey(ctx context.Context, r office.DupRule, k office.DupKey, at time.Time) ([]office.Pair, error) {
	if err := s.IndexKeys(ctx, r, []office.DupKey{k}, at); err != nil {
		return nil, err
	}
	return s.pairs(ctx, `WHERE a = ? OR b = ? ORDER BY a, b`, k.ID, k.ID)
}

// IndexKeys implements office.Store.
func (s *Store) IndexKeys(ctx context.Context, r office.DupRule, ks []office.DupKey, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range ks {
			if err := s.indexKey(ctx, tx, r, k, at); err != nil {
				return fmt.Errorf("%s: %w", k.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("duplicate keys: %w", err)
	}
	return nil
}

func (s *Store) indexKey(ctx context.Context, tx *sql.Tx, r office.DupRule, k office.DupKey, at time.Time) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_pairs WHERE state = 'open' AND (a = ? OR b = ?)`), k.ID, k.ID); err != nil {
		return err
	}
	if k.Exact == "" {
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_dupkeys WHERE form = ? AND id = ?`), k.Form, k.ID)
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_dupkeys (form, id, exact, num, has_n, day) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (form, id) DO UPDATE SET exact = excluded.exact, num = excluded.num, has_n = excluded.has_n, day = excluded.day`),
		k.Form, k.ID, k.Exact, k.Num, b2i(k.HasN), day(k.Day)); err != nil {
		return err
	}
	from, to := k.Day.AddDate(0, 0, -r.Days), k.Day.AddDate(0, 0, r.Days)
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, num, has_n, day FROM office_dupkeys
		WHERE form = ? AND exact = ? AND day >= ? AND day <= ? AND id <> ? ORDER BY day LIMIT ?`),
		k.Form, k.Exact, day(from), day(to), k.ID, maxCandidates)
	if err != nil {
		return err
	}
	var match []string
	for rows.Next() {
		o := office.DupKey{Form: k.Form, Exact: k.Exact}
		var hasN int
		var d string
		if err := rows.Scan(&o.ID, &o.Num, &hasN, &d); err != nil {
			rows.Close()
			return err
		}
		o.HasN = hasN != 0
		o.Day, _ = time.Parse(time.DateOnly, d)
		if r.Matches(k, o) {
			match = append(match, o.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range match {
		a, b := k.ID, o
		if b < a {
			a, b = b, a
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_pairs (a, b, form, state, found, by_user, at) VALUES (?, ?, ?, 'open', ?, '', '')
			ON CONFLICT (a, b) DO NOTHING`), a, b, k.Form, Stamp(at)); err != nil {
			return err
		}
	}
	return nil
}

// DropKey implements office.Store.
func (s *Store) DropKey(ctx context.Context, form, id string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_dupkeys WHERE form = ? AND id = ?`), form, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_pairs WHERE state = 'open' AND (a = ? OR b = ?)`), id, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop duplicate key of %s: %w", id, err)
	}
	return nil
}

// ResetKeys implements office.Store.
func (s *Store) ResetKeys(ctx context.Context) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM office_dupkeys`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM office_pairs WHERE state = 'open'`)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset duplicate keys: %w", err)
	}
	return nil
}

// Pairs implements office.Store.
func (s *Store) Pairs(ctx context.Context, state string, limit int) ([]office.Pair, error) {
	if state == "" {
		return s.pairs(ctx, `ORDER BY found DESC, a, b LIMIT ?`, limit)
	}
	return s.pairs(ctx, `WHERE state = ? ORDER BY found DESC, a, b LIMIT ?`, state, limit)
}

func (s *Store) pairs(ctx context.Context, tail string, args ...any) ([]office.Pair, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT form, a, b, state, found, by_user, at FROM office_pairs `+tail), args...)
	if err != nil {
		return nil, fmt.Errorf("duplicate pairs: %w", err)
	}
	defer rows.Close()
	var out []office.Pair
	for rows.Next() {
		var p office.Pair
		var found, at string
		if err := rows.Scan(&p.Form, &p.A, &p.B, &p.State, &found, &p.By, &at); err != nil {
			return nil, fmt.Errorf("duplicate pairs: %w", err)
		}
		p.Found, p.At = ParseStamp(found), ParseStamp(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// DecidePair implements office.Store.
func (s *Store) DecidePair(ctx context.Context, a, b, state, by string, at time.Time) error {
	if state != office.PairConfirmed && state != office.PairDismissed {
		return fmt.Errorf("decide pair %s %s: state %q is neither confirmed nor dismissed", a, b, state)
	}
	if b < a {
		a, b = b, a
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE office_pairs SET state = ?, by_user = ?, at = ? WHERE a = ? AND b = ?`), state, by, Stamp(at), a, b)
	if err != nil {
		return fmt.Errorf("decide pair %s %s: %w", a, b, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("decide pair %s %s: %w", a, b, office.ErrNotFound)
	}
	return nil
}

// SetTarget implements office.Store.
func (s *Store) SetTarget(ctx context.Context, t office.Target) error {
	if (t.Scope != office.ScopePost && t.Scope != office.ScopeEnumerator) || (t.Period != office.PeriodWeek && t.Period != office.PeriodMonth) || t.N < 0 {
		return fmt.Errorf("target %s %s: scope %q, period %q, %d: want post or enumerator, week or month, n ≥ 0", t.Scope, t.Key, t.Scope, t.Period, t.N)
	}
	var err error
	if t.N == 0 {
		_, err = s.db.ExecContext(ctx, s.q(`DELETE FROM office_targets WHERE scope = ? AND key = ? AND period = ?`), t.Scope, t.Key, t.Period)
	} else {
		_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO office_targets (scope, key, period, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (scope, key, period) DO UPDATE SET n = excluded.n`), t.Scope, t.Key, t.Period, t.N)
	}
	if err != nil {
		return fmt.Errorf("target %s %s: %w", t.Scope, t.Key, err)
	}
	return nil
}

// Targets implements office.Store.
func (s *Store) Targets(ctx context.Context) ([]office.Target, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT scope, key, period, n FROM office_targets ORDER BY scope, key, period`)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	defer rows.Close()
	var out []office.Target
	for rows.Next() {
		var t office.Target
		if err := rows.Scan(&t.Scope, &t.Key, &t.Period, &t.N); err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RecordSync implements office.Store.
func (s *Store) RecordSync(ctx context.Context, d office.Device) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO office_devices (token_id, enumerator, post, last_sync, drafts, drafts_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_id) DO UPDATE SET enumerator = excluded.enumerator,
			post = CASE WHEN excluded.post = '' THEN office_devices.post ELSE excluded.post END,
			last_sync = CASE WHEN excluded.last_sync > office_devices.last_sync THEN excluded.last_sync ELSE office_devices.last_sync END,
			drafts = CASE WHEN excluded.drafts < 0 THEN office_devices.drafts ELSE excluded.drafts END,
			drafts_at = CASE WHEN excluded.drafts < 0 THEN office_devices.drafts_at ELSE excluded.drafts_at END`),
		d.TokenID, d.Enumerator, d.Post, Stamp(d.LastSync), d.Drafts, Stamp(d.DraftsAt))
	if err != nil {
		return fmt.Errorf("device %s: %w", d.TokenID, err)
	}
	return nil
}

// Devices implements office.Store.
func (s *Store) Devices(ctx context.Context) ([]office.Device, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token_id, enumerator, post, last_sync, drafts, drafts_at FROM office_devices ORDER BY token_id`)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	var out []office.Device
	for rows.Next() {
		var d office.Device
		var last, dat string
		if err := rows.Scan(&d.TokenID, &d.Enumerator, &d.Post, &last, &d.Drafts, &dat); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		d.LastSync, d.DraftsAt = ParseStamp(last), ParseStamp(dat)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Audit implements office.Store.
func (s *Store) Audit(ctx context.Context, e office.AuditEntry) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO office_audit (at, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
		Stamp(e.At), e.User, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog implements office.Store.
func (s *Store) AuditLog(ctx context.Context, action string, before int64, limit int) ([]office.AuditEntry, error) {
	where, args := "WHERE 1 = 1", []any{}
	if action != "" {
		where, args = where+" AND action = ?", append(args, action)
	}
	if before > 0 {
		where, args = where+" AND seq < ?", append(args, before)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, at, user_name, action, target, detail FROM office_audit `+where+` ORDER BY seq DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []office.AuditEntry
	for rows.Next() {
		var e office.AuditEntry
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.User, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At = ParseStamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
