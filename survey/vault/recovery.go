package vault

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// Recovery returns dataKey age-encrypted (binary age file) to the office
// recipient ("age1…").
func Recovery(dataKey []byte, recipient string) ([]byte, error) {
	r, err := age.ParseX25519Recipient(strings.TrimSpace(recipient))
	if err != nil {
		return nil, fmt.Errorf("office recipient: %w", err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("recovery copy: %w", err)
	}
	if _, err := w.Write(dataKey); err != nil {
		return nil, fmt.Errorf("recovery copy: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("recovery copy: %w", err)
	}
	return buf.Bytes(), nil
}

// OpenRecovery opens a recovery copy with the office's identities.
func OpenRecovery(copy []byte, ids ...age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(copy), ids...)
	if err != nil {
		return nil, fmt.Errorf("recovery copy: %w", err)
	}
	k, err := io.ReadAll(io.LimitReader(r, KeySize+1))
	if err != nil {
		return nil, fmt.Errorf("recovery copy: %w", err)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("recovery copy: %d bytes, want a %d-byte key", len(k), KeySize)
	}
	return k, nil
}
