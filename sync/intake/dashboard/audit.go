package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sira/office"
)

// Audit actions recorded in dash_audit.
const (
	AuditLogin       = "login"
	AuditLoginFailed = "login_failed"
	AuditLogout      = "logout"
	AuditView        = "view"
	AuditExport      = "export"
	AuditReport      = "report"
	AuditApprove     = "approve"
	AuditReject      = "reject"
	AuditTokenCreate = "token_create"
	AuditTokenRevoke = "token_revoke"
	AuditSettings    = "settings"
	AuditDecision    = "decision"
	// AuditUserChange: an account added, assigned, its password set,
	// disabled or enabled (the command line's `sira intake user`).
	AuditUserChange = "user_change"
	// AuditForbidden: a signed-in user refused (403) a page or an action.
	AuditForbidden = "forbidden"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq    int64
	At     time.Time
	User   string
	Action string
	Target string
	Detail string // never an answer
}

// audit records an entry in the office's audit log (which the audit page
// reads, with the command line's exports and reports); a failure is logged,
// not shown: the action itself already happened. The dashboard's own
// dash_audit table is still written, for readers of the older file.
func (d *Dashboard) audit(ctx context.Context, user, action, target, detail string) {
	ctx = context.WithoutCancel(ctx)
	now := d.now()
	if err := d.office.Audit(ctx, office.AuditEntry{At: now, User: user, Action: action, Target: target, Detail: detail}); err != nil {
		d.log.Error("dashboard: audit", "action", action, "user", user, "err", err)
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO dash_audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		stamp(now), user, action, target, detail)
	if err != nil {
		d.log.Error("dashboard: audit", "action", action, "user", user, "err", err)
	}
}

// RecordAudit adds an entry to the audit log of the dashboard tables in
// db (opened with OpenDB): `sira export` and `sira report` record the
// exports made outside the dashboard, by "cli:<OS user>".
func RecordAudit(ctx context.Context, db *sql.DB, at time.Time, user, action, target, detail string) error {
	if _, err := db.ExecContext(ctx, `INSERT INTO dash_audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		stamp(at), user, action, target, detail); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return nil
}

// Audit returns the latest entries of the office's audit log, newest
// first, at most limit; action "" means all.
func (d *Dashboard) Audit(ctx context.Context, action string, limit int) ([]AuditEntry, error) {
	es, err := d.office.AuditLog(ctx, action, 0, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	out := make([]AuditEntry, 0, len(es))
	for _, e := range es {
		out = append(out, AuditEntry{Seq: e.Seq, At: e.At, User: e.User, Action: e.Action, Target: e.Target, Detail: e.Detail})
	}
	return out, nil
}
