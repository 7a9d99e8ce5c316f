package main

import (
	"context"
	"fmt"
	"time"

	"sira/sync/intake"
)

// runIntakePINReset is "sira intake pin-reset": a reset code for an
// enumerator who forgot their PIN, read over the phone; the package it
// unlocks reaches the laptop at its next sync.
func runIntakePINReset(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "pin-reset")
	enum := fs.String("enumerator", "", "the enumerator `ID` who forgot their PIN")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *enum == "" {
		return usageErrorf("intake pin-reset: usage: sira intake pin-reset --db PATH --enumerator E")
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	code, n, err := intake.IssuePINReset(ctx, st, *enum, cliUser(env), time.Now())
	if err != nil {
		return err
	}
	if err := auditKey(ctx, env, st, *db, "pin.reset.issued", *enum); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "PIN reset for %s on %d laptop(s): it reaches the laptop at its next sync. Read this code to %s over the phone (shown once, not stored):\n%s\n",
		*enum, n, *enum, code)
	return nil
}
