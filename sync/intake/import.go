package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"sira/sync/wire"
)

// ImportResult is what `sira intake import` reports.
type ImportResult struct {
	Frames      int                        `json:"frames"`
	Receipts    []wire.Receipt             `json:"receipts"`
	Counts      map[wire.ReceiptStatus]int `json:"counts"`
	Attachments int                        `json:"attachments"` // attachment files newly stored
}

// ImportFile ingests a batch file written by `sira sync --out`, with the
// same checks, receipts and deduplication as HTTP batches. The whole file is
// verified first (every frame's checksum, form, decoding and hashes), so a
// damaged file stores nothing; then each frame is stored in its own
// transaction. Importing the same file twice changes nothing: the second
// time every receipt is a duplicate.
func (s *Server) ImportFile(ctx context.Context, path string) (*ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	if _, err := s.eachFrame(f, func(fr *wire.Frame) error {
		switch fr.Kind {
		case wire.KindInterviews:
			_, err := wire.DecodeFrame(fr, s.lim, s)
			return err
		case wire.KindAttachment:
			return checkAttachment(fr)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	res := &ImportResult{Counts: map[wire.ReceiptStatus]int{}, Receipts: []wire.Receipt{}}
	meta := BatchMeta{Source: "import"}
	n, err := s.eachFrame(f, func(fr *wire.Frame) error {
		switch fr.Kind {
		case wire.KindAttachment:
			sha := hex.EncodeToString(fr.Subject[:])
			held, complete, err := s.store.AttachmentState(ctx, sha)
			if err != nil || complete {
				return err
			}
			if held > int64(len(fr.Payload)) {
				return wire.Errorf(wire.CodeCorrupt, "attachment %s: %d bytes, an upload of %d bytes is in progress", sha, len(fr.Payload), held)
			}
			if _, done, err := s.store.AppendAttachment(ctx, sha, int64(len(fr.Payload)), held, fr.Payload[held:]); err != nil {
				return err
			} else if done {
				res.Attachments++
			}
		case wire.KindInterviews:
			meta.Bytes = int64(fr.Size())
			meta.Received = s.now()
			rs, err := s.ingestFrame(ctx, meta, fr)
			if err != nil {
				return err
			}
			for _, r := range rs {
				res.Counts[r.Status]++
			}
			res.Receipts = append(res.Receipts, rs...)
		}
		return nil
	})
	res.Frames = n
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	return res, nil
}

func (s *Server) eachFrame(r io.Reader, fn func(*wire.Frame) error) (int, error) {
	fr, err := wire.NewFileReader(r, s.lim)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		f, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("frame %d: %w", n+1, err)
		}
		if err := fn(f); err != nil {
			return n, fmt.Errorf("frame %d: %w", n+1, err)
		}
		n++
	}
}

func checkAttachment(fr *wire.Frame) error {
	sum := sha256.Sum256(fr.Payload)
	if sum != fr.Subject {
		return wire.Errorf(wire.CodeHashMismatch, "attachment %x: content hashes to %x", fr.Subject, sum)
	}
	return nil
}
