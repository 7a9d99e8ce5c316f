package carry_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"testing"

	"sira/sync/carry"
)

// FuzzReader: any plaintext is refused or read without panicking, and a
// section's signature verifies only as written.
func FuzzReader(f *testing.F) {
	secs, _ := fixture(f)
	f.Add(write(f, carry.Upstream, secs[:1]))
	f.Add(write(f, carry.Downstream, secs))
	f.Add(append(carry.Magic[:], 0, 3, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))
	pub := newKey(f, 1).Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := carry.NewReader(bytes.NewReader(b), carry.Options{AllowPlaintext: true, MaxPayload: 1 << 20})
		if err != nil {
			return
		}
		for range 100 {
			s, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, carry.ErrDamaged) {
					t.Fatalf("error not marked as damage: %v", err)
				}
				return
			}
			if _, err := io.Copy(io.Discard, s.Payload); err != nil {
				return
			}
			s.Verify(pub)
		}
	})
}
