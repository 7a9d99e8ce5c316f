package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"sira/export"
	"sira/office"
	"sira/office/source"
)

// runExport is the "export" subcommand: the interviews of one form held by
// the intake server, as ODK Central-style CSVs (and optionally a workbook)
// with a codebook.
func runExport(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira export", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", officeDB(env), "intake database: an SQLite `path` or postgres://… (default $SIRA_DB; required)")
	formID := fl.String("form", "returnee", "form `id` to export")
	out := fl.String("out", "", "output `directory` (created if missing; required)")
	labels := fl.Bool("labels", false, "write choice labels instead of choice names")
	lang := fl.String("lang", "", "label `language` for --labels: fr or en (default: the form's default language)")
	since := fl.String("since", "", "only interviews received on or after `DATE` (YYYY-MM-DD, UTC, or RFC 3339)")
	xlsx := fl.Bool("xlsx", false, "also write an Excel workbook <form>.xlsx (one sheet per table, and the codebook)")
	format := fl.String("format", "csv", "output `format`: csv, xlsx (workbook), dta (Stata 14+, one file per table) or sav (SPSS, one file per table)")
	bom := fl.Bool("bom", false, "start CSVs with a UTF-8 byte-order mark, for Excel")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira export --db PATH [--form ID] --out DIR [--format csv|xlsx|dta|sav] [--labels] [--lang fr|en] [--since DATE] [--xlsx]\n\n"+
			"Writes <form>.csv (or .dta, .sav), one <form>-<repeat>.csv per repeat (joined by KEY and\n"+
			"PARENT_KEY, as ODK Central does) and <form>-codebook.csv into DIR; --format xlsx writes one\n"+
			"workbook <form>.xlsx. --lang also picks the language of Stata and SPSS labels.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira export -h)", err)
	}
	if fl.NArg() > 0 {
		return usageErrorf("unexpected argument %q (try sira export -h)", fl.Arg(0))
	}
	if *db == "" || *out == "" {
		return usageErrorf("--db and --out are required (try sira export -h)")
	}
	switch *format {
	case "csv", "xlsx", "dta", "sav":
	default:
		return usageErrorf("--format must be csv, xlsx, dta or sav, not %q (try sira export -h)", *format)
	}
	if *xlsx && *format != "csv" && *format != "xlsx" {
		return usageErrorf("--xlsx goes with --format csv (it adds a workbook to the CSVs)")
	}
	opts := export.Options{Labels: *labels, Language: *lang, BOM: *bom}
	if *since != "" {
		t, err := export.ParseSince(*since)
		if err != nil {
			return usageErrorf("--since: %v", err)
		}
		opts.Since = t
	}
	src, err := openIntakeSource(ctx, *db)
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := src.Form(ctx, *formID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	var sum export.Summary
	switch *format {
	case "csv":
		sum, err = export.WriteCSV(ctx, f, src.Rows(ctx, f), *out, opts)
	case "dta":
		sum, err = export.WriteDTA(ctx, f, src.Rows(ctx, f), *out, opts)
	case "sav":
		sum, err = export.WriteSAV(ctx, f, src.Rows(ctx, f), *out, opts)
	case "xlsx":
		path := filepath.Join(*out, f.ID+".xlsx")
		sum, err = export.WriteXLSX(ctx, f, src.Rows(ctx, f), path, opts)
		for i := range sum.Tables {
			sum.Tables[i].File = path + " [" + sum.Tables[i].File + "]"
		}
	}
	if err != nil {
		return err
	}
	cb := filepath.Join(*out, f.ID+"-codebook.csv")
	if err := export.WriteCodebookFile(cb, f, *bom, sum.FormVersions...); err != nil {
		return err
	}
	for _, t := range sum.Tables {
		fmt.Fprintf(env.Stdout, "%s\t%d rows\n", t.File, t.Rows)
	}
	fmt.Fprintf(env.Stdout, "%s\n", cb)
	if *xlsx && *format == "csv" {
		path := filepath.Join(*out, f.ID+".xlsx")
		if _, err := export.WriteXLSX(ctx, f, src.Rows(ctx, f), path, opts); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", path)
	}
	detail := "out " + *out + ", format " + *format
	if *since != "" {
		detail += ", since " + *since
	}
	if err := src.audit(ctx, env, office.AuditExport, f.ID, detail); err != nil {
		return err
	}
	if n := len(sum.Unexported); n > 0 {
		total := 0
		for _, c := range sum.Unexported {
			total += c
		}
		fmt.Fprintf(env.Stderr, "warning: %d answers to %d fields absent from form %s version %s were not exported (older form versions)\n", total, n, f.ID, f.Version)
	}
	if sum.NoRelevance > 0 {
		fmt.Fprintf(env.Stderr, "warning: the relevance of %d interviews could not be evaluated; their empty answers are marked not answered\n", sum.NoRelevance)
	}
	fmt.Fprintf(env.Stdout, "%d interviews exported", sum.Interviews)
	if sum.Skipped > 0 {
		fmt.Fprintf(env.Stdout, ", %d received before %s left out", sum.Skipped, *since)
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

// interviewSource is what export and report read: export.Source over the
// intake server's store, which must be closed.
type interviewSource interface {
	export.Source
	Close() error
}

// intakeSource is the office's source of exports and reports (package
// office/source) on the intake database at --db, SQLite or PostgreSQL.
type intakeSource struct {
	*source.Source
}

var _ interviewSource = (*intakeSource)(nil)

// openIntakeSource opens the intake database db and its office; an SQLite
// file must exist: exports and reports never create one.
func openIntakeSource(ctx context.Context, db string) (*intakeSource, error) {
	if intakeIsFile(db) {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no intake database at %s", db)
		}
	}
	st, err := openIntakeStore(ctx, db)
	if err != nil {
		return nil, err
	}
	of, err := openOffice(ctx, db)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &intakeSource{&source.Source{Intake: st, Office: of}}, nil
}

// audit records an export or report made from the command line in the
// office's audit log: the log must show every copy of the data that left
// the server, not only the dashboard's downloads. The user is "cli:" and
// the OS account.
func (s *intakeSource) audit(ctx context.Context, env *Env, action, target, detail string) error {
	who := "?"
	if env.Getenv != nil {
		for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
			if v := env.Getenv(k); v != "" {
				who = v
				break
			}
		}
	}
	return s.Audit(ctx, office.AuditEntry{At: time.Now(), User: "cli:" + who, Action: action, Target: target, Detail: detail})
}

func (s *intakeSource) Close() error {
	var err error
	if s.Office != nil {
		err = s.Office.Close()
	}
	if cerr := s.Intake.Close(); err == nil {
		err = cerr
	}
	return err
}
