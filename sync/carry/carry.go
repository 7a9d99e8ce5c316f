package carry

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Magic opens a carried file's plaintext.
var Magic = [8]byte{'S', 'I', 'R', 'A', 'C', 'A', 'R', 'Y'}

// Version is the carried-file version this package writes and reads.
const Version = 3

// FileHeaderSize is the size of the plaintext's header.
const FileHeaderSize = 16

// MaxHeader bounds a section's JSON header.
const MaxHeader = 65536

// SignatureContext opens every signed message, so a section signature
// cannot be replayed as any other Ed25519 signature a device makes.
const SignatureContext = "sira-carry-v3\x00"

// Kind says which way a file travels.
type Kind byte

// Kinds of carried files.
const (
	Upstream   Kind = 1 // laptop or relay → office
	Downstream Kind = 2 // office → relay or laptop
)

func (k Kind) String() string {
	switch k {
	case Upstream:
		return "upstream"
	case Downstream:
		return "downstream"
	}
	return fmt.Sprintf("kind %d", byte(k))
}

// Header is a section's header: who wrote the section. Key, Enrolment and
// Code are set only when the device presents an offline enrolment with
// its first file.
type Header struct {
	Device    string `json:"device"`
	Kind      string `json:"kind"` // "device" or "relay"
	Relay     string `json:"relay,omitempty"`
	Created   string `json:"created"` // RFC 3339
	Key       string `json:"key,omitempty"`
	Enrolment string `json:"enrolment,omitempty"`
	Code      string `json:"code,omitempty"`
}

// Section kinds (Header.Kind).
const (
	KindDevice = "device"
	KindRelay  = "relay"
)

// maxID bounds device and relay names and enrolment ids.
const maxID = 200

func (h *Header) check() error {
	switch {
	case h.Device == "":
		return errors.New("no device id")
	case len(h.Device) > maxID || strings.ContainsAny(h.Device, "\x00\n\r"):
		return fmt.Errorf("device id %.40q… is not an id", h.Device)
	case h.Kind != KindDevice && h.Kind != KindRelay:
		return fmt.Errorf("kind %.20q: want %q or %q", h.Kind, KindDevice, KindRelay)
	case len(h.Relay) > maxID || len(h.Enrolment) > maxID || len(h.Key) > 100 || len(h.Code) > 100:
		return errors.New("a field is too long")
	case (h.Enrolment == "") != (h.Code == "") || (h.Enrolment != "" && h.Key == ""):
		return errors.New("an enrolment is presented with its id, code and the device key together")
	}
	if _, err := time.Parse(time.RFC3339, h.Created); err != nil {
		return fmt.Errorf("created %.40q: not an RFC 3339 time", h.Created)
	}
	return nil
}

// signed returns the message a section's signature covers.
func signed(rawHeader []byte, payloadSum []byte) []byte {
	m := make([]byte, 0, len(SignatureContext)+4+len(rawHeader)+sha256.Size)
	m = append(m, SignatureContext...)
	m = binary.BigEndian.AppendUint32(m, uint32(len(rawHeader)))
	m = append(m, rawHeader...)
	return append(m, payloadSum...)
}

// Sign returns the signature of a section by key.
func Sign(key ed25519.PrivateKey, rawHeader, payloadSum []byte) []byte {
	return ed25519.Sign(key, signed(rawHeader, payloadSum))
}
