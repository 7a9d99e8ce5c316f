package sqlite

import (
	"strings"
	"testing"
)

func TestVerifyPIN(t *testing.T) {
	h, err := hashPIN("4821")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, encoded, pin string
		ok, err            bool
	}{
		{"Right", h, "4821", true, false},
		{"Wrong", h, "4820", false, false},
		{"NotArgon", "$2a$10$abcdefghijklmnopqrstuv", "4821", false, true},
		{"HugeMemory", strings.Replace(h, "m=19456", "m=4000000000", 1), "4821", false, true},
		{"ZeroTime", strings.Replace(h, "t=2", "t=0", 1), "4821", false, true},
		{"Truncated", h[:len(h)-30], "4821", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := verifyPIN(tt.encoded, tt.pin)
			if ok != tt.ok || (err != nil) != tt.err {
				t.Errorf("verifyPIN = %v, %v; want %v, error %v", ok, err, tt.ok, tt.err)
			}
		})
	}
}

// FuzzVerifyPIN: a stored hash is read back from the database file, which
// may have been tampered with; parsing it must never panic or run away.
func FuzzVerifyPIN(f *testing.F) {
	h, err := hashPIN("4821")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h, "4821")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5", "0000")
	f.Add("$argon2id$$$$", "")
	f.Fuzz(func(t *testing.T, encoded, pin string) {
		ok, err := verifyPIN(encoded, pin)
		if ok && err != nil {
			t.Errorf("verifyPIN = true with error %v", err)
		}
	})
}
