package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size of a data key.
const KeySize = chacha20poly1305.KeySize

// sealedV1 starts every sealed value: 0x01 || nonce (24) || ciphertext.
const sealedV1 = 0x01

// Overhead is what sealing adds to a value.
const Overhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// ErrOpen: a sealed value that does not open under the key with its
// associated data (wrong key, moved to another interview or field, or
// tampered with).
var ErrOpen = errors.New("sealed value does not open (wrong key, moved or tampered with)")

// Key is a data key ready to seal and open values. It is safe for
// concurrent use.
type Key struct {
	aead      cipher.AEAD
	priv, pub []byte // X25519, derived (box.go)
}

// NewKey draws a random data key.
func NewKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("new data key: %w", err)
	}
	return k, nil
}

// FromBytes makes a Key from a 32-byte data key.
func FromBytes(k []byte) (*Key, error) {
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	pub, err := Public(k)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return &Key{aead: aead, priv: boxPrivate(k), pub: pub}, nil
}

// Symmetric makes a Key for sealing and opening values only (no public
// half), without the X25519 computation: for keys derived from a PIN.
func Symmetric(k []byte) (*Key, error) {
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	return &Key{aead: aead}, nil
}

// AD returns the associated data of a value: "sira/v1" NUL interview id NUL
// field path, then NUL and each of what.
func AD(interviewID, field string, what ...string) []byte {
	n := len("sira/v1") + 2 + len(interviewID) + len(field)
	for _, w := range what {
		n += 1 + len(w)
	}
	b := make([]byte, 0, n)
	b = append(b, "sira/v1\x00"...)
	b = append(b, interviewID...)
	b = append(b, 0)
	b = append(b, field...)
	for _, w := range what {
		b = append(b, 0)
		b = append(b, w...)
	}
	return b
}

// Seal appends the sealed form of plaintext to dst: 0x01, a random nonce,
// the ciphertext and tag.
func (k *Key) Seal(dst, plaintext, ad []byte) ([]byte, error) {
	var nonce [chacha20poly1305.NonceSizeX]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	dst = append(dst, sealedV1)
	dst = append(dst, nonce[:]...)
	return k.aead.Seal(dst, nonce[:], plaintext, ad), nil
}

// Public returns the key's X25519 public half (for SealTo).
func (k *Key) Public() []byte { return k.pub }

// Open returns the plaintext of a sealed value (by Seal, or by SealTo to
// this key's public half), appended to dst. Errors: ErrOpen.
func (k *Key) Open(dst, sealed, ad []byte) ([]byte, error) {
	if len(sealed) > 0 && sealed[0] == boxV1 {
		return k.openBox(dst, sealed, ad)
	}
	if len(sealed) < Overhead || sealed[0] != sealedV1 {
		return nil, ErrOpen
	}
	nonce := sealed[1 : 1+chacha20poly1305.NonceSizeX]
	out, err := k.aead.Open(dst, nonce, sealed[1+chacha20poly1305.NonceSizeX:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// IsSealed reports whether b has the form of a sealed value (as opposed to
// the JSON a plaintext database held before the upgrade).
func IsSealed(b []byte) bool { return len(b) > 0 && (b[0] == sealedV1 || b[0] == boxV1) }

// ContentKey returns the key an attachment's content is sealed under:
// SHA-256 of a domain string and the content (convergent, so that a content
// stored once serves every interview citing it; it reveals no more than the
// content's SHA-256, which is stored in clear). It is kept sealed under each
// citing interview's data key.
func ContentKey(content []byte) []byte {
	h := sha256.New()
	h.Write([]byte("sira/v1 content key\x00"))
	h.Write(content)
	return h.Sum(nil)
}
