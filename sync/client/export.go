package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"

	"sira/forms"
	"sira/survey"
	"sira/sync/carry"
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
// they cite, to the carried file path (the USB path: `sira intake import`
// reads it with the same receipts and deduplication as HTTP): an age file
// to the office recipient the laptop learnt at enrolment (and to the
// public_key of the forms it carries), one section signed with the
// device's key (sync/PROTOCOL.md, "Carried files"). Without an office
// recipient it is ErrNoRecipient. The file is
// written to a temporary name, synced and renamed, so a pulled stick never
// holds half a file under the final name. The interviews are then marked
// sent; they become acknowledged at the next online sync, whose offer
// finds them held.
func Export(ctx context.Context, st survey.Store, path string) (*ExportResult, error) {
	return ExportOptions(ctx, st, path, ExportOpts{})
}

// ExportOpts relax Export.
type ExportOpts struct {
	// Plaintext writes the file without encryption when the laptop knows no
	// office recipient (`sira sync --out FILE --plaintext`). Its section is
	// still signed.
	Plaintext bool
	// Now stamps the section (time.Now when nil).
	Now func() time.Time
}

// ErrNoRecipient: the laptop knows no office recipient to encrypt to.
var ErrNoRecipient = errors.New("this laptop knows no office key to encrypt the file to: enrol it first (an online sync, or sira enrol --db L FILE from the office), or write an unencrypted file with --plaintext")

// ExportOptions is Export with options.
func ExportOptions(ctx context.Context, st survey.Store, path string, opt ExportOpts) (*ExportResult, error) {
	sec, err := exportSection(ctx, st, opt)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	pend, err := st.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: pending interviews: %w", err)
	}
	var order []string
	groups := map[string][]*survey.Interview{}
	var items []survey.PendingInterview
	for _, p := range pend {
		iv, err := st.Get(ctx, p.ID)
		if errors.Is(err, survey.ErrLocked) {
			continue // another enumerator's, sealed: in their file, once they sign in
		}
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
	res, err := writeCarried(ctx, st, cw, sec, order, groups)
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

// section is what signs and addresses a laptop's carried file.
type section struct {
	header     carry.Header
	key        ed25519.PrivateKey
	recipients []age.Recipient // the office's; forms' public_key recipients are added per file
}

func exportSection(ctx context.Context, st survey.Store, opt ExportOpts) (*section, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	e, err := LoadEnrolment(ctx, st)
	if err != nil {
		return nil, err
	}
	sec := &section{}
	if e != nil && e.Recipient != "" {
		r, err := age.ParseX25519Recipient(e.Recipient)
		if err != nil {
			return nil, fmt.Errorf("the enrolment's office recipient: %w", err)
		}
		sec.recipients = append(sec.recipients, r)
	} else if !opt.Plaintext {
		return nil, ErrNoRecipient
	}
	if sec.key, err = SigningKey(ctx, st); err != nil {
		return nil, err
	}
	id, err := st.DeviceID(ctx)
	if err != nil {
		return nil, err
	}
	sec.header = carry.Header{Device: id, Kind: carry.KindDevice, Created: now().UTC().Format(time.RFC3339)}
	if e != nil && e.Pending != nil {
		sec.header.Key = base64.StdEncoding.EncodeToString(sec.key.Public().(ed25519.PublicKey))
		sec.header.Enrolment = e.Pending.ID
		sec.header.Code = base64.StdEncoding.EncodeToString(e.Pending.Code)
	}
	return sec, nil
}

// formRecipients returns the age recipients the forms in order set in
// their settings' public_key (a file carrying a form's interviews is also
// encrypted to it).
func formRecipients(ctx context.Context, st survey.Store, order []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	seen := map[string]bool{}
	for _, fh := range order {
		js, err := st.GetForm(ctx, fh)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", fh, err)
		}
		f, err := forms.Load(js)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", fh, err)
		}
		if f.PublicKey == "" || seen[f.PublicKey] {
			continue
		}
		seen[f.PublicKey] = true
		r, err := age.ParseX25519Recipient(f.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("form %s version %s: settings public_key is not an age recipient (age1…): Sira encrypts to age keys, not ODK's RSA keys", f.ID, f.Version)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// writeCarried writes the carried file: one section, signed by the
// device, holding the batch frames.
func writeCarried(ctx context.Context, st survey.Store, w io.Writer, sec *section, order []string, groups map[string][]*survey.Interview) (*ExportResult, error) {
	frs, err := formRecipients(ctx, st, order)
	if err != nil {
		return nil, err
	}
	if len(sec.recipients) == 0 && len(frs) > 0 {
		return nil, errors.New("a form in this file sets public_key: its interviews are never written unencrypted; enrol the laptop so the file can be encrypted to the office")
	}
	rs := append(slices.Clip(sec.recipients), frs...)
	var payload bytes.Buffer
	res, err := writeFrames(ctx, st, &payload, order, groups)
	if err != nil {
		return nil, err
	}
	cw, err := carry.NewWriter(w, carry.Upstream, rs...)
	if err != nil {
		return nil, err
	}
	if err := cw.WriteSection(sec.header, sec.key, payload.Bytes()); err != nil {
		return nil, err
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	return res, nil
}

// writeFrames writes the attachment frames, then the interview frames, back
// to back.
func writeFrames(ctx context.Context, st survey.Store, w io.Writer, order []string, groups map[string][]*survey.Interview) (*ExportResult, error) {
	res := &ExportResult{}
	fw := frameWriter{w: w}
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

type frameWriter struct{ w io.Writer }

func (f frameWriter) WriteFrame(b []byte) error {
	_, err := f.w.Write(b)
	return err
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
