package intake

import (
	"net/http"
	"strconv"

	"sira/sync/wire"
)

// maxAttachment caps an attachment's declared size.
const maxAttachment = 2 << 30

// handleAttachmentHead answers HEAD /api/v1/attachments/{sha}: Sira-Offset
// (bytes held) and Sira-Complete, for an attachment the token offered.
func (s *Server) handleAttachmentHead(w http.ResponseWriter, r *http.Request, tok *Token) error {
	sha := r.PathValue("sha")
	if !validSHA(sha) {
		return wire.Errorf(wire.CodeBadRequest, "%q is not a sha256 in hex", sha)
	}
	if !s.uploads.mayUpload(tok.ID, sha, s.now()) {
		return wire.Errorf(wire.CodeRefused, "attachment %s was not offered with this token: offer the interviews citing it first", sha)
	}
	off, complete, err := s.store.AttachmentState(r.Context(), sha)
	if err != nil {
		return err
	}
	w.Header().Set(wire.HeaderOffset, strconv.FormatInt(off, 10))
	w.Header().Set(wire.HeaderComplete, strconv.FormatBool(complete))
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleAttachmentPut answers PUT /api/v1/attachments/{sha}?offset=N&size=S:
// appends one chunk, verifies the whole file when it is complete. Only an
// attachment the token offered (cited by interviews it offered) may be
// uploaded, chunks are never content-coded (encoding.go refuses them), and
// a token's unfinished uploads hold at most its quota; unfinished uploads
// untouched for the TTL are deleted.
func (s *Server) handleAttachmentPut(w http.ResponseWriter, r *http.Request, tok *Token) error {
	sha := r.PathValue("sha")
	if !validSHA(sha) {
		return wire.Errorf(wire.CodeBadRequest, "%q is not a sha256 in hex", sha)
	}
	q := r.URL.Query()
	offset, err1 := strconv.ParseInt(q.Get("offset"), 10, 64)
	size, err2 := strconv.ParseInt(q.Get("size"), 10, 64)
	if err1 != nil || err2 != nil || offset < 0 || size < 0 || offset > size {
		return wire.Errorf(wire.CodeBadRequest, "attachment upload needs ?offset=N&size=S with 0 <= N <= S")
	}
	if size > maxAttachment {
		return wire.Errorf(wire.CodeTooLarge, "attachment of %d bytes over the limit of %d", size, int64(maxAttachment))
	}
	now := s.now()
	if !s.uploads.mayUpload(tok.ID, sha, now) {
		return wire.Errorf(wire.CodeRefused, "attachment %s was not offered with this token: offer the interviews citing it first", sha)
	}
	if before, due := s.uploads.sweepDue(now); due {
		if n, err := s.store.ExpireAttachments(r.Context(), before); err != nil {
			s.log.Warn("intake: expiring unfinished uploads", "err", err)
		} else if n > 0 {
			s.log.Info("intake: unfinished uploads expired", "count", n, "untouched_since", before)
		}
	}
	limit := min(s.maxChunk, size-offset)
	if r.ContentLength > limit {
		return wire.Errorf(wire.CodeTooLarge, "chunk of %d bytes: at most %d here", r.ContentLength, limit)
	}
	limit = bodyCap(r, limit)
	// The chunk and, while it grows, its previous buffer.
	release, err := s.guard.reserve(tok.ID, 2*limit)
	if err != nil {
		return err
	}
	defer release()
	if !s.uploads.admit(tok.ID, sha, limit, now) {
		return wire.Errorf(wire.CodeRateLimited, "this token's unfinished uploads hold their quota of %d bytes: finish them first", s.uploads.quota)
	}
	data, err := readBody(w, r, limit)
	if err != nil {
		s.uploads.settle(sha, offset, false)
		return err
	}
	held, complete, err := s.store.AppendAttachment(r.Context(), sha, size, offset, data)
	if err != nil {
		if wire.ErrorCode(err) == wire.CodeHashMismatch {
			s.uploads.settle(sha, 0, false)
		} else {
			s.uploads.settle(sha, held, false)
		}
		return err
	}
	s.uploads.settle(sha, held, complete)
	w.Header().Set(wire.HeaderOffset, strconv.FormatInt(held, 10))
	writeJSON(w, http.StatusOK, wire.AttachmentReply{SHA256: sha, Offset: held, Complete: complete})
	return nil
}
