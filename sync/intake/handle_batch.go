package intake

import (
	"context"
	"errors"
	"io"
	"net/http"

	"sira/sync/wire"
)

// decodeWeight is the memory a batch is reckoned to take per byte of its
// decoded payload: the decoded records, the interviews built from them,
// their stored bodies and the receipts.
const decodeWeight = 8

// handleBatchV2 answers POST /api/v2/batch: receipts by position in the
// batch (wire.MarshalReceipts).
func (s *Server) handleBatchV2(w http.ResponseWriter, r *http.Request, tok *Token) error {
	receipts, err := s.batch(w, r, tok)
	if err != nil {
		return err
	}
	b, err := wire.MarshalReceipts(receipts)
	if err != nil {
		return err
	}
	writeCompact(w, b)
	return nil
}

// batch reads one frame as it arrives: the header first, checked against
// the limits; then the memory the frame will take (payload, decoding) is
// reserved against the token's share and the server's budget; then the
// payload, which grows with the bytes received. Decoding and storing take
// a turn among MaxBatches.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, tok *Token) ([]wire.Receipt, error) {
	limit := int64(wire.HeaderSize + s.lim.MaxPayload)
	if r.ContentLength > limit {
		return nil, wire.Errorf(wire.CodeTooLarge, "batch of %d bytes over the limit of %d", r.ContentLength, limit)
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	f, err := wire.ReadFrameFunc(body, s.lim, func(f *wire.Frame, payload int) error {
		var err error
		release, err = s.guard.reserve(tok.ID, int64(payload)+decodeWeight*int64(f.DecodedLen))
		return err
	})
	if err == io.EOF {
		return nil, wire.Errorf(wire.CodeCorrupt, "empty batch")
	}
	if err != nil {
		return nil, bodyError(err)
	}
	if n, _ := body.Read(make([]byte, 1)); n > 0 {
		return nil, wire.Errorf(wire.CodeCorrupt, "bytes after the frame")
	}
	select {
	case s.batches <- struct{}{}:
		defer func() { <-s.batches }()
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	// A token revoked while this batch was on its way stops here.
	if err := s.stillValid(r, tok); err != nil {
		return nil, err
	}
	receipts, err := s.ingestFrameAs(r.Context(), tok, BatchMeta{
		TokenID: tok.ID, Enumerator: tok.Enumerator, Source: "http", Bytes: int64(f.Size()),
	}, f)
	if err != nil {
		return nil, err
	}
	counts := map[wire.ReceiptStatus]int{}
	for _, rc := range receipts {
		counts[rc.Status]++
	}
	// Counts only: never answers.
	s.log.Info("batch", "token", tok.ID, "enumerator", tok.Enumerator, "bytes", f.Size(), "interviews", len(receipts),
		"stored", counts[wire.Stored], "duplicate", counts[wire.Duplicate], "updated", counts[wire.Updated]+counts[wire.Superseded],
		"conflict", counts[wire.Conflict], "invalid", counts[wire.Invalid])
	return receipts, nil
}

// bodyError keeps a body over its limit (*http.MaxBytesError: 413), a
// cancelled request and the frame's own verdicts; any other read failure
// is the client's (a dropped link, a killed laptop, a stalled sender cut
// by the idle timeout): a quiet 400, not an internal error.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var we *wire.Error
	if errors.As(err, &mbe) || errors.As(err, &we) || errors.Is(err, context.Canceled) {
		return err
	}
	return wire.Errorf(wire.CodeBadRequest, "request body cut short or undecodable (client closed?): %v", err)
}
