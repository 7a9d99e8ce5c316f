package main

import (
	"context"
	"time"

	"sira/office"
	"sira/sync/intake/dashboard"
)

// cliUser is the audit log's name for the person at the command line:
// "cli:" and the OS account.
func cliUser(env *Env) string {
	if env.Getenv != nil {
		for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
			if v := env.Getenv(k); v != "" {
				return "cli:" + v
			}
		}
	}
	return "cli:?"
}

// auditCLI records a token or account change made at the command line in
// the office's audit log (which the dashboard's audit page reads; SQLite or
// PostgreSQL), and in an SQLite intake's dash_audit table too, for its
// older readers. The change is already made: a failure to record it is
// returned for the command to report.
func auditCLI(ctx context.Context, env *Env, path, action, target, detail string) error {
	of, err := openOffice(ctx, path)
	if err != nil {
		return err
	}
	err = of.Audit(ctx, office.AuditEntry{At: time.Now(), User: cliUser(env), Action: action, Target: target, Detail: detail})
	of.Close()
	if err != nil {
		return err
	}
	if !intakeIsFile(path) {
		return nil
	}
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return dashboard.RecordAudit(ctx, db, time.Now(), cliUser(env), action, target, detail)
}
