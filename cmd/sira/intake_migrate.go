package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	opostgres "sira/office/postgres"
	osqlite "sira/office/sqlite"
	"sira/office/transfer"
	"sira/sync/intake/postgres"
	"sira/sync/intake/sqlite"
)

// runIntakeMigrate is "sira intake migrate --from intake.db --to
// postgres://…": the whole office moved into PostgreSQL (package
// office/transfer), verified at the end. It can be run again after a crash,
// and a run after a finished one copies nothing and exits 0.
func runIntakeMigrate(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira intake migrate", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	from := fl.String("from", "", "the SQLite intake `FILE` to move")
	to := fl.String("to", officeDB(env), "the PostgreSQL database `URL` (postgres://…; default $SIRA_DB)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("intake migrate: %v", err)
	}
	if *from == "" || *to == "" || fl.NArg() > 0 {
		return usageErrorf("intake migrate: usage: sira intake migrate --from intake.db --to postgres://USER@HOST/DB")
	}
	if !postgres.IsDSN(*to) || postgres.IsDSN(*from) {
		return usageErrorf("intake migrate: --from is an SQLite file, --to a postgres:// URL")
	}
	if _, err := os.Stat(*from); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("intake migrate: no intake database at %s", *from)
	}
	src, err := sqlite.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	srcOffice, err := osqlite.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer srcOffice.Close()
	dst, err := postgres.Open(ctx, *to, postgres.Options{})
	if err != nil {
		return err
	}
	defer dst.Close()
	dstOffice, err := opostgres.Open(ctx, *to, opostgres.Options{})
	if err != nil {
		return err
	}
	defer dstOffice.Close()
	a := transfer.Side{Intake: src, Office: srcOffice.Store}
	b := transfer.Side{Intake: dst, Office: dstOffice.Store}
	res, err := transfer.Move(ctx, a, b, env.Stderr)
	if err != nil {
		return fmt.Errorf("intake migrate: %w (run it again to continue)", err)
	}
	if err := transfer.Verify(ctx, a, b); err != nil {
		return fmt.Errorf("intake migrate: %w", err)
	}
	fmt.Fprintf(env.Stdout, "migrated: %d forms, %d tokens, %d submissions, %d attachments copied; verified\n",
		res.Forms, res.Tokens, res.Submissions, res.Attachments)
	return nil
}
