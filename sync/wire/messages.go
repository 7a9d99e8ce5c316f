package wire

import (
	"encoding/json"
	"time"

	"sira/survey"
)

// ProtocolVersion is the version of this protocol. The client sends it in
// the HeaderProtocol header of every request and in every frame; a server
// answers a higher version with CodeProtocolVersion and never guesses.
const ProtocolVersion = 2

// HTTP headers and paths of the intake API.
const (
	// HeaderProtocol carries the sender's ProtocolVersion (decimal) on every
	// request and response.
	HeaderProtocol = "Sira-Protocol"
	// HeaderOffset is, on HEAD/PUT of an attachment, the number of bytes the
	// server holds so far.
	HeaderOffset = "Sira-Offset"
	// HeaderComplete is "true" on HEAD of an attachment the server holds whole and verified.
	HeaderComplete = "Sira-Complete"

	// ContentTypeBatch is the media type of a batch frame body.
	ContentTypeBatch = "application/vnd.sira.batch"

	// Attachments and downstream kept their first paths.
	PathAttachment = "/api/v1/attachments/" // HEAD|PUT + <sha256 hex>[?offset=N&size=S]
	PathDownstream = "/api/v1/downstream"   // POST DownstreamRequest → Downstream

	// Offers and batches: compact bodies (MarshalOffer, MarshalOfferReply,
	// MarshalReceipts).
	PathOfferV2 = "/api/v2/offer" // POST compact Offer → compact answer by position
	PathBatchV2 = "/api/v2/batch" // POST frame → compact receipts by position
)

// ReceiptStatus is the server's verdict on one interview.
type ReceiptStatus string

// Receipt statuses. Every status but Invalid means "the server holds this
// exact content durably": the client marks the interview acknowledged.
const (
	// Stored: first time the server sees this id.
	Stored ReceiptStatus = "stored"
	// Duplicate: same id and same content hash already held (a retry).
	Duplicate ReceiptStatus = "duplicate"
	// Updated: a higher revision than the one held; it becomes current and
	// the older revisions stay in the history.
	Updated ReceiptStatus = "updated"
	// Superseded: an older revision than the one held, new to the server
	// (e.g. forwarded late by a relay); kept in the history, not current.
	Superseded ReceiptStatus = "superseded"
	// Conflict: same id and revision as a held interview, different content;
	// both are kept side by side and flagged for review, neither overwritten.
	Conflict ReceiptStatus = "conflict"
	// Invalid: not stored; Reason says why (unknown form version, failed
	// validation). Resending the same content gives the same answer.
	Invalid ReceiptStatus = "invalid"
)

// Acknowledged reports whether the status means the server holds the content.
func (s ReceiptStatus) Acknowledged() bool {
	switch s {
	case Stored, Duplicate, Updated, Superseded, Conflict:
		return true
	}
	return false
}

// Item identifies one submission of an interview: what the client offers.
type Item struct {
	ID       string `json:"id"`
	Revision int    `json:"revision"`
	Hash     string `json:"hash"`      // survey.(*Interview).ContentHash()
	FormHash string `json:"form_hash"` // the compiled form's Hash; lets the server refuse unknown forms before any byte is sent
}

// ItemOf returns the Item describing iv.
func ItemOf(iv *survey.Interview) Item {
	return Item{ID: iv.ID, Revision: iv.Revision, Hash: iv.ContentHash(), FormHash: iv.FormHash}
}

// Receipt is the server's answer for one interview.
type Receipt struct {
	ID       string        `json:"id"`
	Revision int           `json:"revision"`
	Hash     string        `json:"hash"`
	Status   ReceiptStatus `json:"status"`
	Reason   string        `json:"reason,omitempty"` // set with Invalid
}

// Offer is what the body of POST /api/v2/offer carries (MarshalOffer): what the client holds and has not
// seen acknowledged, and the attachments those interviews reference.
type Offer struct {
	Items       []Item   `json:"items"`
	Attachments []string `json:"attachments,omitempty"` // sha256 hex of files referenced by the offered interviews
	// Drafts, when set, is how many draft (unfinalized) interviews the
	// laptop holds: the dashboard shows the drafts known to be pending.
	// Optional: older clients omit it and the sync protocol ignores it.
	Drafts *int `json:"drafts,omitempty"`
}

// OfferReply answers an Offer. Every offered item appears exactly once:
// either in Need (send it in a batch) or in Receipts (already decided: a
// Duplicate the client can acknowledge now, or Invalid because its form is
// unknown to the server).
type OfferReply struct {
	Need        []Item            `json:"need"`
	Receipts    []Receipt         `json:"receipts"`
	Attachments []AttachmentState `json:"attachments,omitempty"` // the offered attachments the server does not hold whole
}

// AttachmentState is how much of an attachment the server holds.
type AttachmentState struct {
	SHA256 string `json:"sha256"`
	Offset int64  `json:"offset"` // bytes held; resume the upload here
}

// AttachmentReply is the body answering PUT /api/v1/attachments/<sha256>.
type AttachmentReply struct {
	SHA256   string `json:"sha256"`
	Offset   int64  `json:"offset"`
	Complete bool   `json:"complete"` // whole and verified against the sha256
}

// DownstreamRequest is the body of POST /api/v1/downstream.
type DownstreamRequest struct {
	Forms           []string `json:"forms"`            // hashes of the compiled forms the laptop holds
	RejectionsAfter int64    `json:"rejections_after"` // the highest Rejection.Seq the laptop has stored (0 at first)
	// Device and PINResetsAfter ask for the PIN reset packages made for
	// this device after the highest PINReset.Seq it has stored.
	Device         string `json:"device,omitempty"`
	PINResetsAfter int64  `json:"pin_resets_after,omitempty"`
}

// Downstream is what travels back to the laptop in the same session: the
// published forms it lacks and the interviews a supervisor rejected.
type Downstream struct {
	Forms      []FormVersion `json:"forms"`
	Rejections []Rejection   `json:"rejections"`
	More       bool          `json:"more,omitempty"` // more rejections wait: ask again with the highest Seq received
	// Office and Recipient are the office's id and current age recipient,
	// so a key rotation reaches its laptops at their next contact. The
	// laptop also keeps its RejectionsAfter per Office, not per address:
	// syncing through two servers or addresses of one office delivers each
	// notice once (a new id after a rotation keeps the highest cursor).
	Office    string     `json:"office,omitempty"`
	Recipient string     `json:"recipient,omitempty"`
	PINResets []PINReset `json:"pin_resets,omitempty"`
}

// FormVersion is one published compiled form.
type FormVersion struct {
	FormID    string          `json:"form_id"`
	Version   string          `json:"version"`
	Hash      string          `json:"hash"`
	Published time.Time       `json:"published"`
	Form      json.RawMessage `json:"form"` // the compiled form's canonical JSON (forms.Load reads it)
}

// Rejection is an interview a supervisor sent back, for the enumerator who
// submitted it. Seq increases on the server; the laptop stores the highest
// it has applied and sends it as RejectionsAfter, so delivery is exact and
// resumable.
//
// Kind "withdraw" withdraws an earlier rejection of the same ID, Revision
// and Hash (a supervisor approved it before the laptop acknowledged it):
// a laptop holding that rejection returns the interview to acknowledged;
// one that does not ignores it. Interview is nil on withdrawals.
type Rejection struct {
	Seq       int64             `json:"seq"`
	Kind      string            `json:"kind,omitempty"` // "" (a rejection) or RejectionWithdraw
	Questions []QuestionComment `json:"questions,omitempty"`
	ID        string            `json:"id"`
	Revision  int               `json:"revision"`
	Hash      string            `json:"hash"`
	Comment   string            `json:"comment"`
	By        string            `json:"by,omitempty"`
	At        time.Time         `json:"at"`
	Interview *survey.Interview `json:"interview"` // the rejected submission as the server holds it
}

// RejectionWithdraw is the Kind of a withdrawal.
const RejectionWithdraw = "withdraw"

// QuestionComment is a supervisor's comment on one question of a rejected
// interview; Field is the question's path (survey.Ref.Path).
type QuestionComment = survey.QuestionComment
