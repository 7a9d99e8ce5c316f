// Package source reads what the office exports and reports: the current
// interviews held by an intake store, as the office settled them — the
// review state of each (office.CentralState), and for a conflict the copy a
// supervisor chose rather than whichever arrived first. `sira export`,
// `sira report` and the dashboard's downloads read the same rows.
package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"

	"sira/export"
	"sira/forms"
	"sira/office"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
)

// Source is export.Source over an intake store and its office.
type Source struct {
	Intake intake.Store
	// Office, when nil (a laptop's interviews being recovered), gives no
	// review states and no chosen copies.
	Office office.Store
	// PostField is the name of the question holding the border post
	// (default "border_post").
	PostField string
}

var _ export.Source = (*Source)(nil)

// Form returns the newest published version of form id.
func (s *Source) Form(ctx context.Context, id string) (*forms.Form, error) {
	all, err := s.Intake.Forms(ctx)
	if err != nil {
		return nil, err
	}
	var newest *intake.PublishedForm
	var ids []string
	for i := range all {
		pf := &all[i]
		if pf.FormID == id && (newest == nil || !pf.Published.Before(newest.Published)) {
			newest = pf
		}
		if !contains(ids, pf.FormID) {
			ids = append(ids, pf.FormID)
		}
	}
	if newest == nil {
		if len(ids) == 0 {
			return nil, fmt.Errorf("form %q: the intake server has no published form: %w", id, export.ErrUnknownForm)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("form %q is not published on the intake server (published: %s): %w", id, strings.Join(ids, ", "), export.ErrUnknownForm)
	}
	f, err := forms.Load(newest.JSON)
	if err != nil {
		return nil, fmt.Errorf("form %q version %s: %w", id, newest.Version, err)
	}
	return f, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// chosen maps interview id to the content hash of the copy chosen at its
// current revision (choices of revisions since replaced are dropped).
func (s *Source) chosen(ctx context.Context) (map[string]string, error) {
	if s.Office == nil {
		return map[string]string{}, nil
	}
	cs, err := s.Office.Choices(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range cs {
		subs, err := s.Intake.Submissions(ctx, c.ID)
		if err != nil {
			return nil, fmt.Errorf("conflict %s: %w", c.ID, err)
		}
		cur := 0
		for _, x := range subs {
			if x.Current && x.Revision > cur {
				cur = x.Revision
			}
		}
		if cur == c.Revision {
			out[c.ID] = c.Hash
		}
	}
	return out, nil
}

// errStop ends EachSubmission early when the consumer stops iterating.
var errStop = errors.New("stop")

// Rows yields the current submission of each interview of f in the order
// the intake received them (for a settled conflict, the chosen copy), with
// ODK Central's review state: the office's decision on that revision, else
// "hasIssues" for an open conflict, "edited" for a later revision, else
// "received".
func (s *Source) Rows(ctx context.Context, f *forms.Form) iter.Seq2[export.Row, error] {
	name := s.PostField
	if name == "" {
		name = "border_post"
	}
	post := fieldPath(f, name)
	return func(yield func(export.Row, error) bool) {
		chosen, err := s.chosen(ctx)
		if err != nil {
			yield(export.Row{}, err)
			return
		}
		err = s.Intake.EachSubmission(ctx, func(x intake.StoredInterview) error {
			h, settled := chosen[x.ID]
			if settled {
				if x.Hash != h {
					return nil
				}
			} else if !x.Current {
				return nil
			}
			iv, err := DecodeBody(x.Body)
			if err != nil {
				return fmt.Errorf("interview %s revision %d: decode: %w", x.ID, x.Revision, err)
			}
			if iv.FormID != f.ID {
				return nil
			}
			state := office.ToCheck
			if s.Office != nil {
				r, err := s.Office.Review(ctx, x.ID)
				switch {
				case err == nil && r.Revision == x.Revision:
					state = r.State
				case err != nil && !errors.Is(err, office.ErrNotFound):
					return err
				}
			}
			m := export.Meta{Received: x.Received, ReviewState: office.CentralState(state, x.Conflict && !settled, x.Revision > 1)}
			if post != "" && iv.Data != nil {
				m.Post = iv.Data.Values[post]
			}
			if !yield(export.Row{Interview: iv, Meta: m}, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(export.Row{}, err)
		}
	}
}

// Audit records an export or report that left the office (the command
// line's: user "cli:" and the account).
func (s *Source) Audit(ctx context.Context, e office.AuditEntry) error { return s.Office.Audit(ctx, e) }

// DecodeBody decodes a stored submission body: the wire's binary interview
// record, or JSON as the first intake databases stored it.
func DecodeBody(b []byte) (*survey.Interview, error) {
	if len(b) > 0 && b[0] == '{' {
		iv := new(survey.Interview)
		if err := json.Unmarshal(b, iv); err != nil {
			return nil, err
		}
		return iv, nil
	}
	iv, _, err := wire.UnmarshalInterview(b)
	return iv, err
}

// fieldPath returns the path of the first question named name, or "".
func fieldPath(f *forms.Form, name string) string {
	for _, n := range f.Nodes() {
		if n.Name == name && n.Type != forms.TypeGroup && n.Type != forms.TypeRepeat {
			return n.Path
		}
	}
	return ""
}
