// Package vault holds the laptop's cryptography (survey/SECURITY.md): values
// sealed with XChaCha20-Poly1305 under an enumerator's data key with the
// interview id and field as associated data, data keys wrapped under a key
// derived from a PIN or a reset code with argon2id, recovery copies
// age-encrypted to the office, and on Windows an extra DPAPI wrap.
//
// It is the one definition of these formats: the laptop store seals and
// opens with it, the office builds PIN reset packages and opens recovery
// copies with it.
package vault
