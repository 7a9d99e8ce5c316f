package forms

import (
	"strings"

	"filippo.io/age"
)

// PublicKeyError says why a settings public_key cannot be used ("" when
// it is empty or an age X25519 recipient): Sira encrypts carried files to
// age keys (survey/SECURITY.md); ODK's base64 RSA keys cannot be used.
func PublicKeyError(key string) string {
	key = strings.TrimSpace(key)
	if key == "" {
		return ""
	}
	if _, err := age.ParseX25519Recipient(key); err == nil {
		return ""
	}
	if strings.HasPrefix(key, "MII") || len(key) > 200 {
		return "public_key looks like an ODK RSA key: Sira expects an age recipient (age1…, from `sira intake key` or age-keygen), not RSA"
	}
	return "public_key must be an age recipient (age1…, from `sira intake key` or age-keygen): Sira encrypts to age keys, not RSA"
}
