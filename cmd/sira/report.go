package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sira/office"
	"sira/report"
)

// runReport is the "report" subcommand: the migration statistics tables of
// one form's interviews held by the intake server, as HTML or CSV.
func runReport(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira report", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", officeDB(env), "intake database: an SQLite `path` or postgres://… (default $SIRA_DB; required)")
	formID := fl.String("form", "returnee", "form `id` to report on")
	out := fl.String("out", "", "output `file`: .html or .csv (default: HTML on standard output)")
	lang := fl.String("lang", "fr", "language of labels: fr or en")
	small := fl.Int("small", report.DefaultSmallCell, "flag cells counting fewer than `N` interviews")
	linkBase := fl.String("link-base", "", "the dashboard's `URL` (http://HOST:8080/dashboard/); each number links to the interviews it counts")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira report --db PATH [--form ID] [--out FILE.html|FILE.csv] [--lang fr|en] [--small N]\n\n"+
			"Returnees by sex, age group, type of return, destination and region of origin (GCM objective 1)\n"+
			"and their skills profile (objective 18), with counts, column percentages and small cells flagged.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira report -h)", err)
	}
	if fl.NArg() > 0 {
		return usageErrorf("unexpected argument %q (try sira report -h)", fl.Arg(0))
	}
	if *db == "" {
		return usageErrorf("--db is required (try sira report -h)")
	}
	if *lang != "fr" && *lang != "en" {
		return usageErrorf("--lang must be fr or en, not %q", *lang)
	}
	if *small < 1 {
		return usageErrorf("--small must be at least 1")
	}
	format := "html"
	switch ext := strings.ToLower(filepath.Ext(*out)); {
	case *out == "":
	case ext == ".csv":
		format = "csv"
	case ext == ".html" || ext == ".htm":
	default:
		return usageErrorf("--out must end in .html or .csv, not %q", ext)
	}
	src, err := openIntakeSource(ctx, *db)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := writeReport(ctx, env, src, *formID, *out, format, *lang, *small, *linkBase); err != nil {
		return err
	}
	return src.audit(ctx, env, office.AuditReport, *formID, "sira report "+format)
}

// writeReport computes the report from src and writes it to path (standard
// output when empty), atomically for files.
func writeReport(ctx context.Context, env *Env, src interviewSource, formID, path, format, lang string, small int, linkBase string) error {
	f, err := src.Form(ctx, formID)
	if err != nil {
		return err
	}
	r, err := report.Compute(ctx, f, src.Rows(ctx, f), report.Options{SmallCell: small})
	if err != nil {
		return err
	}
	write := func(w *bufio.Writer) error {
		if format == "csv" {
			err = report.WriteCSV(w, r, lang)
		} else {
			err = report.WriteHTML(w, r, report.HTMLOptions{Lang: lang, LinkBase: report.LinkBase(linkBase, f.ID, lang)})
		}
		if err != nil {
			return err
		}
		return w.Flush()
	}
	if path == "" {
		return write(bufio.NewWriter(env.Stdout))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = write(bufio.NewWriter(tmp))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(env.Stderr, "%s: %d interviews read, %d returnees counted\n", path, r.Interviews, r.Universe)
	return nil
}
