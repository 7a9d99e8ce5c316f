package intake

import (
	"context"
	"net/http"

	"sira/sync/wire"
)

// maxOfferItems bounds one offer; a laptop with more offers in several rounds.
const maxOfferItems = 50000

// maxOfferBody bounds an offer's (decoded) body: 50,000 items of 51
// bytes and as many attachments of 32 (a laptop offers 250 at a time, a
// relay 1,000).
const maxOfferBody = 4 << 20

// offerWeight is the memory an offer is reckoned to take per byte of its
// body: the items decoded from it (ids and hashes as strings) and the
// answer.
const offerWeight = 12

// handleOfferV2 answers POST /api/v2/offer: the compact offer, answered by
// position in the offer (wire.MarshalOfferReply).
func (s *Server) handleOfferV2(w http.ResponseWriter, r *http.Request, tok *Token) error {
	limit := bodyCap(r, maxOfferBody)
	release, err := s.guard.reserve(tok.ID, offerWeight*limit+codingCost(r, limit))
	if err != nil {
		return err
	}
	defer release()
	body, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	off, err := wire.UnmarshalOffer(body)
	if err != nil {
		return err
	}
	s.uploads.offered(tok.ID, off.Attachments, s.now())
	reply, err := s.answerOffer(r.Context(), off)
	if err != nil {
		return err
	}
	b, err := wire.MarshalOfferReply(off, reply)
	if err != nil {
		return err
	}
	writeCompact(w, b)
	s.synced(r.Context(), tok, off.Drafts)
	return nil
}

// answerOffer decides every offered item: needed, or a receipt now.
func (s *Server) answerOffer(ctx context.Context, off wire.Offer) (wire.OfferReply, error) {
	if len(off.Items) > maxOfferItems || len(off.Attachments) > maxOfferItems {
		return wire.OfferReply{}, wire.Errorf(wire.CodeTooLarge, "offer of %d items and %d attachments: at most %d each", len(off.Items), len(off.Attachments), maxOfferItems)
	}
	reply := wire.OfferReply{Need: []wire.Item{}, Receipts: []wire.Receipt{}}
	var known []wire.Item
	for _, it := range off.Items {
		if it.ID == "" || it.Hash == "" {
			return reply, wire.Errorf(wire.CodeBadRequest, "offer item without id or hash")
		}
		if _, err := s.form(ctx, it.FormHash); err != nil {
			if wire.ErrorCode(err) != wire.CodeUnknownForm {
				return reply, err
			}
			reply.Receipts = append(reply.Receipts, wire.Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash,
				Status: wire.Invalid, Reason: "unknown form version " + it.FormHash})
			continue
		}
		known = append(known, it)
	}
	held, err := s.store.Held(ctx, known)
	if err != nil {
		return reply, err
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
			return reply, wire.Errorf(wire.CodeBadRequest, "attachment %q is not a sha256 in hex", sha)
		}
		off, complete, err := s.store.AttachmentState(ctx, sha)
		if err != nil {
			return reply, err
		}
		if !complete {
			reply.Attachments = append(reply.Attachments, wire.AttachmentState{SHA256: sha, Offset: off})
		}
	}
	return reply, nil
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
