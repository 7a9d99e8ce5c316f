package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sira/survey"
	"sira/sync/wire"
)

// ErrNotFound is returned by Store lookups that find nothing.
var ErrNotFound = errors.New("not found")

// Store is the intake server's storage. Every method is safe for concurrent
// use. The SQLite backend is intake/sqlite; a PostgreSQL one follows.
type Store interface {
	FormStore
	TokenStore
	InterviewStore
	AttachmentStore
	RejectionStore
	OutboxStore
	KeyStore
	DeviceStore
	// Stats returns the counters of `sira intake stats`.
	Stats(ctx context.Context) (Stats, error)
	Close() error
}

// PublishedForm is one compiled form version known to the intake.
type PublishedForm struct {
	Hash      string
	FormID    string
	Version   string
	Published time.Time
	JSON      []byte // canonical compiled-form JSON (forms.Load reads it)
}

// FormStore keeps published forms.
type FormStore interface {
	// PutForm stores f unless a form with its hash exists; created reports
	// whether it was new.
	PutForm(ctx context.Context, f PublishedForm) (created bool, err error)
	// Form returns the form with hash h, or ErrNotFound.
	Form(ctx context.Context, h string) (*PublishedForm, error)
	// Forms returns every published form, oldest first.
	Forms(ctx context.Context) ([]PublishedForm, error)
}

// Token kinds.
const (
	// TokenDevice belongs to one enumerator: a laptop's token. Every
	// interview it sends must be that enumerator's.
	TokenDevice = "device"
	// TokenRelay is a supervisor's relay: it forwards interviews of any
	// enumerator whose post is among Posts (all posts when Posts is empty).
	TokenRelay = "relay"
)

// Token is a device or relay token as stored: only the sha256 of the secret.
type Token struct {
	ID         string // short public id, shown in listings and logs
	Hash       string // hex sha256 of the secret
	Enumerator string // a device token's enumerator ("" for a relay)
	Created    time.Time
	Revoked    time.Time // zero while valid
	Kind       string    // TokenDevice ("" reads as one) or TokenRelay
	Relay      string    // a relay token's name
	Posts      []string  // a relay token's posts (empty: every post)
}

// IsRelay reports whether t is a relay token.
func (t *Token) IsRelay() bool { return t.Kind == TokenRelay }

// TokenStore keeps device tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token whose secret hashes to h (revoked ones
	// included: the caller checks Revoked), or ErrNotFound.
	TokenByHash(ctx context.Context, h string) (*Token, error)
	// RevokeTokens revokes the token with id (or hash) key, or with key ""
	// and enumerator set, all of that enumerator's tokens. It returns how
	// many were revoked.
	RevokeTokens(ctx context.Context, key, enumerator string, at time.Time) (int, error)
	Tokens(ctx context.Context) ([]Token, error)
}

// Incoming is one decoded, verified interview of a batch, ready to store.
type Incoming struct {
	Interview *survey.Interview
	Hash      string // verified content hash
	Body      []byte // the interview as stored: wire.MarshalInterview
	Size      int    // bytes it took on the wire, before compression
	// Invalid, when set, is why the interview is refused: it is not stored
	// and its receipt is wire.Invalid with this reason.
	Invalid string
}

// BatchMeta describes where a batch came from.
type BatchMeta struct {
	TokenID    string // "" for imports
	Enumerator string // the token's enumerator ("" for imports)
	Source     string // "http", "import", "relay"
	Bytes      int64  // bytes received for the batch (the frame)
	Received   time.Time
}

// StoredInterview is one stored submission (a row of the history).
type StoredInterview struct {
	Seq        int64 // insertion order, unique
	ID         string
	Revision   int
	Hash       string
	FormHash   string
	Enumerator string
	DeviceID   string
	Received   time.Time
	Current    bool // the submission the office works with for this id
	Conflict   bool // part of a conflict awaiting review
	// Body is the whole interview in wire.MarshalInterview's encoding
	// (compact, self-contained, paradata included); use Interview.
	Body []byte
}

// Interview decodes Body.
func (x StoredInterview) Interview() (*survey.Interview, error) {
	iv, _, err := wire.UnmarshalInterview(x.Body)
	if err != nil {
		return nil, fmt.Errorf("stored interview %s (seq %d): %w", x.ID, x.Seq, err)
	}
	return iv, nil
}

// InterviewStore keeps interviews, their history and conflicts.
type InterviewStore interface {
	// Held reports, per item, whether the exact content (id and hash) is
	// stored.
	Held(ctx context.Context, items []wire.Item) ([]bool, error)
	// Ingest stores a batch in one transaction and returns one receipt per
	// item, in order: Stored, Duplicate, Updated, Superseded, Conflict, or
	// Invalid for items with Invalid set (unless the exact content is held:
	// then Duplicate, so a retry is never judged anew). Either every item is decided and
	// committed or nothing is.
	Ingest(ctx context.Context, meta BatchMeta, in []Incoming) ([]wire.Receipt, error)
	// Submissions returns every stored submission of id, oldest first.
	Submissions(ctx context.Context, id string) ([]StoredInterview, error)
	// CountSubmissions returns the number of stored submissions (rows).
	CountSubmissions(ctx context.Context) (int64, error)
	// EachSubmission calls fn for every stored submission in Seq order.
	EachSubmission(ctx context.Context, fn func(StoredInterview) error) error
}

// AttachmentStore keeps attachment files, content-addressed, uploaded in
// resumable chunks.
type AttachmentStore interface {
	// AttachmentState returns how many bytes of sha are held and whether the
	// file is complete (verified).
	AttachmentState(ctx context.Context, sha string) (offset int64, complete bool, err error)
	// AppendAttachment appends data at offset to the upload of sha (total
	// size size). An offset other than the held length is a *wire.Error
	// CodeOffsetMismatch. When the upload reaches size it is verified: a
	// sha256 mismatch discards it (CodeHashMismatch). It returns the new
	// offset and whether the file is complete.
	AppendAttachment(ctx context.Context, sha string, size, offset int64, data []byte) (int64, bool, error)
	// Attachment returns a complete attachment's bytes, or ErrNotFound.
	Attachment(ctx context.Context, sha string) ([]byte, error)
	// ExpireAttachments deletes the unfinished uploads last appended to
	// before the time given (or before this method existed) and returns
	// how many.
	ExpireAttachments(ctx context.Context, before time.Time) (int, error)
}

// RejectionStore keeps supervisors' rejections for delivery to laptops.
type RejectionStore interface {
	// Reject records that the current submission of id is sent back to its
	// enumerator with comment. It returns the rejection's Seq.
	Reject(ctx context.Context, id, comment, by string, at time.Time) (int64, error)
	// Rejections returns the rejections for enumerator with Seq > after, at
	// most limit, with the rejected interviews.
	Rejections(ctx context.Context, enumerator string, after int64, limit int) ([]wire.Rejection, error)
}

// OutboxStore is what a relay forwards upstream: stored submissions not yet
// acknowledged by the upstream.
type OutboxStore interface {
	// Unforwarded returns up to limit stored submissions not yet
	// forwarded whose Seq is above after, in Seq order: a forwarder pages
	// through the outbox past submissions that must wait.
	Unforwarded(ctx context.Context, after int64, limit int) ([]StoredInterview, error)
	// MarkForwarded records that the upstream acknowledged these submissions.
	MarkForwarded(ctx context.Context, seqs []int64) error
}

// Stats are the intake's counters; the JSON names are the contract of
// `sira intake stats --json`.
type Stats struct {
	Submissions   int64 `json:"submissions"`    // stored submissions (every revision and conflict)
	Interviews    int64 `json:"interviews"`     // distinct interview ids
	Duplicates    int64 `json:"duplicates"`     // duplicate receipts given
	Updated       int64 `json:"updated"`        // updated receipts given
	Superseded    int64 `json:"superseded"`     // superseded receipts given
	Conflicts     int64 `json:"conflicts"`      // conflict receipts given
	Invalid       int64 `json:"invalid"`        // invalid receipts given
	Batches       int64 `json:"batches"`        // batches committed
	BytesReceived int64 `json:"bytes_received"` // bytes of accepted batches and stored attachment chunks
	Attachments   int64 `json:"attachments"`    // complete attachments held
	Forms         int64 `json:"forms"`          // published form versions
	Rejections    int64 `json:"rejections"`     // rejections recorded
	Unforwarded   int64 `json:"unforwarded"`    // relay: submissions not yet acknowledged upstream
}
