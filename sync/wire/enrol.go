package wire

import (
	"crypto/sha256"
	"encoding/hex"
)

// PathEnrol is the enrolment endpoint (sync/PROTOCOL.md, "Enrolment").
const PathEnrol = "/api/v2/enrol" // POST EnrolRequest → EnrolReply

// EnrolRequest registers a laptop's device key (and its enumerators' data
// key recovery copies) with the office, under a device token.
type EnrolRequest struct {
	DeviceID  string        `json:"device_id"`
	DeviceKey []byte        `json:"device_key"` // Ed25519 public key (base64 in JSON)
	Recovery  []RecoveryKey `json:"recovery,omitempty"`
}

// RecoveryKey is an enumerator's data key age-encrypted to the office.
type RecoveryKey struct {
	Enumerator string `json:"enumerator"`
	Key        []byte `json:"key"` // an age file (base64 in JSON)
}

// EnrolReply tells the laptop which office it belongs to and who may sign
// in on it.
type EnrolReply struct {
	Office      string       `json:"office"`
	Recipient   string       `json:"recipient"`
	Fingerprint string       `json:"fingerprint"`
	Enumerators []Enumerator `json:"enumerators"`
}

// Enumerator is one person enrolled on a laptop.
type Enumerator struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"` // "enumerator" or "supervisor"
}

// EnrolmentFileMagic is the first line of an offline enrolment file.
const EnrolmentFileMagic = "SIRA-ENROL 1"

// EnrolmentFile is the JSON after EnrolmentFileMagic in a file written by
// `sira intake enrol` for a laptop that never goes online.
type EnrolmentFile struct {
	EnrolReply
	Enrolment string `json:"enrolment"`
	Code      []byte `json:"code"` // 32 random bytes (base64 in JSON)
}

// PINReset is a PIN reset package delivered downstream to the device it
// was made for.
type PINReset struct {
	Seq        int64  `json:"seq"`
	Enumerator string `json:"enumerator"`
	Package    []byte `json:"package"` // base64 in JSON
}

// Fingerprint is what a laptop shows of an office recipient: "SHA256:" and
// the first 16 hex digits of SHA-256 of the recipient string, in groups of
// four ("SHA256:1a2b-3c4d-5e6f-7a8b").
func Fingerprint(recipient string) string {
	sum := sha256.Sum256([]byte(recipient))
	h := hex.EncodeToString(sum[:8])
	return "SHA256:" + h[0:4] + "-" + h[4:8] + "-" + h[8:12] + "-" + h[12:16]
}
