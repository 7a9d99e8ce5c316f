package office

import (
	"errors"
	"time"

	"sira/survey"
)

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("not found")

// Role is what an office user may do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"      // everything, settings and accounts
	RoleSupervisor Role = "supervisor" // reviews and downloads, within posts and enumerators
	RoleViewer     Role = "viewer"     // reads
)

// User is an office account. Hash is the password's PHC string (argon2id);
// Posts and Enumerators scope a supervisor (empty: everything).
type User struct {
	Name        string
	Role        Role
	Hash        string
	Created     time.Time
	Disabled    bool
	Posts       []string
	Enumerators []string
}

// Session is a signed-in browser. Only the sha256 of the cookie's secret
// is stored (Hash); CSRF is the token its forms carry.
type Session struct {
	Hash    string
	User    string
	CSRF    string
	Created time.Time
	Expires time.Time
}

// Review is an interview's review state (see the package doc).
type Review struct {
	ID         string
	Revision   int
	Hash       string // content hash of the current revision
	Enumerator string
	State      State
	Acked      bool      // Rejected: the laptop applied the rejection
	AckedAt    time.Time // when it said so
	Notice     int64     // Rejected: Seq of the reject notice
	By         string    // who decided last ("" while to check)
	At         time.Time // when
}

// Step is the state machine's view of r.
func (r Review) Step() Step { return Step{State: r.State, Revision: r.Revision, Acked: r.Acked} }

// Arrival is a revision of an interview as the office received it.
type Arrival struct {
	ID         string
	Revision   int
	Hash       string
	Enumerator string
	At         time.Time
}

// Decision is a supervisor's approval or rejection of a revision.
type Decision struct {
	ID       string
	Revision int
	By       string
	At       time.Time
	// Rejections only:
	Comment   string
	Questions []QuestionComment
}

// QuestionComment is a supervisor's comment on one question of a rejected
// interview: Field is the question's path in the form (as the laptop's
// answers name it). The laptop stores the same type.
type QuestionComment = survey.QuestionComment

// HistoryEntry is one line of an interview's review history.
type HistoryEntry struct {
	Seq       int64
	ID        string
	Revision  int
	Action    string // "approve", "reject", "withdraw", "delivered", "choose"
	Comment   string
	Questions []QuestionComment
	By        string
	At        time.Time
}

// NoticeKind is what a notice tells a laptop.
type NoticeKind string

// Notice kinds.
const (
	NoticeReject   NoticeKind = "reject"
	NoticeWithdraw NoticeKind = "withdraw"
)

// Notice is what travels down to the enumerator's laptop, in Seq order:
// a rejection, or the withdrawal of one (Withdraws is the rejection's Seq).
type Notice struct {
	Seq        int64
	Kind       NoticeKind
	ID         string
	Revision   int
	Hash       string
	Enumerator string
	Comment    string
	Questions  []QuestionComment
	By         string
	At         time.Time
	Withdraws  int64 // withdraw notices: the reject notice's Seq
	Withdrawn  bool  // reject notices: withdrawn since (not sent any more)
}

// Choice is the copy of a conflict (one id and revision, several contents)
// that counts.
type Choice struct {
	ID       string
	Revision int
	Hash     string // the chosen copy's content hash
	By       string
	At       time.Time
}

// Audit actions of copies of the data leaving the office (the dashboard
// has its own for pages).
const (
	AuditExport = "export"
	AuditReport = "report"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq    int64
	At     time.Time
	User   string
	Action string
	Target string
	Detail string
}

// Device is a laptop as the sync API saw it, by device token.
type Device struct {
	TokenID    string
	Enumerator string
	Post       string // the post of its latest interview, "" before any
	LastSync   time.Time
	Drafts     int // -1: the laptop did not say
	DraftsAt   time.Time
}

// Silent reports whether d has not synced for longer than after at now.
func (d Device) Silent(now time.Time, after time.Duration) bool {
	return d.LastSync.IsZero() || now.Sub(d.LastSync) > after
}
