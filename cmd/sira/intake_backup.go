package main

import (
	"context"
	"fmt"

	"sira/sync/intake/sqlite"
)

// runIntakeBackup is "sira intake backup --db intake.db --out FILE": a
// consistent copy of an SQLite intake while it serves. PostgreSQL is backed
// up with its own tools (README).
func runIntakeBackup(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "backup")
	out := fs.String("out", "", "the copy's `FILE` (replaced atomically)")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usageErrorf("intake backup: usage: sira intake backup --db intake.db --out FILE")
	}
	if !intakeIsFile(*db) {
		return usageErrorf("intake backup: --db is a PostgreSQL database: back it up with pg_dump (see README)")
	}
	if err := sqlite.Backup(ctx, *db, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "sira intake: backed up %s to %s\n", *db, *out)
	return nil
}
