package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's parameters.
type Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// Default is the cost of deriving a key from a PIN or a reset code:
// argon2id t=3, m=64 MiB, p=2 (survey/SECURITY.md gives the measured cost).
var Default = Params{Time: 3, Memory: 64 * 1024, Threads: 2}

// Wrapped key format (version 2):
//
//	0x02 | time u32 BE | memory u32 BE (KiB) | threads u8 | salt (16) | sealed key
//
// where the sealed key is Seal(key) under argon2id(secret, salt, params) with
// the caller's associated data.
const (
	wrapV2   = 0x02
	saltSize = 16
	wrapHead = 1 + 4 + 4 + 1 + saltSize
)

// ErrWrongSecret: a PIN or code that does not open a wrapped key (or a
// wrapped key that was tampered with: the two cannot be told apart).
var ErrWrongSecret = errors.New("wrong PIN or code")

// Derive returns the 32-byte key argon2id derives from secret and salt.
func Derive(secret string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, KeySize)
}

// Wrap seals key under a key derived from secret with p and a random salt.
func Wrap(key []byte, secret string, p Params, ad []byte) ([]byte, error) {
	salt, err := NewKey()
	if err != nil {
		return nil, err
	}
	salt = salt[:saltSize]
	k, err := Symmetric(Derive(secret, salt, p))
	if err != nil {
		return nil, err
	}
	out := make([]byte, wrapHead, wrapHead+Overhead+len(key))
	out[0] = wrapV2
	binary.BigEndian.PutUint32(out[1:], p.Time)
	binary.BigEndian.PutUint32(out[5:], p.Memory)
	out[9] = p.Threads
	copy(out[10:], salt)
	return k.Seal(out, key, ad)
}

// Unwrap opens a key wrapped by Wrap. Its parameters are bounded so that a
// tampered file cannot make it allocate gigabytes or spin for hours.
// Errors: ErrWrongSecret.
func Unwrap(wrapped []byte, secret string, ad []byte) ([]byte, error) {
	p, salt, sealed, err := parseWrap(wrapped)
	if err != nil {
		return nil, err
	}
	k, err := Symmetric(Derive(secret, salt, p))
	if err != nil {
		return nil, err
	}
	key, err := k.Open(nil, sealed, ad)
	if err != nil {
		return nil, ErrWrongSecret
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("wrapped key: %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

func parseWrap(b []byte) (Params, []byte, []byte, error) {
	if len(b) < wrapHead+Overhead || b[0] != wrapV2 {
		return Params{}, nil, nil, fmt.Errorf("wrapped key: unknown format (%d bytes)", len(b))
	}
	p := Params{Time: binary.BigEndian.Uint32(b[1:]), Memory: binary.BigEndian.Uint32(b[5:]), Threads: b[9]}
	if p.Time < 1 || p.Time > 16 || p.Memory < 8*1024 || p.Memory > 1024*1024 || p.Threads < 1 || p.Threads > 16 {
		return Params{}, nil, nil, fmt.Errorf("wrapped key: argon2id parameters t=%d m=%d p=%d out of range", p.Time, p.Memory, p.Threads)
	}
	return p, b[10:wrapHead], b[wrapHead:], nil
}

// CheckPIN enforces the PIN rules: 6 to 64 ASCII digits.
func CheckPIN(pin string) bool {
	if len(pin) < 6 || len(pin) > 64 {
		return false
	}
	return strings.Trim(pin, "0123456789") == ""
}

// WrapDerived seals key under an already derived 32-byte key, recording
// the salt and parameters it was derived with, so that Unwrap opens it with
// the secret. The upgrade uses it to wrap a data key under a pre-upgrade
// PIN hash (which is argon2id(PIN, salt)) without knowing the PIN.
func WrapDerived(key, derived, salt []byte, p Params, ad []byte) ([]byte, error) {
	if len(salt) != saltSize {
		return nil, fmt.Errorf("wrap: salt of %d bytes, want %d", len(salt), saltSize)
	}
	k, err := Symmetric(derived)
	if err != nil {
		return nil, err
	}
	out := make([]byte, wrapHead, wrapHead+Overhead+len(key))
	out[0] = wrapV2
	binary.BigEndian.PutUint32(out[1:], p.Time)
	binary.BigEndian.PutUint32(out[5:], p.Memory)
	out[9] = p.Threads
	copy(out[10:], salt)
	return k.Seal(out, key, ad)
}
