package survey

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ContentHash identifies an interview's submitted content: identity, form,
// revision, answers and attachments. Lifecycle fields (status, comment,
// updated) and paradata are left out, so a retry of the same submission
// hashes the same and a changed answer does not. It returns "sha256:<hex>".
//
// The encoding is the JSON encoding/json gives that content (sorted map
// keys, UTC timestamps), written without reflection; the laptop, the relay
// and the intake server all call this one function.
func (iv *Interview) ContentHash() string {
	return iv.ContentHashData(iv.Data.AppendJSON(nil))
}

// ContentHashData is ContentHash for a caller that already holds iv.Data's
// JSON (Record.AppendJSON, or json.Marshal: the bytes are the same), so a
// bulk insert encodes the answers once for the row and the hash.
func (iv *Interview) ContentHashData(data []byte) string {
	// The content JSON (contentJSON in hash_test.go is the reference) is
	// built by hand: same bytes as json.Marshal of that struct, without
	// reflection.
	b := iv.appendContent(make([]byte, 0, len(data)+512), data)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
