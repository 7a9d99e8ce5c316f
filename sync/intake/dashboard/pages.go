package dashboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"sira/office"
)

// silentAfter is how long without a sync makes a device "silent".
const silentAfter = 72 * time.Hour

type counted struct {
	Key              string
	Enumerator, Post string // devices: of their latest interview
	N                int64
	Target           int64 // the target of the current period (Progress), 0 when none
	Progress         office.Progress
	LastSync         time.Time
	LastRecv         time.Time
	Drafts           int64 // -1: unknown
	Silent           bool
}

type dayBar struct {
	Day        string
	N          int64
	X, Y, H, W int
}

type completionData struct {
	Total, Pending, Approved, Rejected, Conflicts int64
	Drafts                                        int64
	DraftsKnown                                   bool
	Days                                          []dayBar
	LastDay                                       string // YYYY-MM-DD, the chart's last day
	MaxDay                                        int64
	Posts, Enums                                  []counted
	Devices                                       []counted
	Forms                                         []string
	Behind                                        []office.Progress // posts and enumerators behind their pace this week
	Week, Month                                   string            // the current periods, for the headings
}

// deviceCounts counts interviews per laptop (device id) with the
// enumerator and post of its latest interview (SQLite returns the bare
// columns of the row holding max()).
func (d *Dashboard) deviceCounts(ctx context.Context, u *User) ([]counted, error) {
	w, args := scope(u)
	rows, err := d.db.QueryContext(ctx, `SELECT device, enumerator, post, sum(n), max(last_received) FROM dash_totals WHERE `+w+` GROUP BY device ORDER BY device`, args...)
	if err != nil {
		return nil, fmt.Errorf("count by device: %w", err)
	}
	defer rows.Close()
	var out []counted
	for rows.Next() {
		c := counted{Drafts: -1}
		var last string
		if err := rows.Scan(&c.Key, &c.Enumerator, &c.Post, &c.N, &last); err != nil {
			return nil, err
		}
		c.LastRecv = parseSort(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (d *Dashboard) groupCount(ctx context.Context, u *User, col string) ([]counted, error) {
	w, args := scope(u)
	rows, err := d.db.QueryContext(ctx, `SELECT `+col+`, sum(n), max(last_received) FROM dash_totals WHERE `+w+` GROUP BY `+col+` ORDER BY `+col, args...)
	if err != nil {
		return nil, fmt.Errorf("count by %s: %w", col, err)
	}
	defer rows.Close()
	var out []counted
	for rows.Next() {
		c := counted{Drafts: -1}
		var last string
		if err := rows.Scan(&c.Key, &c.N, &last); err != nil {
			return nil, err
		}
		c.LastRecv = parseSort(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Completion is the numbers of the completion page for u.
func (d *Dashboard) Completion(ctx context.Context, u *User) (*completionData, error) {
	w, args := scope(u)
	c := &completionData{}
	rows, err := d.db.QueryContext(ctx, `SELECT status, review, sum(n) FROM dash_totals WHERE `+w+` GROUP BY status, review`, args...)
	if err != nil {
		return nil, fmt.Errorf("completion: %w", err)
	}
	for rows.Next() {
		var st, rv string
		var n int64
		if err := rows.Scan(&st, &rv, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c.Total += n
		switch rv {
		case ReviewPending:
			c.Pending += n
		case ReviewApproved:
			c.Approved += n
		case ReviewRejected:
			c.Rejected += n
		}
		if st == StatusConflict {
			c.Conflicts += n
		}
	}
	rows.Close()
	// Interviews per day, as bars of an inline SVG: the 30 days up to the
	// last day interviewed (today at most). Laptops sync days or weeks
	// after fieldwork, so a window ending today would often be empty.
	today := d.now().UTC().Truncate(24 * time.Hour)
	// The key's day order, read from its end: stops at the first row in scope.
	var lastDay string
	err = d.db.QueryRowContext(ctx, `SELECT day FROM dash_counts WHERE n > 0 AND `+w+` ORDER BY day DESC LIMIT 1`, args...).Scan(&lastDay)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("completion last day: %w", err)
	}
	if t, err := time.Parse(time.DateOnly, lastDay); err == nil && t.Before(today) {
		today = t
	}
	c.LastDay = today.Format(time.DateOnly)
	first := today.AddDate(0, 0, -29)
	per := map[string]int64{}
	rows, err = d.db.QueryContext(ctx, `SELECT day, sum(n) FROM dash_counts WHERE day >= ? AND `+w+` GROUP BY day`, append([]any{first.Format(time.DateOnly)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("completion per day: %w", err)
	}
	for rows.Next() {
		var day string
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			rows.Close()
			return nil, err
		}
		per[day] = n
		c.MaxDay = max(c.MaxDay, n)
	}
	rows.Close()
	const chartH, barW = 120, 22
	for i := range 30 {
		day := first.AddDate(0, 0, i).Format(time.DateOnly)
		n := per[day]
		h := 0
		if c.MaxDay > 0 {
			h = int(n * chartH / c.MaxDay)
		}
		c.Days = append(c.Days, dayBar{Day: day, N: n, X: i * (barW + 4), Y: chartH - h + 14, H: h, W: barW})
	}
	tg, err := d.periodTargets(ctx, u, c)
	if err != nil {
		return nil, fmt.Errorf("completion targets: %w", err)
	}
	if c.Posts, err = d.groupCount(ctx, u, "post"); err != nil {
		return nil, err
	}
	if c.Enums, err = d.groupCount(ctx, u, "enumerator"); err != nil {
		return nil, err
	}
	if c.Devices, err = d.deviceCounts(ctx, u); err != nil {
		return nil, err
	}
	// Targets set for posts and enumerators without interviews show too.
	seen := map[string]bool{}
	for i := range c.Posts {
		c.Posts[i].Progress = tg["post:"+c.Posts[i].Key]
		c.Posts[i].Target = int64(c.Posts[i].Progress.N)
		seen["post:"+c.Posts[i].Key] = true
	}
	for i := range c.Enums {
		c.Enums[i].Progress = tg["enumerator:"+c.Enums[i].Key]
		c.Enums[i].Target = int64(c.Enums[i].Progress.N)
		seen["enumerator:"+c.Enums[i].Key] = true
	}
	// Syncs and drafts per enumerator, from the devices the sync API saw.
	sy, err := d.deviceSyncs(ctx)
	if err != nil {
		return nil, err
	}
	byEnum := map[string]*counted{}
	for i := range c.Enums {
		byEnum[c.Enums[i].Key] = &c.Enums[i]
	}
	visibleEnum := func(e string) bool {
		if u.Role != RoleSupervisor {
			return true
		}
		for _, x := range u.Enumerators {
			if x == e {
				return true
			}
		}
		return byEnum[e] != nil
	}
	for k, p := range tg {
		kind, key, _ := strings.Cut(k, ":")
		if seen[k] || (u.Role == RoleSupervisor && kind == "post" && !contains(u.Posts, key)) || (kind == "enumerator" && !visibleEnum(key)) {
			continue
		}
		row := counted{Key: key, Target: int64(p.N), Progress: p, Drafts: -1}
		if kind == "post" {
			c.Posts = append(c.Posts, row)
		} else {
			c.Enums = append(c.Enums, row)
			byEnum[key] = &c.Enums[len(c.Enums)-1]
		}
	}
	for i := range c.Enums { // pointers again: the append above may have moved the slice
		byEnum[c.Enums[i].Key] = &c.Enums[i]
	}
	for _, s := range sy {
		if !visibleEnum(s.enumerator) {
			continue
		}
		e := byEnum[s.enumerator]
		if e == nil {
			c.Enums = append(c.Enums, counted{Key: s.enumerator, Drafts: -1})
			for i := range c.Enums {
				byEnum[c.Enums[i].Key] = &c.Enums[i]
			}
			e = byEnum[s.enumerator]
		}
		if s.last.After(e.LastSync) {
			e.LastSync = s.last
		}
		if s.drafts >= 0 {
			e.Drafts = max(e.Drafts, 0) + s.drafts
			c.Drafts += s.drafts
			c.DraftsKnown = true
		}
	}
	now := d.now()
	for i := range c.Enums {
		e := &c.Enums[i]
		last := e.LastSync
		if e.LastRecv.After(last) {
			last = e.LastRecv
		}
		e.Silent = !last.IsZero() && now.Sub(last) > silentAfter
	}
	sort.Slice(c.Posts, func(i, j int) bool { return c.Posts[i].Key < c.Posts[j].Key })
	sort.Slice(c.Enums, func(i, j int) bool { return c.Enums[i].Key < c.Enums[j].Key })
	for i := range c.Devices {
		c.Devices[i].Silent = now.Sub(c.Devices[i].LastRecv) > silentAfter
	}
	return c, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

type deviceSync struct {
	token, enumerator string
	last              time.Time
	drafts            int64
}

func (d *Dashboard) deviceSyncs(ctx context.Context) ([]deviceSync, error) {
	ds, err := d.office.Devices(ctx)
	if err != nil {
		return nil, fmt.Errorf("device syncs: %w", err)
	}
	out := make([]deviceSync, 0, len(ds))
	for _, x := range ds {
		out = append(out, deviceSync{token: x.TokenID, enumerator: x.Enumerator, last: x.LastSync, drafts: int64(x.Drafts)})
	}
	return out, nil
}

func (d *Dashboard) completion(w http.ResponseWriter, r *http.Request, s *session) error {
	c, err := d.Completion(r.Context(), s.user)
	if err != nil {
		return err
	}
	if c.Forms, err = d.distinct(r.Context(), s.user, "form"); err != nil {
		return err
	}
	v := d.view(w, r, s, "completion")
	v.Data = c
	d.render(w, http.StatusOK, "completion", v)
	return nil
}

type interviewsData struct {
	F                   Filter
	Page                *Page
	N                   int
	More                bool
	Forms, Posts, Enums []string
	Statuses, Reviews   []string
	NextURL, FirstURL   string
	Paged               bool
}

func filterOf(q url.Values) Filter {
	f := Filter{Form: q.Get("form"), Post: q.Get("post"), Enumerator: q.Get("enumerator"), Status: q.Get("status"),
		Review: q.Get("review"), From: q.Get("from"), To: q.Get("to"), After: q.Get("after")}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	return f
}

func (d *Dashboard) interviews(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := filterOf(q)
	p, err := d.Interviews(ctx, s.user, f)
	if err != nil {
		return err
	}
	data := &interviewsData{F: f, Page: p, Statuses: []string{StatusReceived, StatusRevised, StatusConflict},
		Reviews: []string{ReviewPending, ReviewApproved, ReviewRejected}, Paged: f.After != ""}
	if data.N, data.More, err = d.Count(ctx, s.user, f, 10000); err != nil {
		return err
	}
	if data.Forms, err = d.distinct(ctx, s.user, "form"); err != nil {
		return err
	}
	if data.Posts, err = d.distinct(ctx, s.user, "post"); err != nil {
		return err
	}
	if data.Enums, err = d.distinct(ctx, s.user, "enumerator"); err != nil {
		return err
	}
	q.Del("lang")
	if p.Next != "" {
		q.Set("after", p.Next)
		data.NextURL = Prefix + "interviews?" + q.Encode()
	}
	q.Del("after")
	data.FirstURL = Prefix + "interviews?" + q.Encode()
	v := d.view(w, r, s, "interviews")
	v.Data = data
	d.render(w, http.StatusOK, "interviews", v)
	return nil
}

func (d *Dashboard) approve(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	row, err := d.visible(ctx, s.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := d.applyReview(ctx, row, office.Approve, office.Decision{By: s.user.Name}); err != nil {
		return err
	}
	d.audit(ctx, s.user.Name, AuditApprove, row.ID, "revision "+strconv.Itoa(row.Revision))
	http.Redirect(w, r, Prefix+"interviews/"+url.PathEscape(row.ID)+"?done=approved", http.StatusSeeOther)
	return nil
}

// maxQuestionComments bounds the per-question comments of one rejection.
const maxQuestionComments = 200

func (d *Dashboard) reject(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	row, err := d.visible(ctx, s.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	if comment == "" || len(comment) > 2000 {
		return errStatus(http.StatusBadRequest, "err_comment")
	}
	// Comments on questions: fields q:<ref> (the answers table's boxes).
	var qs []office.QuestionComment
	for k, vs := range r.PostForm {
		ref, ok := strings.CutPrefix(k, "q:")
		if !ok || !strings.HasPrefix(ref, "/") || len(vs) == 0 {
			continue
		}
		c := strings.TrimSpace(vs[0])
		if c == "" {
			continue
		}
		if len(c) > 2000 || len(qs) >= maxQuestionComments {
			return errStatus(http.StatusBadRequest, "err_comment")
		}
		qs = append(qs, office.QuestionComment{Field: ref, Comment: c})
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].Field < qs[j].Field })
	// The office queues it for the laptop's next sync, through any server.
	if err := d.applyReview(ctx, row, office.Reject, office.Decision{By: s.user.Name, Comment: comment, Questions: qs}); err != nil {
		return err
	}
	d.audit(ctx, s.user.Name, AuditReject, row.ID, "revision "+strconv.Itoa(row.Revision))
	http.Redirect(w, r, Prefix+"interviews/"+url.PathEscape(row.ID)+"?done=rejected", http.StatusSeeOther)
	return nil
}

// applyReview applies an approval or a rejection of row's revision through the
// office domain (see office's state machine) and mirrors the outcome in the
// projection. The office first learns of the current submission, so a
// decision on a revision the laptop has replaced is refused (ErrStale).
func (d *Dashboard) applyReview(ctx context.Context, row *Row, kind office.EventKind, dec office.Decision) error {
	subs, err := d.store.Submissions(ctx, row.ID)
	if err != nil {
		return err
	}
	for _, x := range subs {
		if x.Current {
			if _, err := d.office.Arrived(ctx, office.Arrival{ID: x.ID, Revision: x.Revision, Hash: x.Hash, Enumerator: x.Enumerator, At: x.Received}); err != nil {
				return err
			}
		}
	}
	dec.ID, dec.Revision, dec.At = row.ID, row.Revision, d.now()
	var rv office.Review
	if kind == office.Approve {
		rv, err = d.office.Approve(ctx, dec)
	} else {
		rv, err = d.office.Reject(ctx, dec)
	}
	switch {
	case errors.Is(err, office.ErrDelivered):
		return errStatus(http.StatusConflict, "err_delivered")
	case errors.Is(err, office.ErrStale):
		return errStatus(http.StatusConflict, "err_stale")
	case errors.Is(err, office.ErrAlreadyRejected):
		return errStatus(http.StatusConflict, "err_already_rejected")
	case err != nil:
		return err
	}
	return d.recordReview(ctx, row, string(rv.State))
}

// recordReview mirrors the office's review state of row's revision in
// the projection (the lists filter on it); a later revision resets it to
// pending.
func (d *Dashboard) recordReview(ctx context.Context, row *Row, state string) error {
	switch state {
	case string(office.Approved):
		state = ReviewApproved
	case string(office.Rejected):
		state = ReviewRejected
	default:
		state = ReviewPending
	}
	_, err := d.db.ExecContext(ctx, `UPDATE dash_interviews SET review = ?, review_rev = revision WHERE id = ? AND revision = ?`, state, row.ID, row.Revision)
	if err != nil {
		return fmt.Errorf("review %s: %w", row.ID, err)
	}
	return nil
}
