package office

import (
	"context"
	"time"
)

// Store keeps the office's state. Every method is safe for concurrent use,
// also by several processes (servers) on one database: nothing the office
// needs lives in one process. Errors wrap ErrNotFound for lookups that find
// nothing and the review errors of Transition for refused decisions.
type Store interface {
	UserStore
	ReviewStore
	ConflictStore
	DuplicateStore
	TargetStore
	DeviceStore
	AuditStore
	// OfficeID is this office database's random identity, the same for
	// every server on it: laptops key their notice cursor by it.
	OfficeID(ctx context.Context) (string, error)
	// Setting returns a stored setting ("" when unset); SetSetting stores it.
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	// Ping checks that the database answers and its schema is current.
	Ping(ctx context.Context) error
	Close() error
}

// UserStore keeps accounts, sessions and sign-in failures.
type UserStore interface {
	// PutUser creates u or replaces it (role, hash, disabled, scope).
	PutUser(ctx context.Context, u User) error
	// User returns the account name, or ErrNotFound.
	User(ctx context.Context, name string) (*User, error)
	// Users lists every account by name.
	Users(ctx context.Context) ([]User, error)
	// DeleteUser removes an account with its sessions; ErrNotFound.
	DeleteUser(ctx context.Context, name string) error
	// CreateSession stores s.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with hash, unexpired at now, of an
	// enabled user, or ErrNotFound.
	Session(ctx context.Context, hash string, now time.Time) (*Session, error)
	// DeleteSessions ends the session hash, or with hash "" every session
	// of user.
	DeleteSessions(ctx context.Context, hash, user string) error
	// LoginFailed records a failed sign-in for each key (an address, a name).
	LoginFailed(ctx context.Context, at time.Time, keys ...string) error
	// LoginFailures counts the failures of key since since.
	LoginFailures(ctx context.Context, key string, since time.Time) (int, error)
}

// ReviewStore keeps reviews, their history and the notices for laptops. It
// applies Transition inside one transaction per call.
type ReviewStore interface {
	// Arrived records a received revision (event Arrive).
	Arrived(ctx context.Context, a Arrival) (Review, error)
	// Approve applies an approval; a pending rejection is withdrawn (a
	// withdraw notice is queued). Errors: ErrNoReview, ErrStale, ErrDelivered.
	Approve(ctx context.Context, d Decision) (Review, error)
	// Reject applies a rejection and queues its notice. Errors:
	// ErrNoReview, ErrStale, ErrAlreadyRejected.
	Reject(ctx context.Context, d Decision) (Review, error)
	// Review returns the review of id, or ErrNotFound.
	Review(ctx context.Context, id string) (*Review, error)
	// History returns the decisions on id, oldest first.
	History(ctx context.Context, id string) ([]HistoryEntry, error)
	// Notices returns the notices for enumerator with Seq > after, at most
	// limit, in Seq order; withdrawn rejections are left out.
	Notices(ctx context.Context, enumerator string, after int64, limit int) ([]Notice, error)
	// Acknowledge records that enumerator's laptop applied every notice up
	// to Seq through (event Ack on each rejection it covers). A value past
	// the last notice the office made for enumerator acknowledges nothing
	// more than that notice.
	Acknowledge(ctx context.Context, enumerator string, through int64, at time.Time) error
}

// ConflictStore keeps the copy of a conflict that counts.
type ConflictStore interface {
	// ChooseCopy records c (replacing an earlier choice) and its history line.
	ChooseCopy(ctx context.Context, c Choice) error
	// Choice returns the choice for id at revision, or ErrNotFound.
	Choice(ctx context.Context, id string, revision int) (*Choice, error)
	// Choices returns every choice, by id and revision.
	Choices(ctx context.Context) ([]Choice, error)
}

// DuplicateStore indexes duplicate keys and keeps the pairs found.
type DuplicateStore interface {
	// IndexKey stores k (replacing id's earlier key) and records, as open
	// pairs, every other interview whose key matches under r: only keys
	// sharing k.Form and k.Exact within r.Days are read (an index range).
	// It returns the pairs of k.ID (new and old).
	IndexKey(ctx context.Context, r DupRule, k DupKey, at time.Time) ([]Pair, error)
	// IndexKeys is IndexKey for many keys in one transaction (the
	// dashboard's projection, a batch at a time); a key with Exact ""
	// drops that interview's key and open pairs instead.
	IndexKeys(ctx context.Context, r DupRule, ks []DupKey, at time.Time) error
	// DropKey removes id's key and its open pairs (its answers no longer
	// complete the rule).
	DropKey(ctx context.Context, form, id string) error
	// ResetKeys removes every key and open pair (the rule changed; decided
	// pairs stay).
	ResetKeys(ctx context.Context) error
	// Pairs returns pairs in state ("" for all), newest found first, at
	// most limit.
	Pairs(ctx context.Context, state string, limit int) ([]Pair, error)
	// DecidePair sets a pair's state (confirmed, dismissed); ErrNotFound.
	DecidePair(ctx context.Context, a, b, state, by string, at time.Time) error
}

// TargetStore keeps targets.
type TargetStore interface {
	// SetTarget stores t; N = 0 removes it.
	SetTarget(ctx context.Context, t Target) error
	// Targets returns every target by scope, key and period.
	Targets(ctx context.Context) ([]Target, error)
}

// DeviceStore keeps what the sync API saw of each device.
type DeviceStore interface {
	// RecordSync stores d's last sync (and its drafts count unless -1,
	// and its post unless "").
	RecordSync(ctx context.Context, d Device) error
	// Devices returns every device by token id.
	Devices(ctx context.Context) ([]Device, error)
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// Audit appends e (Seq is assigned).
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLog returns entries of action ("" for all), newest first, with
	// Seq < before (0: from the newest), at most limit.
	AuditLog(ctx context.Context, action string, before int64, limit int) ([]AuditEntry, error)
}
