package vault

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
)

// A value sealed to a locked enumerator (a rejection's comment, a rejected
// copy received by sync while they are not signed in) uses the X25519
// public key derived from their data key, stored in clear:
//
//	0x02 || ephemeral public key (32) || nonce (24) || ciphertext
//
// with the XChaCha20-Poly1305 key SHA-256("sira/v1 box" NUL shared secret ||
// ephemeral public || recipient public). Only the data key opens it; the
// store re-seals it under the data key at the next change.
const boxV1 = 0x02

// PublicSize is the size of a data key's public half.
const PublicSize = curve25519.PointSize

func boxPrivate(dataKey []byte) []byte {
	h := sha256.Sum256(append([]byte("sira/v1 box private\x00"), dataKey...))
	return h[:]
}

// Public returns the X25519 public key derived from a data key.
func Public(dataKey []byte) ([]byte, error) {
	return curve25519.X25519(boxPrivate(dataKey), curve25519.Basepoint)
}

func boxKey(shared, epk, pub []byte) []byte {
	h := sha256.New()
	h.Write([]byte("sira/v1 box\x00"))
	h.Write(shared)
	h.Write(epk)
	h.Write(pub)
	return h.Sum(nil)
}

// SealTo seals plaintext so that only the data key whose Public is pub opens
// it (with Key.Open).
func SealTo(dst, pub, plaintext, ad []byte) ([]byte, error) {
	eph := make([]byte, curve25519.ScalarSize)
	if _, err := rand.Read(eph); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	epk, err := curve25519.X25519(eph, curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	shared, err := curve25519.X25519(eph, pub)
	if err != nil {
		return nil, fmt.Errorf("seal to public key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(boxKey(shared, epk, pub))
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSizeX]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	dst = append(dst, boxV1)
	dst = append(dst, epk...)
	dst = append(dst, nonce[:]...)
	return aead.Seal(dst, nonce[:], plaintext, ad), nil
}

// openBox opens a value sealed by SealTo with the data key's private half.
func (k *Key) openBox(dst, sealed, ad []byte) ([]byte, error) {
	const head = 1 + PublicSize + chacha20poly1305.NonceSizeX
	if k.priv == nil || len(sealed) < head+chacha20poly1305.Overhead {
		return nil, ErrOpen
	}
	epk := sealed[1 : 1+PublicSize]
	shared, err := curve25519.X25519(k.priv, epk)
	if err != nil {
		return nil, ErrOpen
	}
	aead, err := chacha20poly1305.NewX(boxKey(shared, epk, k.pub))
	if err != nil {
		return nil, ErrOpen
	}
	out, err := aead.Open(dst, sealed[1+PublicSize:head], sealed[head:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
