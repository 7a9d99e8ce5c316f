package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Filter selects interviews of the projection. Empty fields match all.
type Filter struct {
	Form, Post, Enumerator, Status, Review string
	From, To                               string // YYYY-MM-DD, on the interview's start, inclusive
	// After is the keyset cursor of the next page (Page.Next), "" for the first.
	After string
	Limit int // rows per page (default 50, at most 500)
}

// Row is one interview of the table.
type Row struct {
	ID, Form, Post, Enumerator, Device, Status, Review string
	Revision, Revisions                                int
	Started, Received                                  time.Time
}

// Page is one page of the interviews table, newest started first.
type Page struct {
	Rows []Row
	Next string // cursor of the next page, "" at the end
}

// scope returns the SQL condition limiting what u sees: a supervisor sees
// the interviews of their posts and of their enumerators, nothing if none
// is assigned; admins and viewers see everything.
func scope(u *User) (string, []any) { return scopeOf(u, "") }

// scopeOf is scope on the table alias (e.g. "a.").
func scopeOf(u *User, alias string) (string, []any) {
	if u == nil || u.Role != RoleSupervisor {
		return "1", nil
	}
	var conds []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in(alias+"post", u.Posts)
	in(alias+"enumerator", u.Enumerators)
	if len(conds) == 0 {
		return "0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func (f Filter) where(u *User) (string, []any, error) {
	w, args := scope(u)
	conds := []string{w}
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	eq("form", f.Form)
	eq("post", f.Post)
	eq("enumerator", f.Enumerator)
	eq("status", f.Status)
	eq("review", f.Review)
	if f.From != "" {
		t, err := time.Parse(time.DateOnly, f.From)
		if err != nil {
			return "", nil, errStatus(400, "err_date")
		}
		conds = append(conds, "started >= ?")
		args = append(args, sortStamp(t))
	}
	if f.To != "" {
		t, err := time.Parse(time.DateOnly, f.To)
		if err != nil {
			return "", nil, errStatus(400, "err_date")
		}
		conds = append(conds, "started < ?")
		args = append(args, sortStamp(t.AddDate(0, 0, 1)))
	}
	return strings.Join(conds, " AND "), args, nil
}

// Interviews returns one page of the interviews u may see that match f.
// It uses keyset paging on (started, id), so every page costs the same.
func (d *Dashboard) Interviews(ctx context.Context, u *User, f Filter) (*Page, error) {
	w, args, err := f.where(u)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	if f.After != "" {
		started, id, ok := strings.Cut(f.After, "|")
		if !ok {
			return nil, errStatus(400, "err_cursor")
		}
		w += " AND (started, id) < (?, ?)"
		args = append(args, started, id)
	}
	q := `SELECT id, form, post, enumerator, device, status, review, revision, revisions, started, received
		FROM dash_interviews WHERE ` + w + ` ORDER BY started DESC, id DESC LIMIT ?`
	rows, err := d.db.QueryContext(ctx, q, append(args, f.Limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("interviews: %w", err)
	}
	defer rows.Close()
	p := &Page{}
	var lastStarted string
	for rows.Next() {
		var r Row
		var started, received string
		if err := rows.Scan(&r.ID, &r.Form, &r.Post, &r.Enumerator, &r.Device, &r.Status, &r.Review, &r.Revision, &r.Revisions, &started, &received); err != nil {
			return nil, fmt.Errorf("interviews: %w", err)
		}
		if len(p.Rows) == f.Limit {
			last := p.Rows[len(p.Rows)-1]
			p.Next = lastStarted + "|" + last.ID
			break
		}
		r.Started, r.Received = parseSort(started), parseSort(received)
		lastStarted = started
		p.Rows = append(p.Rows, r)
	}
	return p, rows.Err()
}

// Count returns how many interviews u may see match f, from the counts
// table (exact, and fast at a million interviews); past limit it returns
// limit and more = true, for pages that say "more than".
func (d *Dashboard) Count(ctx context.Context, u *User, f Filter, limit int) (n int, more bool, err error) {
	f.After = ""
	w, args, err := f.countWhere(u)
	if err != nil {
		return 0, false, err
	}
	table := "dash_totals"
	if f.From != "" || f.To != "" {
		table = "dash_counts" // by day, a range of its key
	}
	err = d.db.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM `+table+` WHERE `+w, args...).Scan(&n)
	if err != nil {
		return 0, false, fmt.Errorf("count interviews: %w", err)
	}
	if n > limit {
		return limit, true, nil
	}
	return n, false, nil
}

// countWhere is where on dash_counts, whose dates are days.
func (f Filter) countWhere(u *User) (string, []any, error) {
	g := f
	g.From, g.To = "", ""
	w, args, err := g.where(u)
	if err != nil {
		return "", nil, err
	}
	for _, x := range []struct{ v, op string }{{f.From, ">="}, {f.To, "<="}} {
		if x.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, x.v); err != nil {
			return "", nil, errStatus(400, "err_date")
		}
		w += " AND day " + x.op + " ?"
		args = append(args, x.v)
	}
	return w, args, nil
}

func parseSort(s string) time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05.000Z", s)
	return t
}

// visible returns the projected row of id if u may see it.
func (d *Dashboard) visible(ctx context.Context, u *User, id string) (*Row, error) {
	w, args := scope(u)
	var r Row
	var started, received string
	err := d.db.QueryRowContext(ctx, `SELECT id, form, post, enumerator, device, status, review, revision, revisions, started, received
		FROM dash_interviews WHERE id = ? AND `+w, append([]any{id}, args...)...).
		Scan(&r.ID, &r.Form, &r.Post, &r.Enumerator, &r.Device, &r.Status, &r.Review, &r.Revision, &r.Revisions, &started, &received)
	if err == sql.ErrNoRows {
		return nil, errStatus(404, "err_notfound")
	}
	if err != nil {
		return nil, fmt.Errorf("interview %s: %w", id, err)
	}
	r.Started, r.Received = parseSort(started), parseSort(received)
	return &r, nil
}

// distinct returns the distinct values of col u may see (for the filter menus).
func (d *Dashboard) distinct(ctx context.Context, u *User, col string) ([]string, error) {
	w, args := scope(u)
	// From the totals table: a few rows per enumerator.
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT `+col+` FROM dash_totals WHERE `+w+` ORDER BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("distinct %s: %w", col, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v != "" {
			out = append(out, v)
		}
	}
	return out, rows.Err()
}
