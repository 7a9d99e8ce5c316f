package intake

import (
	"context"
	"fmt"
	"math"
	"net/http"

	"sira/office"
	"sira/survey"

	"sira/sync/wire"
)

// maxRejections bounds one downstream answer; the laptop asks again with
// the highest Seq it got while it receives a full page (More).
const maxRejections = 200

// A downstream request is a list of form hashes: its body is small, its
// answer (forms, rejected interviews) reckoned at downstreamWeight.
const (
	maxDownstreamBody  = 1 << 20
	maxDownstreamForms = 10000
	downstreamWeight   = 8 << 20
)

// handleDownstream answers POST /api/v1/downstream: the newest published
// version of each form that the laptop lacks, and the rejections for the
// token's enumerator after the laptop's last one.
func (s *Server) handleDownstream(w http.ResponseWriter, r *http.Request, tok *Token) error {
	limit := bodyCap(r, maxDownstreamBody)
	release, err := s.guard.reserve(tok.ID, downstreamWeight+4*limit+codingCost(r, limit))
	if err != nil {
		return err
	}
	defer release()
	var req wire.DownstreamRequest
	if err := readJSON(r, w, limit, &req); err != nil {
		return err
	}
	if len(req.Forms) > maxDownstreamForms {
		return wire.Errorf(wire.CodeTooLarge, "downstream request naming %d forms: at most %d", len(req.Forms), maxDownstreamForms)
	}
	ctx := r.Context()
	have := map[string]bool{}
	for _, h := range req.Forms {
		have[h] = true
	}
	all, err := s.store.Forms(ctx)
	if err != nil {
		return err
	}
	latest := map[string]PublishedForm{} // by form id; Forms is oldest first
	var order []string
	for _, f := range all {
		if _, seen := latest[f.FormID]; !seen {
			order = append(order, f.FormID)
		}
		latest[f.FormID] = f
	}
	out := wire.Downstream{Forms: []wire.FormVersion{}, Rejections: []wire.Rejection{}}
	for _, id := range order {
		f := latest[id]
		if have[f.Hash] {
			continue
		}
		out.Forms = append(out.Forms, wire.FormVersion{FormID: f.FormID, Version: f.Version, Hash: f.Hash, Published: f.Published, Form: f.JSON})
	}
	var rej []wire.Rejection
	if !tok.IsRelay() {
		// A relay holds no rejection for a laptop: its cursor acknowledges nothing.
		if s.office != nil {
			rej, err = s.notices(ctx, tok, req)
		} else {
			rej, err = s.store.Rejections(ctx, tok.Enumerator, req.RejectionsAfter, maxRejections)
		}
		if err != nil {
			return err
		}
	}
	if rej != nil {
		out.Rejections = rej
	}
	out.More = len(rej) == maxRejections
	if err := s.downstreamKeys(ctx, tok, &req, &out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	s.synced(r.Context(), tok, nil)
	return nil
}

// notices answers the downstream of a laptop (never a relay's: the caller
// checks) from the office domain: the laptop's cursor first acknowledges
// what it applied (not the "nothing, thanks" cursor of math.MaxInt64),
// then the notices after it, rejections with the rejected submission as
// this office holds it.
func (s *Server) notices(ctx context.Context, tok *Token, req wire.DownstreamRequest) ([]wire.Rejection, error) {
	if req.RejectionsAfter > 0 && req.RejectionsAfter != math.MaxInt64 {
		if err := s.office.Acknowledge(ctx, tok.Enumerator, req.RejectionsAfter, s.now()); err != nil {
			return nil, err
		}
	}
	ns, err := s.office.Notices(ctx, tok.Enumerator, req.RejectionsAfter, maxRejections)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Rejection, 0, len(ns))
	for _, n := range ns {
		r := wire.Rejection{Seq: n.Seq, ID: n.ID, Revision: n.Revision, Hash: n.Hash, Comment: n.Comment, By: n.By, At: n.At}
		r.Questions = n.Questions
		if n.Kind == office.NoticeWithdraw {
			r.Kind = wire.RejectionWithdraw
			out = append(out, r)
			continue
		}
		subs, err := s.store.Submissions(ctx, n.ID)
		if err != nil {
			return nil, fmt.Errorf("notice %d: %w", n.Seq, err)
		}
		for _, sub := range subs {
			if sub.Hash != n.Hash {
				continue
			}
			iv, err := sub.Interview()
			if err != nil {
				return nil, err
			}
			iv.Status, iv.Comment = survey.StatusRejected, n.Comment
			r.Interview = iv
		}
		out = append(out, r)
	}
	return out, nil
}
