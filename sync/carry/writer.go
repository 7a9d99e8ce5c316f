package carry

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// Writer writes a carried file.
type Writer struct {
	w   io.Writer
	enc io.WriteCloser // the age stream; nil for a plaintext file
	err error
}

// NewWriter starts a carried file of kind on w, encrypted to recipients
// (age X25519). With no recipients the file is plaintext: only for
// `--plaintext`, which says so.
func NewWriter(w io.Writer, kind Kind, recipients ...age.Recipient) (*Writer, error) {
	cw := &Writer{w: w}
	if len(recipients) > 0 {
		enc, err := age.Encrypt(w, recipients...)
		if err != nil {
			return nil, fmt.Errorf("carried file: encrypt: %w", err)
		}
		cw.enc, cw.w = enc, enc
	}
	var h [FileHeaderSize]byte
	copy(h[:8], Magic[:])
	binary.BigEndian.PutUint16(h[8:10], Version)
	h[10] = byte(kind)
	if _, err := cw.w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("carried file: write header: %w", err)
	}
	return cw, nil
}

// WriteSection writes one section: h, payload (frames back to back) and
// the signature by key.
func (cw *Writer) WriteSection(h Header, key ed25519.PrivateKey, payload []byte) error {
	if cw.err != nil {
		return cw.err
	}
	if err := h.check(); err != nil {
		return fmt.Errorf("carried file: section header: %w", err)
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("carried file: section header: %w", err)
	}
	if len(raw) > MaxHeader {
		return errors.New("carried file: section header too long")
	}
	sum := sha256.Sum256(payload)
	b := make([]byte, 0, 4+len(raw)+8)
	b = binary.BigEndian.AppendUint32(b, uint32(len(raw)))
	b = append(b, raw...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(payload)))
	for _, part := range [][]byte{b, payload, Sign(key, raw, sum[:])} {
		if _, err := cw.w.Write(part); err != nil {
			cw.err = fmt.Errorf("carried file: write section: %w", err)
			return cw.err
		}
	}
	return nil
}

// Close ends the file (the age stream's last chunk). It does not close the
// underlying writer.
func (cw *Writer) Close() error {
	if cw.err != nil {
		return cw.err
	}
	if cw.enc != nil {
		if err := cw.enc.Close(); err != nil {
			return fmt.Errorf("carried file: %w", err)
		}
	}
	cw.err = errors.New("carried file: closed")
	return nil
}
