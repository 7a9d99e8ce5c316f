package intake

import (
	"net/http"

	"sira/sync/wire"
)

// maxRejections bounds one downstream answer; the laptop asks again with
// the highest Seq it got while it receives a full page (More).
const maxRejections = 200

// handleDownstream answers POST /api/v1/downstream: the newest published
// version of each form that the laptop lacks, and the rejections for the
// token's enumerator after the laptop's last one.
func (s *Server) handleDownstream(w http.ResponseWriter, r *http.Request, tok *Token) error {
	var req wire.DownstreamRequest
	if err := readJSON(r, w, 4<<20, &req); err != nil {
		return err
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
	rej, err := s.store.Rejections(ctx, tok.Enumerator, req.RejectionsAfter, maxRejections)
	if err != nil {
		return err
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
