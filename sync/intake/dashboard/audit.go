package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"time"
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

// audit records an entry; a failure is logged, not shown: the action
// itself already happened.
func (d *Dashboard) audit(ctx context.Context, user, action, target, detail string) {
	_, err := d.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO dash_audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		stamp(d.now()), user, action, target, detail)
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

// Audit returns the latest audit entries, newest first, at most limit;
// action "" means all.
func (d *Dashboard) Audit(ctx context.Context, action string, limit int) ([]AuditEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT seq, at, user, action, target, detail FROM dash_audit
		WHERE ? = '' OR action = ? ORDER BY seq DESC LIMIT ?`, action, action, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.User, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		e.At = parseStamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
