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
	linkBase := fl.String("link-base", "", "the dashboard's `URL` (http://HOST:8080/dashboard/); each number links to the interviews it counts (not with --publish)")
	publish := fl.Bool("publish", false, "write a file for circulation: counts below --small suppressed (with complementary suppression), percentages on small bases suppressed, no interview links, no cube")
	approvedOnly := fl.Bool("approved-only", false, "count only interviews approved in review (default: all, including unreviewed and rejected)")
	flowID := fl.String("flow-form", "flow_count", "`id` of the daily flow count form whose counts weight the interviews (none if not published)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira report --db PATH [--form ID] [--out FILE.html|FILE.csv] [--lang fr|en] [--small N] [--publish] [--approved-only]\n\n"+
			"Returnees by sex, age, migration status, post and month, last country of residence, reasons and type of\n"+
			"return (GCM objective 1), labour transitions, skills and recognition (objective 18), remittances and\n"+
			"SDG 10.7.1, with bases on the applicable population, weights from the daily flow counts (form flow_count)\n"+
			"and, with --publish, small cells suppressed. --form flow_count tabulates the counts themselves.")
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
	if *publish && *linkBase != "" {
		return usageErrorf("--publish writes no interview links: drop --link-base")
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
	ro := reportOptions{formID: *formID, flowID: *flowID, path: *out, format: format, lang: *lang, small: *small, linkBase: *linkBase, publish: *publish, approvedOnly: *approvedOnly}
	if err := writeReport(ctx, env, src, ro); err != nil {
		return err
	}
	return src.audit(ctx, env, office.AuditReport, *formID, "sira report "+format)
}

// reportOptions are the report command's choices.
type reportOptions struct {
	formID, flowID, path, format, lang, linkBase string
	small                                        int
	publish, approvedOnly                        bool
}

// writeReport computes the report from src and writes it to path (standard
// output when empty), atomically for files.
func writeReport(ctx context.Context, env *Env, src interviewSource, o reportOptions) error {
	path, format, lang, linkBase := o.path, o.format, o.lang, o.linkBase
	f, err := src.Form(ctx, o.formID)
	if err != nil {
		return err
	}
	opts := report.Options{SmallCell: o.small, ApprovedOnly: o.approvedOnly}
	var r *report.Report
	if report.IsFlowCount(f) {
		r, err = report.ComputeFlow(ctx, f, src.Rows(ctx, f), opts)
	} else {
		if o.flowID != "" && o.flowID != o.formID {
			if ff, ferr := src.Form(ctx, o.flowID); ferr == nil && report.IsFlowCount(ff) {
				if opts.Arrivals, err = report.ReadArrivals(ctx, ff, src.Rows(ctx, ff), o.approvedOnly); err != nil {
					return err
				}
			}
		}
		r, err = report.Compute(ctx, f, src.Rows(ctx, f), opts)
	}
	if err != nil {
		return err
	}
	if o.publish {
		r.Publish()
		linkBase = ""
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
	if r.Flow {
		fmt.Fprintf(env.Stderr, "%s: %d daily counts read\n", path, r.Interviews)
	} else {
		fmt.Fprintf(env.Stderr, "%s: %d interviews read, %d returnees counted\n", path, r.Interviews, r.Universe)
	}
	return nil
}
