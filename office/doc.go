// Package office is the central office's domain: users and roles,
// sessions and sign-in limits, the review of interviews and the notices
// (rejections, withdrawals) that travel down to laptops, conflicts and the
// copy that counts, probable duplicates, targets per period, devices, the
// audit log and settings. It imports no database and no HTTP: the stores
// are office/sqlite and office/postgres (one SQL core, office/sqlstore,
// with a dialect each), both held to one contract, office/storetest. The
// dashboard (sync/intake/dashboard) is an HTTP adapter over it; `sira
// export`, `sira report` and `sira intake user` use it too.
//
// Why a top-level package beside survey and sync: the office is a domain of
// its own, with two stores, used by the intake server, the dashboard and
// the command line. Keeping it out of the dashboard lets several servers on
// one PostgreSQL database share every piece of state (sessions, sign-in
// failures, reviews, notices): nothing that matters lives in one process.
//
// # The review state machine
//
// Each interview id has one review, about its current revision:
//
//	state      event                    next       effect
//	(none)     Arrive(r)                ToCheck r  -
//	ToCheck r  Arrive(r' > r)           ToCheck r' -
//	ToCheck r  Approve(r)               Approved r -
//	ToCheck r  Reject(r)                Rejected r reject notice queued for the laptop
//	Approved r Approve(r)               Approved r - (idempotent)
//	Approved r Reject(r)                Rejected r reject notice queued
//	Approved r Arrive(r' > r)           ToCheck r' - (new content is checked; the approval of r stays in the history)
//	Rejected r Arrive(r' > r)           ToCheck r' - (the revision the rejection asked for; the rejection is settled)
//	Rejected r Approve(r), not acked    Approved r the reject notice is withdrawn: a withdraw notice is queued
//	Rejected r Approve(r), acked        Rejected r ErrDelivered: the rejection already reached the laptop
//	Rejected r Reject(r)                Rejected r ErrAlreadyRejected
//	Rejected r Ack                      Rejected r the rejection is marked as reached the laptop
//	any r      Approve/Reject(r' != r)  unchanged  ErrStale: the page showed another revision
//	any r      Arrive(r' <= r)          unchanged  - (an older or the same revision again changes nothing)
//
// "Acked" means the laptop itself said it applied the notice: a downstream
// request from a laptop carries the highest notice Seq it has applied
// (wire.DownstreamRequest.RejectionsAfter). A relay's request never
// acknowledges: a relay holding a rejection is not the laptop.
//
// Notices form one sequence per office database (Seq), so a laptop that
// syncs through several servers, or several addresses of one office, gets
// each notice once: its cursor is kept per office (Notices carry the
// office id), not per address. A withdrawn rejection is not sent any more;
// its withdrawal is, later in the sequence, so a laptop that received the
// rejection returns the interview to where it was (acknowledged), and one
// that never did ignores it.
//
// # Conflicts
//
// Two copies with one id and revision but different content are a
// conflict. The supervisor chooses the copy that counts (ChooseCopy): until
// then the conflict is open and counted; after it, every reader (the
// overview, the lists, the export, the report, the audit log) uses the
// chosen copy.
//
// # Probable duplicates
//
// Rule: two interviews of one form are a probable duplicate when their
// exact-match fields are equal (case and spaces ignored), their numeric
// field is within the tolerance, they are from the same post when the rule
// says so, and they started at most Days apart. Every interview is checked
// when it arrives against every other one, whatever its age: the rule's
// key is indexed (form, exact key, day), so the check reads only the
// interviews that share the key within the window.
package office
