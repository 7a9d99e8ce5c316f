package survey

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// ContentHash identifies an interview's submitted content: identity, form,
// revision, answers and attachments. Lifecycle fields (status, comment,
// updated) and paradata are left out, so a retry of the same submission
// hashes the same and a changed answer does not. It returns "sha256:<hex>".
//
// The encoding is JSON with sorted map keys and UTC timestamps, which
// encoding/json already guarantees; the laptop, the relay and the intake
// server all call this one function.
func (iv *Interview) ContentHash() string {
	type content struct {
		ID          string       `json:"id"`
		FormID      string       `json:"form_id"`
		FormVersion string       `json:"form_version"`
		FormHash    string       `json:"form_hash"`
		Enumerator  string       `json:"enumerator"`
		DeviceID    string       `json:"device_id"`
		Started     string       `json:"started"`
		Ended       string       `json:"ended"`
		Revision    int          `json:"revision"`
		Data        *Record      `json:"data"`
		Attachments []Attachment `json:"attachments"`
	}
	c := content{
		ID: iv.ID, FormID: iv.FormID, FormVersion: iv.FormVersion, FormHash: iv.FormHash,
		Enumerator: iv.Enumerator, DeviceID: iv.DeviceID,
		Started: stamp(iv.Started), Ended: stamp(iv.Ended),
		Revision: iv.Revision, Data: iv.Data, Attachments: iv.Attachments,
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Only strings, ints and maps of strings: Marshal cannot fail.
		panic("survey: marshal content: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
