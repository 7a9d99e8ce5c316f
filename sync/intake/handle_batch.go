package intake

import (
	"net/http"

	"sira/sync/wire"
)

// handleBatch answers POST /api/v1/batch: one frame in, one receipt per
// interview out (JSON). A frame that fails any check stores nothing (4xx).
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request, tok *Token) error {
	receipts, err := s.batch(w, r, tok)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.BatchReply{Receipts: receipts})
	return nil
}

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

func (s *Server) batch(w http.ResponseWriter, r *http.Request, tok *Token) ([]wire.Receipt, error) {
	limit := int64(wire.HeaderSize + s.lim.MaxPayload)
	if r.ContentLength > limit {
		return nil, wire.Errorf(wire.CodeTooLarge, "batch of %d bytes over the limit of %d", r.ContentLength, limit)
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	// Bodies arrive at the pace of their links; decoding and storing is
	// where memory and CPU go, so that is what is bounded.
	select {
	case s.batches <- struct{}{}:
		defer func() { <-s.batches }()
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	receipts, err := s.Ingest(r.Context(), BatchMeta{
		TokenID: tok.ID, Enumerator: tok.Enumerator, Source: "http", Bytes: int64(len(body)),
	}, body)
	if err != nil {
		return nil, err
	}
	counts := map[wire.ReceiptStatus]int{}
	for _, rc := range receipts {
		counts[rc.Status]++
	}
	// Counts only: never answers.
	s.log.Info("batch", "token", tok.ID, "enumerator", tok.Enumerator, "bytes", len(body), "interviews", len(receipts),
		"stored", counts[wire.Stored], "duplicate", counts[wire.Duplicate], "updated", counts[wire.Updated]+counts[wire.Superseded],
		"conflict", counts[wire.Conflict], "invalid", counts[wire.Invalid])
	return receipts, nil
}
