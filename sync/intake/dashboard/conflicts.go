package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"sira/office"
	"sira/sync/intake"
)

// AuditChoose is the audit action of choosing a conflict's copy.
const AuditChoose = "choose_copy"

// copyView is one copy of a conflict (same id and revision, other content).
type copyView struct {
	Seq        int64
	Hash       string
	Enumerator string
	Device     string
	Received   string
	Chosen     bool
}

// diffRow is one question of the side-by-side comparison: its answer in
// each copy, and whether they differ.
type diffRow struct {
	Depth   int
	Heading bool
	Label   string
	Values  []string
	Differs bool
}

type conflictData struct {
	Row      *Row
	Copies   []copyView
	Rows     []diffRow
	Differ   int
	Chosen   *office.Choice
	Revision int
}

// conflictCopies returns the stored copies of id at its current revision
// when they conflict (more than one content), oldest first.
func conflictCopies(subs []intake.StoredInterview) (rev int, copies []intake.StoredInterview) {
	for _, s := range subs {
		if s.Current && s.Revision > rev {
			rev = s.Revision
		}
	}
	for _, s := range subs {
		if s.Revision == rev && (s.Current || s.Conflict) {
			copies = append(copies, s)
		}
	}
	return rev, copies
}

// conflict shows the copies of a conflicting interview side by side, with
// the questions whose answers differ marked, and lets a reviewer choose
// the copy that counts.
func (d *Dashboard) conflict(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	row, err := d.visible(ctx, s.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	subs, err := d.store.Submissions(ctx, row.ID)
	if err != nil {
		return err
	}
	rev, copies := conflictCopies(subs)
	if len(copies) < 2 {
		return errStatus(http.StatusNotFound, "err_notfound")
	}
	v := d.view(w, r, s, "duplicates")
	data := &conflictData{Row: row, Revision: rev}
	if c, err := d.office.Choice(ctx, row.ID, rev); err == nil {
		data.Chosen = c
	} else if !errors.Is(err, office.ErrNotFound) {
		return err
	}
	var cols [][]Answer
	order := []string{}
	seen := map[string]int{}
	for i, c := range copies {
		data.Copies = append(data.Copies, copyView{Seq: c.Seq, Hash: c.Hash, Enumerator: c.Enumerator, Device: c.DeviceID,
			Received: c.Received.UTC().Format("2006-01-02 15:04"), Chosen: data.Chosen != nil && data.Chosen.Hash == c.Hash})
		iv, err := decodeBody(c.Body)
		if err != nil {
			return fmt.Errorf("conflict %s: decode: %w", row.ID, err)
		}
		fi, err := d.formByHash(ctx, c.FormHash)
		if err != nil {
			return err
		}
		var as []Answer
		if fi.form != nil {
			if as, err = Answers(fi.form, iv, v.Lang); err != nil {
				return err
			}
		}
		cols = append(cols, as)
		for _, a := range as {
			key := a.Ref + "\x00" + a.Label
			if _, ok := seen[key]; !ok {
				seen[key] = len(order)
				order = append(order, key)
				data.Rows = append(data.Rows, diffRow{Depth: a.Depth, Heading: a.Heading, Label: a.Label, Values: make([]string, len(copies))})
			}
			data.Rows[seen[key]].Values[i] = a.Value
		}
	}
	for i := range data.Rows {
		dr := &data.Rows[i]
		if dr.Heading {
			continue
		}
		for _, x := range dr.Values[1:] {
			dr.Differs = dr.Differs || x != dr.Values[0]
		}
		if dr.Differs {
			data.Differ++
		}
	}
	v.Data = data
	d.render(w, http.StatusOK, "conflict", v)
	return nil
}

// chooseCopy records the copy that counts (by content hash) and projects
// the interview again: it leaves the conflicts, and the lists, the counts,
// the export and the report use that copy.
func (d *Dashboard) chooseCopy(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	row, err := d.visible(ctx, s.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	subs, err := d.store.Submissions(ctx, row.ID)
	if err != nil {
		return err
	}
	rev, copies := conflictCopies(subs)
	hash := r.PostFormValue("hash")
	ok := false
	for _, c := range copies {
		ok = ok || (c.Hash == hash && len(copies) > 1)
	}
	if !ok || strconv.Itoa(rev) != r.PostFormValue("revision") {
		return errStatus(http.StatusConflict, "err_stale")
	}
	if err := d.office.ChooseCopy(ctx, office.Choice{ID: row.ID, Revision: rev, Hash: hash, By: s.user.Name, At: d.now()}); err != nil {
		return err
	}
	if err := d.reproject(ctx, row.ID); err != nil {
		return err
	}
	d.audit(ctx, s.user.Name, AuditChoose, row.ID, fmt.Sprintf("revision %d copy %s", rev, hash))
	http.Redirect(w, r, Prefix+"conflicts/"+url.PathEscape(row.ID), http.StatusSeeOther)
	return nil
}

// reproject projects one interview again (its conflict was settled).
func (d *Dashboard) reproject(ctx context.Context, id string) error {
	d.idxMu.Lock()
	defer d.idxMu.Unlock()
	if d.dup == nil {
		s, err := d.DupSettings(ctx)
		if err != nil {
			return err
		}
		d.dup = &s
	}
	p, ok, err := d.project(ctx, id)
	if err != nil || !ok {
		return err
	}
	if err := d.upsert(ctx, []projection{p}, -1); err != nil {
		return err
	}
	return d.indexDuplicates(ctx, []projection{p})
}
