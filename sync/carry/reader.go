package carry

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"filippo.io/age"
)

// Errors a reader returns (wrapped with where).
var (
	// ErrNotAddressed: none of the identities opens the file: it was
	// written for another office, or before this office's oldest key.
	ErrNotAddressed = errors.New("this file is not addressed to this office: none of its keys opens it (a file for another office, or written to a key this office no longer has)")
	// ErrPlaintext: a plaintext carried file where an encrypted one is required.
	ErrPlaintext = errors.New("this carried file is not encrypted (written with --plaintext)")
	// ErrOldBatch: a version 2 batch file (SIRABATC), written before files
	// were encrypted and signed.
	ErrOldBatch = errors.New("this is an unencrypted, unsigned batch file from an older Sira")
	// ErrNotCarried: not a Sira carried file at all.
	ErrNotCarried = errors.New("not a Sira carried file")
	// ErrDamaged: the file is truncated, tampered with or corrupted.
	ErrDamaged = errors.New("the file is damaged or was tampered with")
	// ErrSignature: a section's signature does not verify with its device's key.
	ErrSignature = errors.New("signature does not verify with the device's registered key")
)

// ageMagic opens every binary age file.
const ageMagic = "age-encryption.org/v1\n"

// Options configure a Reader.
type Options struct {
	// Identities open an encrypted file (the office's, newest first).
	Identities []age.Identity
	// AllowPlaintext accepts a file written with --plaintext.
	AllowPlaintext bool
	// MaxPayload bounds one section's payload (default 64 GiB: payloads
	// are streamed, never held).
	MaxPayload int64
}

// Reader reads a carried file's sections in order.
type Reader struct {
	r         io.Reader
	kind      Kind
	encrypted bool
	maxPay    int64
	cur       *Section
	n         int
}

// NewReader opens a carried file: decrypts it when it is an age file and
// checks the plaintext's header.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(ageMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("carried file: %w", err)
	}
	cr := &Reader{r: br, maxPay: opt.MaxPayload}
	if cr.maxPay <= 0 {
		cr.maxPay = 64 << 30
	}
	switch {
	case string(head) == ageMagic:
		if len(opt.Identities) == 0 {
			return nil, ErrNotAddressed
		}
		dr, err := age.Decrypt(br, opt.Identities...)
		if err != nil {
			var nm *age.NoIdentityMatchError
			if errors.As(err, &nm) {
				return nil, ErrNotAddressed
			}
			return nil, fmt.Errorf("%w: age header: %v", ErrDamaged, err)
		}
		cr.r, cr.encrypted = dr, true
	case bytes.HasPrefix(head, Magic[:]):
		if !opt.AllowPlaintext {
			return nil, ErrPlaintext
		}
	case bytes.HasPrefix(head, []byte("SIRABATC")):
		return nil, ErrOldBatch
	default:
		return nil, ErrNotCarried
	}
	var h [FileHeaderSize]byte
	if _, err := io.ReadFull(cr.r, h[:]); err != nil {
		return nil, damaged("file header", err)
	}
	if !bytes.Equal(h[:8], Magic[:]) {
		return nil, fmt.Errorf("%w: the decrypted content is not a carried file", ErrNotCarried)
	}
	if v := binary.BigEndian.Uint16(h[8:10]); v != Version {
		return nil, fmt.Errorf("carried file version %d; this Sira reads version %d: update Sira", v, Version)
	}
	cr.kind = Kind(h[10])
	if cr.kind != Upstream && cr.kind != Downstream {
		return nil, fmt.Errorf("%w: unknown kind %d", ErrDamaged, h[10])
	}
	if !bytes.Equal(h[11:], make([]byte, 5)) {
		return nil, fmt.Errorf("%w: reserved header bytes are not zero", ErrDamaged)
	}
	return cr, nil
}

// damaged wraps a read error: an early end of the data is damage (a
// truncated file or an age chunk that fails to authenticate).
func damaged(where string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s cut short (truncated file)", ErrDamaged, where)
	}
	return fmt.Errorf("%w: %s: %v", ErrDamaged, where, err)
}

// Kind returns the file's kind.
func (cr *Reader) Kind() Kind { return cr.kind }

// Encrypted reports whether the file was an age file.
func (cr *Reader) Encrypted() bool { return cr.encrypted }

// Section is one section being read. Read its frames from Payload, then
// call Verify: until Verify succeeds nothing read from the section is
// trusted.
type Section struct {
	Index     int // 1-based, for messages
	Header    Header
	RawHeader []byte
	Size      int64 // payload length
	// Payload reads the section's payload (at most Size bytes).
	Payload io.Reader

	cr   *Reader
	lr   *io.LimitedReader
	sum  hash.Hash
	sig  []byte
	done bool
	err  error
}

// Next returns the next section, or io.EOF after the last. The previous
// section's payload and signature are read (unverified) if the caller has
// not.
func (cr *Reader) Next() (*Section, error) {
	if cr.cur != nil {
		if err := cr.cur.finish(); err != nil {
			return nil, err
		}
	}
	cr.n++
	where := fmt.Sprintf("section %d", cr.n)
	var lb [4]byte
	if _, err := io.ReadFull(cr.r, lb[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, damaged(where+" header length", err)
	}
	h := binary.BigEndian.Uint32(lb[:])
	if h == 0 || h > MaxHeader {
		return nil, fmt.Errorf("%w: %s: header length %d (1 to %d)", ErrDamaged, where, h, MaxHeader)
	}
	raw := make([]byte, h)
	if _, err := io.ReadFull(cr.r, raw); err != nil {
		return nil, damaged(where+" header", err)
	}
	s := &Section{Index: cr.n, RawHeader: raw, cr: cr, sum: sha256.New()}
	if err := json.Unmarshal(raw, &s.Header); err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrDamaged, where, err)
	}
	if err := s.Header.check(); err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrDamaged, where, err)
	}
	var pb [8]byte
	if _, err := io.ReadFull(cr.r, pb[:]); err != nil {
		return nil, damaged(where+" payload length", err)
	}
	p := binary.BigEndian.Uint64(pb[:])
	if p > uint64(cr.maxPay) {
		return nil, fmt.Errorf("%w: %s (device %s): payload of %d bytes, over the limit of %d", ErrDamaged, where, s.Header.Device, p, cr.maxPay)
	}
	s.Size = int64(p)
	s.lr = &io.LimitedReader{R: cr.r, N: s.Size}
	s.Payload = &sectionPayload{s: s}
	cr.cur = s
	return s, nil
}

// sectionPayload hashes what it reads and turns an early end into damage.
type sectionPayload struct{ s *Section }

func (p *sectionPayload) Read(b []byte) (int, error) {
	s := p.s
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.lr.Read(b)
	s.sum.Write(b[:n])
	if errors.Is(err, io.EOF) && s.lr.N > 0 {
		s.err = damaged(s.where()+" payload", io.ErrUnexpectedEOF)
		return n, s.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = damaged(s.where()+" payload", err)
		return n, s.err
	}
	return n, err
}

func (s *Section) where() string {
	return fmt.Sprintf("section %d (device %s)", s.Index, s.Header.Device)
}

// finish reads the rest of the payload and the signature.
func (s *Section) finish() error {
	if s.done {
		return s.err
	}
	s.done = true
	if s.err == nil {
		if _, err := io.Copy(io.Discard, s.Payload); err != nil && s.err == nil {
			s.err = err
		}
	}
	if s.err == nil {
		s.sig = make([]byte, ed25519.SignatureSize)
		if _, err := io.ReadFull(s.cr.r, s.sig); err != nil {
			s.err = damaged(s.where()+" signature", err)
		}
	}
	return s.err
}

// Verify reads what is left of the payload and the signature, and checks
// the signature with key (the device's registered key, or the one it
// presents with an offline enrolment).
func (s *Section) Verify(key ed25519.PublicKey) error {
	if err := s.finish(); err != nil {
		return err
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%s: %w (no valid key)", s.where(), ErrSignature)
	}
	if !ed25519.Verify(key, signed(s.RawHeader, s.sum.Sum(nil)), s.sig) {
		return fmt.Errorf("%s: %w", s.where(), ErrSignature)
	}
	return nil
}
