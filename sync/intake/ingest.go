package intake

import (
	"context"
	"fmt"
	"strings"

	"sira/sync/wire"
)

// Ingest verifies, validates and stores one batch frame: the checks of
// sync/PROTOCOL.md in order (frame, checksum, form, decoding, content
// hashes), then validation of each interview against its form, then one
// store transaction. A frame that fails a check stores nothing and returns
// a *wire.Error; otherwise the receipts, one per interview in frame order.
// HTTP batches, imported files and relayed batches all come through here.
func (s *Server) Ingest(ctx context.Context, meta BatchMeta, frame []byte) ([]wire.Receipt, error) {
	f, err := wire.ParseFrame(frame, s.lim)
	if err != nil {
		return nil, err
	}
	return s.ingestFrame(ctx, meta, f)
}

func (s *Server) ingestFrame(ctx context.Context, meta BatchMeta, f *wire.Frame) ([]wire.Receipt, error) {
	decoded, err := wire.DecodeFrame(f, s.lim, s)
	if err != nil {
		return nil, err
	}
	in := make([]Incoming, len(decoded))
	for i, d := range decoded {
		iv := d.Interview
		in[i] = Incoming{Interview: iv, Hash: d.Hash, Size: d.Size}
		form, err := s.Form(ctx, iv.FormHash)
		if err != nil {
			if wire.ErrorCode(err) != wire.CodeUnknownForm {
				return nil, err
			}
			in[i].Invalid = fmt.Sprintf("unknown form version: %s version %s (%s)", iv.FormID, iv.FormVersion, iv.FormHash)
			continue
		}
		if probs := s.validate(form, iv); len(probs) > 0 {
			in[i].Invalid = "failed validation: " + strings.Join(probs, "; ")
			continue
		}
		in[i].Body = wire.MarshalInterviewHash(iv, d.Hash)
	}
	if meta.Received.IsZero() {
		meta.Received = s.now()
	}
	if meta.Bytes == 0 {
		meta.Bytes = int64(f.Size())
	}
	receipts, err := s.store.Ingest(ctx, meta, in)
	if err != nil {
		return nil, err
	}
	s.nudge()
	return receipts, nil
}
