package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// importDashboard copies an older dashboard's tables (dash_*, same file)
// into the office tables once: users and their scopes, targets (survey-wide
// ones become monthly targets), devices, review decisions (as history, and
// the current review of each projected interview), decisions on probable
// duplicates, and the audit log. It runs in one transaction and records
// itself in office_meta, so a crash leaves nothing half-copied and a second
// open copies nothing. Sessions are not copied: users sign in again.
func importDashboard(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'dash_users'`).Scan(&n); err != nil {
		return fmt.Errorf("dashboard upgrade: %w", err)
	}
	if n == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dashboard upgrade: %w", err)
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM office_meta WHERE key = 'dashboard_imported'`).Scan(&done); err != nil {
		return fmt.Errorf("dashboard upgrade: %w", err)
	}
	if done > 0 {
		return nil
	}
	has := func(table string) bool {
		var n int
		tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n)
		return n > 0
	}
	steps := []struct{ table, sql string }{
		{"dash_users", `INSERT OR IGNORE INTO office_users (name, role, hash, created, disabled)
			SELECT name, role, hash, created, disabled FROM dash_users`},
		{"dash_assignments", `INSERT OR IGNORE INTO office_scopes (user_name, kind, value) SELECT user, kind, value FROM dash_assignments`},
		{"dash_targets", `INSERT OR IGNORE INTO office_targets (scope, key, period, n) SELECT kind, key, 'month', target FROM dash_targets WHERE target > 0`},
		{"dash_devices", `INSERT OR IGNORE INTO office_devices (token_id, enumerator, post, last_sync, drafts, drafts_at)
			SELECT token_id, enumerator, '', last_sync, drafts, drafts_at FROM dash_devices`},
		{"dash_reviews", `INSERT INTO office_history (id, revision, action, comment, questions, by_user, at)
			SELECT id, revision, action, comment, '', by, at FROM dash_reviews ORDER BY seq`},
		{"dash_interviews", `INSERT OR IGNORE INTO office_reviews (id, revision, hash, enumerator, state, acked, acked_at, notice, by_user, at)
			SELECT id, revision, '', enumerator, CASE review WHEN 'approved' THEN 'approved' WHEN 'rejected' THEN 'rejected' ELSE 'to_check' END,
				CASE review WHEN 'rejected' THEN 1 ELSE 0 END, '', 0, '', received FROM dash_interviews`},
		{"dash_decisions", `INSERT OR IGNORE INTO office_pairs (a, b, form, state, found, by_user, at)
			SELECT a, b, '', state, at, by, at FROM dash_decisions WHERE kind = 'duplicate'`},
		{"dash_audit", `INSERT INTO office_audit (at, user_name, action, target, detail) SELECT at, user, action, target, detail FROM dash_audit ORDER BY seq`},
	}
	for _, st := range steps {
		if !has(st.table) {
			continue
		}
		if _, err := tx.ExecContext(ctx, st.sql); err != nil {
			return fmt.Errorf("dashboard upgrade: %s: %w", st.table, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO office_meta (key, value) VALUES ('dashboard_imported', '1')`); err != nil {
		return fmt.Errorf("dashboard upgrade: %w", err)
	}
	return tx.Commit()
}

// importIntakeRejections carries the rejections the intake queued before
// the office served them (the intake's rejections table, same file) into
// the office's notices once, under their own Seq, and starts the notice
// sequence after them: a laptop's cursor stays valid, and a rejection it
// has not fetched yet still reaches it, once. They count as delivered
// (nobody recorded whether the laptop had them), so they are not withdrawn.
func importIntakeRejections(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'rejections'`).Scan(&n); err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	if n == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM office_meta WHERE key = 'intake_rejections_imported'`).Scan(&done); err != nil {
		return fmt.Errorf("intake rejections: %w", err)
	}
	if done > 0 {
		return nil
	}
	for _, q := range []string{
		`INSERT OR IGNORE INTO office_notices (seq, kind, id, revision, hash, enumerator, comment, questions, by_user, at, withdraws, withdrawn)
			SELECT seq, 'reject', id, revision, hash, enumerator, comment, '', by, at, 0, 0 FROM rejections`,
		`UPDATE office_counters SET value = max(value, (SELECT coalesce(max(seq), 0) FROM rejections)) WHERE name = 'notice'`,
		`INSERT INTO office_meta (key, value) VALUES ('intake_rejections_imported', '1')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("intake rejections: %w", err)
		}
	}
	return tx.Commit()
}
