package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// A PIN reset package (survey/SECURITY.md, "PIN reset") is the magic
// "SIRARST1" followed by the data key wrapped (Wrap, Default parameters)
// under the reset code, with associated data "sira/v1" NUL "pin-reset" NUL
// the enumerator id in lower case. The code is 16 Crockford base32
// characters (80 bits), shown in groups of four.
const resetMagic = "SIRARST1"

// crockford is Crockford's base32 alphabet (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLen is the number of characters of a reset code.
const CodeLen = 16

// ErrBadCode: a reset code that is not 16 Crockford base32 characters.
var ErrBadCode = errors.New("a reset code is 16 letters and digits (groups of 4)")

// NewResetCode draws an 80-bit reset code, formatted XXXX-XXXX-XXXX-XXXX.
func NewResetCode() (string, error) {
	var b [CodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reset code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(crockford[c&31])
	}
	return sb.String(), nil
}

// NormalizeCode returns a typed code as the 16 characters that are hashed:
// upper case, dashes and spaces dropped, I and L read as 1, O as 0.
// Errors: ErrBadCode.
func NormalizeCode(code string) (string, error) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", ErrBadCode
		}
		sb.WriteRune(r)
	}
	if sb.Len() != CodeLen {
		return "", ErrBadCode
	}
	return sb.String(), nil
}

func resetAD(enumerator string) []byte {
	return []byte("sira/v1\x00pin-reset\x00" + strings.ToLower(enumerator))
}

// SealReset builds the reset package of an enumerator's data key under code.
func SealReset(dataKey []byte, enumerator, code string) ([]byte, error) {
	c, err := NormalizeCode(code)
	if err != nil {
		return nil, err
	}
	w, err := Wrap(dataKey, c, Default, resetAD(enumerator))
	if err != nil {
		return nil, err
	}
	return append([]byte(resetMagic), w...), nil
}

// OpenReset opens a reset package with the code. Errors: ErrBadCode,
// ErrWrongSecret (wrong code, another enumerator's package, tampered).
func OpenReset(pkg []byte, enumerator, code string) ([]byte, error) {
	c, err := NormalizeCode(code)
	if err != nil {
		return nil, err
	}
	if err := CheckReset(pkg); err != nil {
		return nil, err
	}
	return Unwrap(pkg[len(resetMagic):], c, resetAD(enumerator))
}

// CheckReset checks a reset package's form without opening it.
func CheckReset(pkg []byte) error {
	if !bytes.HasPrefix(pkg, []byte(resetMagic)) {
		return errors.New("not a Sira PIN reset package")
	}
	_, _, _, err := parseWrap(pkg[len(resetMagic):])
	return err
}
