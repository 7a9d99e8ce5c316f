package client

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sira/survey"
	"sira/sync/wire"
)

// ExportResult is what Export wrote.
type ExportResult struct {
	Interviews  int   `json:"interviews"`
	Attachments int   `json:"attachments"`
	Frames      int   `json:"frames"`
	Bytes       int64 `json:"bytes"`
}

// exportBatch is the number of interviews per frame in a batch file: large
// enough to compress well, small enough that the importer's per-frame
// transaction stays short.
const exportBatch = 100

// Export writes every unacknowledged interview of st, and the attachments
// they cite, to the batch file path (the USB path: `sira intake import`
// reads it with the same receipts and deduplication as HTTP). The file is
// written to a temporary name, synced and renamed, so a pulled stick never
// holds half a file under the final name. The interviews are then marked
// sent; they become acknowledged at the next online sync, whose offer
// finds them held.
func Export(ctx context.Context, st survey.Store, path string) (*ExportResult, error) {
	pend, err := st.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: pending interviews: %w", err)
	}
	var order []string
	groups := map[string][]*survey.Interview{}
	var items []survey.PendingInterview
	for _, p := range pend {
		iv, err := st.Get(ctx, p.ID)
		if err != nil {
			return nil, fmt.Errorf("export: interview %s: %w", p.ID, err)
		}
		if iv.Revision != p.Revision {
			continue
		}
		if _, ok := groups[iv.FormHash]; !ok {
			order = append(order, iv.FormHash)
		}
		groups[iv.FormHash] = append(groups[iv.FormHash], iv)
		items = append(items, p)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
	cw := &countWriter{w: tmp}
	res, err := writeBatchFile(ctx, st, cw, order, groups)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	res.Bytes = cw.n
	for _, p := range items {
		if err := st.MarkSent(ctx, p.ID, p.Revision, p.Hash); err != nil {
			return res, fmt.Errorf("export: mark %s sent: %w", p.ID, err)
		}
	}
	return res, nil
}

func writeBatchFile(ctx context.Context, st survey.Store, w io.Writer, order []string, groups map[string][]*survey.Interview) (*ExportResult, error) {
	res := &ExportResult{}
	fw, err := wire.NewFileWriter(w)
	if err != nil {
		return nil, err
	}
	// Attachments before the interviews citing them, each file once.
	seen := map[string]bool{}
	for _, fh := range order {
		for _, iv := range groups[fh] {
			for _, a := range iv.Attachments {
				if seen[a.SHA256] {
					continue
				}
				seen[a.SHA256] = true
				data, err := readAttachment(ctx, st, a.SHA256)
				if err != nil {
					return nil, err
				}
				frame, err := wire.AttachmentFrame(a.SHA256, data)
				if err != nil {
					return nil, err
				}
				if err := fw.WriteFrame(frame); err != nil {
					return nil, err
				}
				res.Attachments++
				res.Frames++
			}
		}
	}
	var frame []byte
	for _, fh := range order {
		codec, err := codecFor(ctx, st, fh)
		if err != nil {
			return nil, err
		}
		ivs := groups[fh]
		for i := 0; i < len(ivs); i += exportBatch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			batch := ivs[i:min(i+exportBatch, len(ivs))]
			if frame, err = codec.Encode(frame[:0], batch); err != nil {
				return nil, err
			}
			if err := fw.WriteFrame(frame); err != nil {
				return nil, err
			}
			res.Frames++
			res.Interviews += len(batch)
		}
	}
	return res, nil
}

func readAttachment(ctx context.Context, st survey.Store, sha string) ([]byte, error) {
	rc, err := st.OpenAttachment(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return b, nil
}

// syncDir makes a rename durable where the platform allows it (not on
// Windows, where opening a directory fails and renames are durable enough).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
