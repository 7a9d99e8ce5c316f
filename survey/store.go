package survey

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors a Store returns; callers branch on them with errors.Is. The store
// wraps them with the interview or object concerned.
var (
	// ErrNotFound: no interview, form, attachment, enumerator or setting by that key.
	ErrNotFound = errors.New("not found")
	// ErrExists: Create or Insert of an interview id that is already stored.
	ErrExists = errors.New("already exists")
	// ErrImmutable: a change to the answers, repeats or attachments of an
	// interview that is no longer a draft (finalized interviews are frozen).
	// It is the engine's ErrFinalized, so callers test one sentinel.
	ErrImmutable = ErrFinalized
	// ErrConflict: a lifecycle step that does not apply to the interview's
	// current state, revision or content hash (e.g. acknowledging content that
	// has changed since it was sent, finalizing twice).
	ErrConflict = errors.New("conflict with the interview's current state")
	// ErrTooLarge: an attachment over the store's size cap.
	ErrTooLarge = errors.New("attachment too large")
	// ErrBadPIN: a PIN that does not meet the rules (6 to 64 digits).
	ErrBadPIN = errors.New("PIN must be 6 to 64 digits")
	// ErrWrongPIN: a PIN (or PIN reset code) that does not open the
	// enumerator's data key; a tampered wrapped key is refused the same way.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrNotEnrolled: on an enrolled laptop, an enumerator id the office did
	// not enrol on it.
	ErrNotEnrolled = errors.New("enumerator not enrolled on this laptop")
	// ErrLocked: the interview's answers are sealed under the data key of an
	// enumerator who has not signed in (Unlock) in this process.
	ErrLocked = errors.New("locked: the enumerator has not signed in with their PIN")
)

// RecoveryKey is an enumerator's data key age-encrypted to the office's
// recipient (survey/SECURITY.md, "Data keys"): the office opens it with its
// identity to issue a PIN reset or recover the laptop's file.
type RecoveryKey struct {
	Enumerator string `json:"enumerator"`
	Key        []byte `json:"key"` // an age file (binary)
}

// Store is the laptop's durable store of interviews, forms, attachments,
// enumerators and settings. The terminal app and the sync client use it;
// the SQLite implementation is sira/survey/sqlite. Every method is safe for
// concurrent use, and every method that changes something has committed it
// durably when it returns nil.
//
// Answers, attachments, comments and paradata are sealed under their
// enumerator's data key (survey/SECURITY.md): every method that reads or
// writes them returns ErrLocked while that enumerator is not unlocked.
// Lifecycle and counts (Counts, Pending, MarkSent, MarkAcknowledged,
// Reopen, forms, settings) need no key.
type Store interface {
	// Create stores a new interview with its answers, attachments' metadata and
	// paradata. Status defaults to draft and Revision to 1 when zero.
	// Errors: ErrExists.
	Create(ctx context.Context, iv *Interview) error
	// Insert stores many interviews (of any status) in one transaction, for
	// simulation and imports; finalized ones get their content hash recorded.
	// Either all are stored or none. Errors: ErrExists.
	Insert(ctx context.Context, ivs []*Interview) error
	// Get returns the interview with its answers reassembled into the Record
	// tree, its attachments (sorted by field, then name) and its paradata.
	// Errors: ErrNotFound.
	Get(ctx context.Context, id string) (*Interview, error)
	// Delete removes a draft interview and its paradata and attachments.
	// Errors: ErrNotFound, ErrImmutable (not a draft).
	Delete(ctx context.Context, id string) error

	// SaveAnswer stores one answer and any paradata events in one durable
	// transaction (the autosave when the enumerator leaves a field). A ref into
	// a repeat instance that does not exist yet creates the instances up to it.
	// The value is stored verbatim, except that "" deletes the answer (as
	// Record.Put does: empty and absent are one state).
	// Errors: ErrNotFound, ErrImmutable.
	SaveAnswer(ctx context.Context, id string, ref Ref, value string, ev ...Event) error
	// SaveData replaces a draft's whole answer tree (after the engine has
	// recalculated) and appends events, in one durable transaction; it costs
	// the same as SaveAnswer. Errors: ErrNotFound, ErrImmutable.
	SaveData(ctx context.Context, id string, data *Record, ev ...Event) error
	// SaveAnswers stores several answers (an answer and the calculations it
	// changed) and events in one durable transaction. Errors: as SaveAnswer.
	SaveAnswers(ctx context.Context, id string, changes []Change, ev ...Event) error
	// SetRepeatCount makes the repeat at ref (ref.Path is the repeat's path,
	// ref.Repeats the enclosing instances) have exactly n instances: new ones
	// are empty, surplus ones are dropped from the end with their answers.
	// Errors: ErrNotFound, ErrImmutable.
	SetRepeatCount(ctx context.Context, id string, ref Ref, n int, ev ...Event) error
	// RemoveRepeatInstance deletes one instance (ref's last step names it) and
	// its answers; later instances move down by one, as in ODK.
	// Errors: ErrNotFound (no such interview or instance), ErrImmutable.
	RemoveRepeatInstance(ctx context.Context, id string, instance Ref, ev ...Event) error
	// AppendEvents adds paradata in any state: paradata is not part of the
	// submitted content. Errors: ErrNotFound.
	AppendEvents(ctx context.Context, id string, ev []Event) error

	// Finalize freezes a draft: status finalized, Ended = at, content hash
	// recorded. Save the engine's final answers (SaveData after
	// Engine.Finalize, which clears irrelevant answers) before calling it; a
	// crash between the two leaves a draft, never a half-finalized interview.
	// Errors: ErrNotFound, ErrConflict (not a draft).
	Finalize(ctx context.Context, id string, at time.Time, ev ...Event) error
	// List returns the interviews matching f, most recently updated first,
	// among those whose enumerator is unlocked (each enumerator sees only
	// their own). Errors: ErrLocked when f.Enumerator names a locked one.
	List(ctx context.Context, f Filter) ([]Summary, error)
	// Counts returns the number of interviews per form id and status.
	Counts(ctx context.Context) (map[string]map[Status]int, error)

	// Pending returns the finalized and sent interviews (not yet acknowledged),
	// oldest finalized first, with the content hash recorded at Finalize.
	Pending(ctx context.Context) ([]PendingInterview, error)
	// MarkSent records that revision with content hash was handed to the
	// server (or written to a USB batch): finalized → sent; sending again is a
	// no-op. Errors: ErrNotFound, ErrConflict (other revision or hash, or a
	// draft/rejected interview).
	MarkSent(ctx context.Context, id string, revision int, hash string) error
	// MarkAcknowledged records the server's receipt: finalized or sent →
	// acknowledged, only if revision and hash match what is stored, so an
	// acknowledgement of older content is never applied to newer content.
	// Acknowledging again is a no-op. Errors: ErrNotFound, ErrConflict.
	MarkAcknowledged(ctx context.Context, id string, revision int, hash string) error
	// Reject records a supervisor's rejection of revision with content
	// hash (the submission the office rejected; "" checks the revision
	// only): status rejected, comment stored. Two laptops can hold
	// different content at one revision (the office keeps both as a
	// conflict); only the one holding the rejected content is rejected.
	// Errors: ErrNotFound, ErrConflict (another revision or content, or a
	// draft).
	Reject(ctx context.Context, id, comment string, revision int, hash string) error
	// SetQuestionComments stores, sealed under the interview's enumerator's
	// key, the per-question comments of its last rejection (nil clears
	// them). Errors: ErrNotFound (no such interview), ErrLocked.
	SetQuestionComments(ctx context.Context, id string, qs []QuestionComment) error
	// QuestionComments returns them (nil when none). Errors: ErrLocked.
	QuestionComments(ctx context.Context, id string) ([]QuestionComment, error)
	// Reopen turns a rejected interview back into a draft with Revision+1.
	// Errors: ErrNotFound, ErrConflict (not rejected).
	Reopen(ctx context.Context, id string) error
	// WithdrawRejection undoes a rejection the office withdrew (the
	// supervisor approved the interview instead): rejected at revision
	// with content hash → acknowledged, comment cleared. Errors:
	// ErrNotFound, ErrConflict (not rejected, or another revision or
	// content: the enumerator already reopened it).
	WithdrawRejection(ctx context.Context, id string, revision int, hash string) error

	// PutForm stores a compiled form (its JSON) under its hash; storing the
	// same hash again is a no-op.
	PutForm(ctx context.Context, formID, version, hash string, compiledJSON []byte) error
	// Forms lists the stored forms, by form id then newest first.
	Forms(ctx context.Context) ([]FormInfo, error)
	// GetForm returns a compiled form's JSON. Errors: ErrNotFound.
	GetForm(ctx context.Context, hash string) ([]byte, error)

	// PutAttachment reads a file for a media question of a draft, stores its
	// content once by SHA-256 and links it to the interview under (a.Field,
	// a.Name), replacing an earlier file there. It returns a with SHA256 and
	// Size filled in. Errors: ErrNotFound, ErrImmutable, ErrTooLarge, and
	// ErrConflict when a.SHA256 is set and the content does not match it.
	PutAttachment(ctx context.Context, interviewID string, a Attachment, r io.Reader) (Attachment, error)
	// OpenAttachment returns the content stored under a hex SHA-256.
	// Errors: ErrNotFound.
	OpenAttachment(ctx context.Context, sha256 string) (io.ReadCloser, error)

	// Unlock opens the enumerator's data key with pin and keeps it in memory
	// until Lock: the enumerator's interviews can then be read and written.
	// On a laptop never enrolled, an unknown id creates a local account whose
	// PIN is pin. On an enrolled one only enrolled ids may sign in. Ids are
	// case-insensitive. The first Unlock after an upgrade from a plaintext
	// database encrypts it (survey/SECURITY.md, "Upgrade").
	// Errors: ErrWrongPIN, ErrBadPIN (creating an account), ErrNotEnrolled.
	Unlock(ctx context.Context, enumerator, pin string) error
	// Lock forgets the enumerator's data key.
	Lock(enumerator string)
	// SetPIN sets a new PIN for an unlocked enumerator (or creates the
	// account, as Unlock does, for an unknown id). Errors: ErrBadPIN,
	// ErrLocked, ErrNotEnrolled.
	SetPIN(ctx context.Context, enumerator, pin string) error
	// CheckPIN is Unlock reporting a wrong PIN as false rather than an error.
	CheckPIN(ctx context.Context, enumerator, pin string) (bool, error)
	// RecoveryKeys returns the recovery copies of the data keys, made for
	// the office recipient in the "enrolment" setting whenever a data key is
	// unlocked and that recipient is known.
	RecoveryKeys(ctx context.Context) ([]RecoveryKey, error)
	// StorePINReset keeps a PIN reset package the office issued for an
	// enumerator (survey/SECURITY.md, "PIN reset"), for ResetPIN.
	StorePINReset(ctx context.Context, enumerator string, pkg []byte) error
	// ResetPIN opens the enumerator's data key with the stored reset package
	// and the code read over the phone, wraps it under newPIN and unlocks it.
	// Errors: ErrNotFound (no package), ErrWrongPIN (wrong code), ErrBadPIN.
	ResetPIN(ctx context.Context, enumerator, code, newPIN string) error
	// DeviceID returns the store's device id, created once on first call and
	// stable for the life of the database.
	DeviceID(ctx context.Context) (string, error)
	// Setting returns a stored setting (server URL, token…). Errors: ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	// SetSetting stores a setting, replacing any earlier value.
	SetSetting(ctx context.Context, key, value string) error
}

// Change is one answer in SaveAnswers.
type Change struct {
	Ref   Ref
	Value string
}

// Filter selects interviews in List; zero fields match everything.
type Filter struct {
	FormID     string
	Status     Status
	Enumerator string
}

// Summary is an interview without its answers, for lists.
type Summary struct {
	ID          string    `json:"id"`
	FormID      string    `json:"form_id"`
	FormVersion string    `json:"form_version"`
	Enumerator  string    `json:"enumerator"`
	Status      Status    `json:"status"`
	Revision    int       `json:"revision"`
	Comment     string    `json:"comment,omitempty"`
	Started     time.Time `json:"started"`
	Ended       time.Time `json:"ended,omitzero"`
	Updated     time.Time `json:"updated"`
}

// PendingInterview is an interview waiting for the server's acknowledgement.
type PendingInterview struct {
	ID       string `json:"id"`
	Status   Status `json:"status"` // finalized or sent
	Revision int    `json:"revision"`
	Hash     string `json:"hash"` // the Interview.ContentHash recorded at Finalize
}

// FormInfo describes a stored compiled form.
type FormInfo struct {
	FormID  string    `json:"form_id"`
	Version string    `json:"version"`
	Hash    string    `json:"hash"`
	Added   time.Time `json:"added"`
}
