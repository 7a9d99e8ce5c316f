package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"sira/office"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
)

// runIntakeKey is "sira intake key": the office's age recipient (alone on
// the last line), its identity for an offline backup (--secret, audited),
// or a new generation (--rotate).
func runIntakeKey(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "key")
	secret := fs.Bool("secret", false, "print the office's identities (every generation) for an offline backup; asks for confirmation on a terminal; audited")
	rotate := fs.Bool("rotate", false, "make a new generation; older ones are kept to open older files")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*secret && *rotate) {
		return usageErrorf("intake key: usage: sira intake key --db PATH [--secret | --rotate]")
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch {
	case *rotate:
		k, err := intake.RotateOfficeKey(ctx, st, now)
		if err != nil {
			return err
		}
		if err := auditKey(ctx, env, st, *db, "key.rotate", fmt.Sprintf("generation %d %s", k.Generation, k.Recipient)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "office key generation %d (fingerprint %s); laptops learn it at their next sync; older generations still open older files:\n%s\n",
			k.Generation, intake.Fingerprint(k.Recipient), k.Recipient)
	case *secret:
		keys, err := intake.OfficeKeys(ctx, st, now)
		if err != nil {
			return err
		}
		if err := confirmSecret(env); err != nil {
			return err
		}
		if err := auditKey(ctx, env, st, *db, "key.secret", fmt.Sprintf("%d generations printed", len(keys))); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "# Sira office identities (age): keep offline; whoever holds this file reads every carried file.")
		for _, k := range keys {
			fmt.Fprintf(env.Stdout, "# generation %d, created %s, recipient %s\n%s\n", k.Generation, k.Created.Format(time.RFC3339), k.Recipient, k.Identity)
		}
	default:
		keys, err := intake.OfficeKeys(ctx, st, now)
		if err != nil {
			return err
		}
		k := keys[0]
		fmt.Fprintf(env.Stdout, "office key generation %d, fingerprint %s (older generations kept: %d); laptops encrypt to:\n%s\n",
			k.Generation, intake.Fingerprint(k.Recipient), len(keys)-1, k.Recipient)
	}
	return nil
}

// confirmSecret asks before printing the identities when stdin is a
// terminal; scripts (stdin not a terminal) are not asked.
func confirmSecret(env *Env) error {
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	fmt.Fprint(env.Stderr, "This prints the office's secret key: whoever holds it reads every USB file and can reset PINs.\nType yes to print it: ")
	line, _ := bufio.NewReader(f).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("not printed")
	}
	return nil
}

// auditKey records a use of the office key in the store's key log, in the
// office's audit log (which the dashboard's audit page reads) and, when
// the dashboard's tables are in the SQLite file, in dash_audit too.
func auditKey(ctx context.Context, env *Env, st intake.Store, db, action, detail string) error {
	now := time.Now()
	who := cliUser(env)
	if err := st.RecordKeyEvent(ctx, intake.KeyEvent{At: now, Who: who, Action: action, Detail: detail}); err != nil {
		return err
	}
	of, err := openOffice(ctx, db)
	if err != nil {
		return err
	}
	err = of.Audit(ctx, office.AuditEntry{At: now, User: who, Action: action, Target: "office key", Detail: detail})
	of.Close()
	if err != nil {
		return err
	}
	if !intakeIsFile(db) {
		return nil
	}
	raw, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return nil
	}
	var n int
	err = raw.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'dash_audit'`).Scan(&n)
	raw.Close()
	if err != nil || n == 0 {
		return nil
	}
	ddb, err := dashboard.OpenDB(ctx, db)
	if err != nil {
		return err
	}
	defer ddb.Close()
	return dashboard.RecordAudit(ctx, ddb, now, who, action, "office key", detail)
}
