package intake

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"sira/forms"

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

// ingestFrame stores f from an import (checked by its file instead of a token).
func (s *Server) ingestFrame(ctx context.Context, meta BatchMeta, f *wire.Frame) ([]wire.Receipt, error) {
	return s.ingestFrameAs(ctx, nil, meta, f)
}

// ingestFrameAs stores f, sent with tok (nil: an import).
func (s *Server) ingestFrameAs(ctx context.Context, tok *Token, meta BatchMeta, f *wire.Frame) ([]wire.Receipt, error) {
	// The stored bodies come out of the same pass as the hashed content:
	// a body is kept only for an interview that passes validation.
	decoded, err := wire.DecodeFrameBodies(f, s.lim, s)
	if err != nil {
		return nil, err
	}
	in := make([]Incoming, len(decoded))
	fs := make([]*forms.Form, len(decoded))
	bodies := make([][]byte, len(decoded))
	for i, d := range decoded {
		iv := d.Interview
		in[i] = Incoming{Interview: iv, Hash: d.Hash, Size: d.Size}
		bodies[i] = d.Body
		form, err := s.Form(ctx, iv.FormHash)
		if err != nil {
			if wire.ErrorCode(err) != wire.CodeUnknownForm {
				return nil, err
			}
			in[i].Invalid = fmt.Sprintf("unknown form version: %.128s version %.128s (%s)", iv.FormID, iv.FormVersion, iv.FormHash)
			continue
		}
		if why := s.checkIncoming(tok, form, iv); why != "" {
			in[i].Invalid = why
			continue
		}
		fs[i] = form
	}
	s.prepare(in, fs, bodies)
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

// minShare is the fewest interviews worth handing to another goroutine.
const minShare = 16

// prepare validates each interview against its form (nil: already
// refused) and gives the valid ones their stored body (bodies[i], decoded
// with it; validation only reads the interview), spread over the
// machine's cores: this is most of a batch's CPU, and it happens before
// the store's transaction, so a lone client (a relay, an import) is not
// held to one core while the others sit idle.
func (s *Server) prepare(in []Incoming, fs []*forms.Form, bodies [][]byte) {
	one := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if fs[i] == nil {
				continue
			}
			iv := in[i].Interview
			if probs := s.validate(fs[i], iv); len(probs) > 0 {
				in[i].Invalid = "failed validation: " + strings.Join(probs, "; ")
				continue
			}
			in[i].Body = bodies[i]
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(in)/minShare)
	if workers <= 1 {
		one(0, len(in))
		return
	}
	var wg sync.WaitGroup
	per := (len(in) + workers - 1) / workers
	for lo := per; lo < len(in); lo += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			one(lo, min(lo+per, len(in)))
		}()
	}
	one(0, per)
	wg.Wait()
}
