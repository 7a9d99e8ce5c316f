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
	// One buffer for the whole content: most interviews fit the initial
	// capacity, which then stays on the stack.
	b := iv.appendHead(make([]byte, 0, 8<<10))
	b = iv.Data.AppendJSON(b)
	b = iv.appendTail(b)
	return formatHash(sha256.Sum256(b))
}

// ContentHashData is ContentHash for a caller that already holds iv.Data's
// JSON (Record.AppendJSON, or json.Marshal: the bytes are the same), so a
// bulk insert encodes the answers once for the row and the hash.
func (iv *Interview) ContentHashData(data []byte) string {
	// The content JSON (contentJSON in hash_test.go is the reference) is
	// built by hand: same bytes as json.Marshal of that struct, without
	// reflection. It is hashed in three pieces so that data, the bulk of
	// it, is not copied.
	var head, tail [512]byte
	h := sha256.New()
	h.Write(iv.appendHead(head[:0]))
	h.Write(data)
	h.Write(iv.appendTail(tail[:0]))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return formatHash(sum)
}

// formatHash renders a sha256 sum as "sha256:<hex>" with one allocation.
func formatHash(sum [sha256.Size]byte) string {
	var out [len("sha256:") + 2*sha256.Size]byte
	copy(out[:], "sha256:")
	hex.Encode(out[len("sha256:"):], sum[:])
	return string(out[:])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
