// Package carry reads and writes carried files (version 3): what a laptop's
// `sira sync --out` and a relay's outbox export put on a USB stick. A file
// is an age file (age-encryption.org/v1, binary) to the office's recipient,
// so `age -d -i office.key FILE` opens it; its plaintext is a 16-byte
// header (magic SIRACARY, version 3, kind) and then sections, each a JSON
// header, a payload of batch frames and an Ed25519 signature by the
// device that wrote it. The layout is in sync/PROTOCOL.md, "Carried files".
//
// The reader streams: it never holds a payload in memory, every length is
// checked before it is used, and Section.Verify must succeed before a
// caller trusts what a section's payload said.
package carry
