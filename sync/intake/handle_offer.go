package intake

import (
	"net/http"

	"sira/sync/wire"
)

// maxOfferItems bounds one offer; a laptop with more offers in several rounds.
const maxOfferItems = 100000

// handleOffer answers POST /api/v1/offer: what the server lacks. It stores nothing.
func (s *Server) handleOffer(w http.ResponseWriter, r *http.Request, tok *Token) error {
	var off wire.Offer
	if err := readJSON(r, w, 32<<20, &off); err != nil {
		return err
	}
	if len(off.Items) > maxOfferItems || len(off.Attachments) > maxOfferItems {
		return wire.Errorf(wire.CodeTooLarge, "offer of %d items and %d attachments: at most %d each", len(off.Items), len(off.Attachments), maxOfferItems)
	}
	ctx := r.Context()
	reply := wire.OfferReply{Need: []wire.Item{}, Receipts: []wire.Receipt{}}
	var known []wire.Item
	for _, it := range off.Items {
		if it.ID == "" || it.Hash == "" {
			return wire.Errorf(wire.CodeBadRequest, "offer item without id or hash")
		}
		if _, err := s.form(ctx, it.FormHash); err != nil {
			if wire.ErrorCode(err) != wire.CodeUnknownForm {
				return err
			}
			reply.Receipts = append(reply.Receipts, wire.Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash,
				Status: wire.Invalid, Reason: "unknown form version " + it.FormHash})
			continue
		}
		known = append(known, it)
	}
	held, err := s.store.Held(ctx, known)
	if err != nil {
		return err
	}
	for i, it := range known {
		if held[i] {
			reply.Receipts = append(reply.Receipts, wire.Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash, Status: wire.Duplicate})
		} else {
			reply.Need = append(reply.Need, it)
		}
	}
	for _, sha := range off.Attachments {
		if !validSHA(sha) {
			return wire.Errorf(wire.CodeBadRequest, "attachment %q is not a sha256 in hex", sha)
		}
		off, complete, err := s.store.AttachmentState(ctx, sha)
		if err != nil {
			return err
		}
		if !complete {
			reply.Attachments = append(reply.Attachments, wire.AttachmentState{SHA256: sha, Offset: off})
		}
	}
	writeJSON(w, http.StatusOK, reply)
	return nil
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
