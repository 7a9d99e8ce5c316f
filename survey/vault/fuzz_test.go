package vault_test

import (
	"testing"

	"sira/survey/vault"
)

// FuzzUnwrap feeds arbitrary bytes as a stored wrapped key: never a panic,
// never a huge derivation (parameters are bounded before).
func FuzzUnwrap(f *testing.F) {
	raw := make([]byte, vault.KeySize)
	w, _ := vault.Wrap(raw, "123456", cheap, nil)
	f.Add(w, "123456")
	f.Add([]byte{2}, "")
	f.Add([]byte{}, "1")
	f.Fuzz(func(t *testing.T, b []byte, pin string) {
		if len(b) > 10 && b[0] == 2 {
			// Keep fuzzed parameters cheap: memory and time bytes zeroed
			// to the minimum the parser accepts.
			b[1], b[2], b[3], b[4] = 0, 0, 0, 1
			b[5], b[6], b[7], b[8] = 0, 0, 0x20, 0
			b[9] = 1
		}
		k, err := vault.Unwrap(b, pin, nil)
		if err == nil && len(k) != vault.KeySize {
			t.Fatalf("Unwrap returned %d bytes", len(k))
		}
	})
}

// FuzzOpenReset feeds arbitrary packages and codes.
func FuzzOpenReset(f *testing.F) {
	f.Add([]byte("SIRARST1"), "ABCD-EFGH-JKMN-PQRS")
	f.Add([]byte("SIRARST1\x02"), "oooo")
	f.Fuzz(func(t *testing.T, pkg []byte, code string) {
		if len(pkg) > 18 {
			copy(pkg[9:18], []byte{0, 0, 0, 1, 0, 0, 0x20, 0, 1})
		}
		vault.OpenReset(pkg, "awa", code)
	})
}

// FuzzOpen feeds arbitrary sealed values to a key.
func FuzzOpen(f *testing.F) {
	raw := make([]byte, vault.KeySize)
	k, _ := vault.FromBytes(raw)
	s, _ := k.Seal(nil, []byte("x"), nil)
	f.Add(s)
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := k.Open(nil, b, nil); err == nil && len(b) < vault.Overhead {
			t.Fatal("opened a value shorter than the overhead")
		}
	})
}
