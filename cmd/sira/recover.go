package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sira/office/source"
	"strings"

	"filippo.io/age"

	"sira/export"
	"sira/forms"
	"sira/survey"
	lsqlite "sira/survey/sqlite"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
)

// runRecover is "sira recover": a laptop's file opened at the office with
// the office's identity (sira intake key --secret), its interviews
// exported as the intake would. The laptop file is never written: the
// work is done on a copy in a temporary directory, removed at the end.
func runRecover(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira recover", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "the laptop's database `FILE` (a copy of it is what is opened)")
	identity := fl.String("identity", "", "the office's identities, an age identity `FILE` (sira intake key --secret)")
	out := fl.String("out", "", "output `DIR` for the CSVs and codebooks (created if missing)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), `Usage: sira recover --db LAPTOP.db --identity FILE --out DIR

Opens every enumerator's data key on a laptop's file with the office's
identity and exports all its interviews (drafts included) as CSV, one set
per form, as sira export does at the office.`)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira recover -h)", err)
	}
	if fl.NArg() > 0 || *db == "" || *identity == "" || *out == "" {
		return usageErrorf("--db, --identity and --out are required (try sira recover -h)")
	}
	idf, err := os.Open(*identity)
	if err != nil {
		return err
	}
	ids, err := age.ParseIdentities(io.LimitReader(idf, 1<<20))
	idf.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *identity, err)
	}
	tmp, err := os.MkdirTemp("", "sira-recover-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	copyPath := filepath.Join(tmp, "laptop.db")
	if err := copyLaptopFile(*db, copyPath); err != nil {
		return err
	}
	lst, err := lsqlite.Open(ctx, copyPath, lsqlite.Options{})
	if err != nil {
		return fmt.Errorf("open the copy of %s: %w", *db, err)
	}
	defer lst.Close()
	who, err := intake.UnlockWithRecovery(ctx, lst, ids)
	if err != nil {
		return fmt.Errorf("%s: %w", *db, err)
	}
	ist, err := isqlite.Open(ctx, filepath.Join(tmp, "intake.db"))
	if err != nil {
		return err
	}
	defer ist.Close()
	srv, err := intake.New(ctx, intake.Config{Store: ist, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Validate: func(*forms.Form, *survey.Interview) []string { return nil }}) // drafts too
	if err != nil {
		return err
	}
	res, err := srv.IngestLaptop(ctx, lst)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	src := &intakeSource{&source.Source{Intake: ist}}
	fis, err := lst.Forms(ctx)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, fi := range fis {
		if done[fi.FormID] {
			continue
		}
		done[fi.FormID] = true
		f, err := src.Form(ctx, fi.FormID)
		if err != nil {
			return err
		}
		sum, err := export.WriteCSV(ctx, f, src.Rows(ctx, f), *out, export.Options{})
		if err != nil {
			return err
		}
		if err := export.WriteCodebookFile(filepath.Join(*out, f.ID+"-codebook.csv"), f, false); err != nil {
			return err
		}
		for _, t := range sum.Tables {
			fmt.Fprintf(env.Stdout, "%s\t%d rows\n", t.File, t.Rows)
		}
	}
	fmt.Fprintf(env.Stdout, "recovered %d interviews of %s into %s\n", len(res.Receipts), strings.Join(who, ", "), *out)
	return nil
}

// copyLaptopFile copies a laptop database and its WAL (when present) to
// dst, so that opening the copy never writes the original.
func copyLaptopFile(src, dst string) error {
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		o, err := os.OpenFile(dst+suffix, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			in.Close()
			return err
		}
		_, err = io.Copy(o, in)
		in.Close()
		if cerr := o.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", src+suffix, err)
		}
	}
	return nil
}
