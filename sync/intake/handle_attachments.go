package intake

import (
	"net/http"
	"strconv"

	"sira/sync/wire"
)

// maxAttachment caps an attachment's declared size.
const maxAttachment = 2 << 30

// handleAttachmentHead answers HEAD /api/v1/attachments/{sha}: Sira-Offset
// (bytes held) and Sira-Complete.
func (s *Server) handleAttachmentHead(w http.ResponseWriter, r *http.Request, tok *Token) error {
	sha := r.PathValue("sha")
	if !validSHA(sha) {
		return wire.Errorf(wire.CodeBadRequest, "%q is not a sha256 in hex", sha)
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
// appends one chunk, verifies the whole file when it is complete.
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
	data, err := readBody(w, r, s.maxChunk)
	if err != nil {
		return err
	}
	held, complete, err := s.store.AppendAttachment(r.Context(), sha, size, offset, data)
	if err != nil {
		return err
	}
	w.Header().Set(wire.HeaderOffset, strconv.FormatInt(held, 10))
	writeJSON(w, http.StatusOK, wire.AttachmentReply{SHA256: sha, Offset: held, Complete: complete})
	return nil
}
