package intake

import (
	"net/http"

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
		rej, err = s.store.Rejections(ctx, tok.Enumerator, req.RejectionsAfter, maxRejections)
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
