package dashboard

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"sira/export"
	"sira/forms"
)

// source is export.Source over the projection, limited to what a user may
// see: the export and report pages read it.
type source struct {
	d *Dashboard
	u *User
}

var _ export.Source = source{}

// Form returns the newest published version of form id.
func (s source) Form(ctx context.Context, id string) (*forms.Form, error) {
	all, err := s.d.store.Forms(ctx)
	if err != nil {
		return nil, err
	}
	var js []byte
	var ids []string
	for _, pf := range all { // oldest first: the last match is the newest
		if pf.FormID == id {
			js = pf.JSON
		}
		ids = append(ids, pf.FormID)
	}
	if js == nil {
		return nil, fmt.Errorf("form %q is not published (published: %s): %w", id, strings.Join(ids, ", "), export.ErrUnknownForm)
	}
	return forms.Load(js)
}

// Rows yields the current submission of every interview of f the user may
// see, in the order the intake received them.
func (s source) Rows(ctx context.Context, f *forms.Form) iter.Seq2[export.Row, error] {
	return func(yield func(export.Row, error) bool) {
		w, args := scopeOf(s.u, "d.")
		// The bodies are read from the intake's submissions table by seq
		// (the projection's pointer to the current submission).
		rows, err := s.d.db.QueryContext(ctx, `SELECT s.body, d.received, d.status, d.review, d.post
			FROM dash_interviews d JOIN submissions s ON s.seq = d.seq
			WHERE d.form = ? AND `+w+` ORDER BY d.seq`, append([]any{f.ID}, args...)...)
		if err != nil {
			yield(export.Row{}, fmt.Errorf("export rows: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var body []byte
			var received, status, review, post string
			if err := rows.Scan(&body, &received, &status, &review, &post); err != nil {
				yield(export.Row{}, fmt.Errorf("export rows: %w", err))
				return
			}
			iv, err := decodeBody(body)
			if err != nil {
				yield(export.Row{}, fmt.Errorf("export rows: decode: %w", err))
				return
			}
			m := export.Meta{Received: parseSort(received), Post: post, ReviewState: reviewState(status, review)}
			if !yield(export.Row{Interview: iv, Meta: m}, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
			yield(export.Row{}, fmt.Errorf("export rows: %w", err))
		}
	}
}

// reviewState maps the projection to ODK Central's review states, which
// the export writes.
func reviewState(status, review string) string { return ReviewState(status, review) }

// ReviewState maps a dash_interviews row's status and review columns to
// ODK Central's review state ("approved", "rejected", "hasIssues",
// "edited", "received"): the export's review state column.
func ReviewState(status, review string) string {
	switch {
	case review == ReviewApproved:
		return "approved"
	case review == ReviewRejected:
		return "rejected"
	case status == StatusConflict:
		return "hasIssues"
	case status == StatusRevised:
		return "edited"
	}
	return "received"
}
