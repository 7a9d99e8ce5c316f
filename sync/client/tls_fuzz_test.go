package client_test

import (
	"testing"

	"sira/sync/client"
)

// FuzzParseFingerprint: a --fingerprint value gives 32 bytes or an error.
func FuzzParseFingerprint(f *testing.F) {
	for _, s := range []string{"SHA256:" + "ab00000000000000000000000000000000000000000000000000000000000000", "sha256:AB:CD", "", "SHA256:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := client.ParseFingerprint(s)
		if err == nil && len(b) != 32 {
			t.Errorf("%q gave %d bytes", s, len(b))
		}
	})
}
