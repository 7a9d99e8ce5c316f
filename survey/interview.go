package survey

import "time"

// Status is an interview's place in its lifecycle:
// draft → finalized → sent → acknowledged; a rejected interview returns to
// the laptop as rejected, and is reopened as a draft with Revision+1.
type Status string

// Lifecycle states; the strings are stored and appear in `sira status --json`.
const (
	StatusDraft        Status = "draft"
	StatusFinalized    Status = "finalized"
	StatusSent         Status = "sent"
	StatusAcknowledged Status = "acknowledged"
	StatusRejected     Status = "rejected"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusDraft, StatusFinalized, StatusSent, StatusAcknowledged, StatusRejected}

// Interview is one interview: identity, form, lifecycle, answers and paradata.
type Interview struct {
	ID          string       `json:"id"` // "uuid:<uuid>" as ODK's instanceID
	FormID      string       `json:"form_id"`
	FormVersion string       `json:"form_version"`
	FormHash    string       `json:"form_hash"`
	Enumerator  string       `json:"enumerator"`
	DeviceID    string       `json:"device_id"`
	Started     time.Time    `json:"started"`
	Ended       time.Time    `json:"ended,omitzero"` // set when finalized
	Status      Status       `json:"status"`
	Revision    int          `json:"revision"`          // 1 for a first submission; +1 each time a rejection is reopened
	Comment     string       `json:"comment,omitempty"` // the supervisor's comment on the last rejection
	Data        *Record      `json:"data"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Paradata    []Event      `json:"paradata,omitempty"`
	Updated     time.Time    `json:"updated"`
}

// Record holds the answers of one level of an interview: the root, or one
// instance of a repeat. Groups do not create levels; repeats do.
//
// Values are keyed by the field's forms.Node.Path ("/data/demographics/age")
// and hold the answer as ODK stores it in the XML instance: decimal text for
// numbers, YYYY-MM-DD for dates, space-separated choice names for
// select_multiple, "lat lon alt acc" for geopoints, the file name for media.
type Record struct {
	Values  map[string]string    `json:"values,omitempty"`
	Repeats map[string][]*Record `json:"repeats,omitempty"` // keyed by the repeat's Node.Path
}

// Attachment is a file attached to a media question, stored content-addressed.
type Attachment struct {
	Field  string `json:"field"`  // the question's Node.Path
	Name   string `json:"name"`   // file name as recorded in the answer
	SHA256 string `json:"sha256"` // hex
	Size   int64  `json:"size"`
	Type   string `json:"type,omitempty"` // media type
}

// Event is one paradata record: a question entered, left or changed, the
// language switched, the interview finalized…, in the manner of Survey
// Solutions' paradata and SurveyCTO's text audits. Values are never recorded.
type Event struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`            // "enter", "leave" (a page), "focus" (a question of a field-list page), "change", "language", "finalize", "resume", ...
	Field string    `json:"field,omitempty"` // Node.Path, with repeat indices: "/data/legs[2]/country"
	Note  string    `json:"note,omitempty"`  // e.g. the language switched to; never an answer
}
