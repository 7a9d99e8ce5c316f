package intake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"

	"sira/sync/carry"
	"sira/sync/wire"
)

// ImportResult is what `sira intake import` reports.
type ImportResult struct {
	Frames      int                        `json:"frames"`
	Receipts    []wire.Receipt             `json:"receipts"`
	Counts      map[wire.ReceiptStatus]int `json:"counts"`
	Attachments int                        `json:"attachments"` // attachment files newly stored
	Sections    []ImportedSection          `json:"sections,omitempty"`
}

// ImportedSection says which device a section came from.
type ImportedSection struct {
	Device     string `json:"device"`
	Interviews int    `json:"interviews"`
	Enrolled   bool   `json:"enrolled,omitempty"` // the section presented an offline enrolment, now used
}

// ImportOptions relax what ImportFile accepts.
type ImportOptions struct {
	// Plaintext accepts a carried file written with `sira sync --plaintext`
	// (its sections are still verified).
	Plaintext bool
	// Legacy accepts a version 2 batch file (SIRABATC) from a Sira before
	// carried files were encrypted and signed: nothing proves which device
	// wrote it, so only an operator who knows where the stick came from
	// should import one.
	Legacy bool
}

// ImportFile ingests a carried file written by `sira sync --out`: an age
// file to the office (opened with the current or a rotated identity)
// holding one signed section per device. Every section's signature and
// scope (each interview's enumerator is enrolled on the section's device)
// and every frame (checksum, form, decoding, hashes) are checked first,
// so a file for another office, a tampered, truncated or damaged file, or
// one with a section that fails its check stores nothing. Then each frame
// is stored in its own transaction, with the same receipts and
// deduplication as HTTP, attributed to its section's device. Importing the
// same file twice changes nothing: the second time every receipt is a
// duplicate.
func (s *Server) ImportFile(ctx context.Context, path string) (*ImportResult, error) {
	return s.ImportFileOptions(ctx, path, ImportOptions{})
}

// ImportFileOptions is ImportFile with options.
func (s *Server) ImportFileOptions(ctx context.Context, path string, opt ImportOptions) (*ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	var head [8]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if bytes.Equal(head[:n], wire.FileMagic[:]) {
		if !opt.Legacy {
			return nil, fmt.Errorf("import %s: %w: it proves neither which device wrote it nor that nobody changed it; import it with --legacy only if you know where it came from", path, carry.ErrOldBatch)
		}
		res, err := s.importLegacy(ctx, f)
		if err != nil {
			return res, fmt.Errorf("import %s: %w", path, err)
		}
		return res, nil
	}
	keys, err := OfficeKeys(ctx, s.store, s.now())
	if err != nil {
		return nil, err
	}
	ids, err := Identities(keys)
	if err != nil {
		return nil, err
	}
	copt := carry.Options{Identities: ids, AllowPlaintext: opt.Plaintext}
	plan, err := s.checkCarried(ctx, f, copt)
	if err != nil {
		if errors.Is(err, carry.ErrPlaintext) {
			err = fmt.Errorf("%w; import it with --plaintext to accept it", err)
		}
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	res, err := s.applyCarried(ctx, f, copt, plan)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	return res, nil
}

// sectionPlan is what the checking pass learnt of a section.
type sectionPlan struct {
	device      string
	key         ed25519.PublicKey
	enumerators []string
	enrolment   *Enrolment // presented with the section, to mark used
}

// checkCarried reads the whole file once: every section's device and
// signature, every frame and every interview's enumerator. It stores
// nothing.
func (s *Server) checkCarried(ctx context.Context, r io.Reader, opt carry.Options) ([]sectionPlan, error) {
	cr, err := carry.NewReader(r, opt)
	if err != nil {
		return nil, err
	}
	if cr.Kind() != carry.Upstream {
		return nil, fmt.Errorf("a %s file is for a laptop or a relay, not for the office's import", cr.Kind())
	}
	var plan []sectionPlan
	presented := map[string]string{} // enrolment id → device, within this file
	for {
		sec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		where := fmt.Sprintf("section %d (device %s)", sec.Index, sec.Header.Device)
		p, err := s.sectionKey(ctx, sec.Header)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if p.enrolment != nil {
			if d, ok := presented[p.enrolment.ID]; ok && d != p.device {
				return nil, fmt.Errorf("%s: %w", where, ErrEnrolmentUsed)
			}
			presented[p.enrolment.ID] = p.device
		}
		n := 0
		for {
			fr, err := wire.ReadFrame(sec.Payload, s.lim)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s, frame %d: %w", where, n+1, err)
			}
			n++
			switch fr.Kind {
			case wire.KindInterviews:
				ds, err := wire.DecodeFrame(fr, s.lim, s)
				if err != nil {
					return nil, fmt.Errorf("%s, frame %d: %w", where, n, err)
				}
				for _, d := range ds {
					if !enrolledIn(p.enumerators, d.Interview.Enumerator) {
						return nil, fmt.Errorf("%s, frame %d: interview %s is by enumerator %q, who is not enrolled on device %s",
							where, n, d.Interview.ID, d.Interview.Enumerator, p.device)
					}
				}
			case wire.KindAttachment:
				if err := checkAttachment(fr); err != nil {
					return nil, fmt.Errorf("%s, frame %d: %w", where, n, err)
				}
			}
		}
		if err := sec.Verify(p.key); err != nil {
			return nil, err
		}
		plan = append(plan, p)
	}
	return plan, nil
}

func enrolledIn(enumerators []string, e string) bool {
	for _, x := range enumerators {
		if strings.EqualFold(x, e) {
			return true
		}
	}
	return false
}

// sectionKey finds the key a section must be signed with: the device's
// registered key, or the key it presents with a valid offline enrolment.
func (s *Server) sectionKey(ctx context.Context, h carry.Header) (sectionPlan, error) {
	p := sectionPlan{device: h.Device}
	if h.Kind != carry.KindDevice {
		return p, fmt.Errorf("%s sections are not imported yet: only laptops' files", h.Kind)
	}
	var presented []byte
	if h.Key != "" {
		k, err := base64.StdEncoding.DecodeString(h.Key)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return p, errors.New("the presented device key is not a base64 Ed25519 public key")
		}
		presented = k
	}
	d, err := s.store.Device(ctx, h.Device)
	switch {
	case err == nil && d.Revoked.IsZero():
		if presented != nil && !bytes.Equal(presented, d.Key) {
			return p, fmt.Errorf("%w: the section presents another key", ErrKeyConflict)
		}
		p.key, p.enumerators = d.Key, d.Enumerators
		if h.Enrolment == "" {
			return p, nil
		}
	case err == nil:
		if h.Enrolment == "" {
			return p, fmt.Errorf("the device was revoked on %s", d.Revoked.Format("2006-01-02"))
		}
	case !errors.Is(err, ErrNotFound):
		return p, err
	case h.Enrolment == "":
		return p, errors.New("this device is not enrolled at this office (enrol it online, or with sira intake enrol and sira enrol)")
	}
	e, err := s.store.Enrolment(ctx, h.Enrolment)
	if errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("enrolment %s is not this office's", h.Enrolment)
	}
	if err != nil {
		return p, err
	}
	code, err := base64.StdEncoding.DecodeString(h.Code)
	sum := sha256.Sum256(code)
	want, herr := hex.DecodeString(e.CodeHash)
	if err != nil || herr != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return p, fmt.Errorf("enrolment %s: wrong code", e.ID)
	}
	// A used enrolment is presented again by the laptop that used it (it
	// keeps presenting it); it never enrols a revoked device anew.
	if !e.Used.IsZero() && (e.Device != h.Device || p.key == nil) {
		return p, fmt.Errorf("enrolment %s: %w (%s)", e.ID, ErrEnrolmentUsed, e.Device)
	}
	if p.key == nil {
		p.key = presented
	}
	p.enumerators = append(p.enumerators, e.Enumerators...)
	p.enrolment = e
	return p, nil
}

// applyCarried stores what checkCarried accepted, section by section:
// offline enrolments first become registered devices, then each frame is
// ingested. Each section's signature is checked again at its end (the file
// is read a second time).
func (s *Server) applyCarried(ctx context.Context, r io.Reader, opt carry.Options, plan []sectionPlan) (*ImportResult, error) {
	now := s.now()
	for _, p := range plan {
		if p.enrolment == nil {
			continue
		}
		if err := s.store.UseEnrolment(ctx, p.enrolment.ID, p.device, now); err != nil {
			return nil, err
		}
		if _, err := s.store.RegisterDevice(ctx, p.device, p.key, p.enrolment.Enumerators, now); err != nil {
			return nil, err
		}
	}
	cr, err := carry.NewReader(r, opt)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Counts: map[wire.ReceiptStatus]int{}, Receipts: []wire.Receipt{}}
	for i := 0; ; i++ {
		sec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if i >= len(plan) || sec.Header.Device != plan[i].device {
			return res, fmt.Errorf("section %d: the file changed while it was imported", sec.Index)
		}
		where := fmt.Sprintf("section %d (device %s)", sec.Index, sec.Header.Device)
		meta := BatchMeta{Source: "import", TokenID: "device:" + plan[i].device}
		is := ImportedSection{Device: plan[i].device, Enrolled: plan[i].enrolment != nil}
		for n := 1; ; n++ {
			fr, err := wire.ReadFrame(sec.Payload, s.lim)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return res, fmt.Errorf("%s, frame %d: %w", where, n, err)
			}
			res.Frames++
			if err := s.applyFrame(ctx, meta, fr, res); err != nil {
				return res, fmt.Errorf("%s, frame %d: %w", where, n, err)
			}
			if fr.Kind == wire.KindInterviews {
				is.Interviews += int(fr.Count)
			}
		}
		if err := sec.Verify(plan[i].key); err != nil {
			return res, err
		}
		if err := s.store.TouchDevice(ctx, plan[i].device, now); err != nil {
			return res, err
		}
		res.Sections = append(res.Sections, is)
	}
}

func (s *Server) applyFrame(ctx context.Context, meta BatchMeta, fr *wire.Frame, res *ImportResult) error {
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
}

// importLegacy imports a version 2 batch file (ImportOptions.Legacy).
func (s *Server) importLegacy(ctx context.Context, f *os.File) (*ImportResult, error) {
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
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	res := &ImportResult{Counts: map[wire.ReceiptStatus]int{}, Receipts: []wire.Receipt{}}
	meta := BatchMeta{Source: "import"}
	n, err := s.eachFrame(f, func(fr *wire.Frame) error { return s.applyFrame(ctx, meta, fr, res) })
	res.Frames = n
	return res, err
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

// ageIdentities is the office's identities for other packages' use (the
// recovery of a laptop file, PIN resets).
func (s *Server) ageIdentities(ctx context.Context) ([]age.Identity, error) {
	keys, err := OfficeKeys(ctx, s.store, s.now())
	if err != nil {
		return nil, err
	}
	return Identities(keys)
}
