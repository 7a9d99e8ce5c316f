package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sira/export"
	"sira/forms"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	"sira/sync/intake/sqlite"
)

// runExport is the "export" subcommand: the interviews of one form held by
// the intake server, as ODK Central-style CSVs (and optionally a workbook)
// with a codebook.
func runExport(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira export", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "intake server database `path` (required)")
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
	if err := src.audit(ctx, env, *db, dashboard.AuditExport, f.ID, detail); err != nil {
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

// intakeSource reads the intake server's store, and the dashboard's review
// decisions when the dashboard's tables are in the same file.
type intakeSource struct {
	st     intake.Store
	review *sql.DB // read-only; nil when the file has no dashboard tables
}

var _ interviewSource = (*intakeSource)(nil)

// openIntakeSource opens the intake database at path, which must exist:
// exports and reports never create one.
func openIntakeSource(ctx context.Context, path string) (*intakeSource, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no intake database at %s", path)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	rdb, err := openReviews(ctx, path)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &intakeSource{st: st, review: rdb}, nil
}

// openReviews opens the intake file read-only for the dashboard's
// projection, which holds the supervisors' approvals and rejections; it
// returns nil when the dashboard never ran on this file.
func openReviews(ctx context.Context, path string) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s for review states: %w", path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'dash_interviews'`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("read review states in %s: %w", path, err)
	}
	if n == 0 {
		db.Close()
		return nil, nil
	}
	return db, nil
}

// audit records an export or report made from the command line in the
// dashboard's audit log, when the dashboard's tables are in the file: the
// log must show every copy of the data that left the server, not only the
// dashboard's downloads. The user is "cli:" and the OS account.
func (s *intakeSource) audit(ctx context.Context, env *Env, path, action, target, detail string) error {
	if s.review == nil {
		return nil
	}
	who := "?"
	if env.Getenv != nil {
		for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
			if v := env.Getenv(k); v != "" {
				who = v
				break
			}
		}
	}
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return dashboard.RecordAudit(ctx, db, time.Now(), "cli:"+who, action, target, detail)
}

func (s *intakeSource) Close() error {
	if s.review != nil {
		s.review.Close()
	}
	return s.st.Close()
}

func (s *intakeSource) Form(ctx context.Context, id string) (*forms.Form, error) {
	all, err := s.st.Forms(ctx)
	if err != nil {
		return nil, err
	}
	var newest *intake.PublishedForm
	var ids []string
	for i := range all {
		pf := &all[i]
		if pf.FormID == id && (newest == nil || !pf.Published.Before(newest.Published)) {
			newest = pf
		}
		ids = append(ids, pf.FormID)
	}
	if newest == nil {
		if len(ids) == 0 {
			return nil, fmt.Errorf("form %q: the intake server has no published form: %w", id, export.ErrUnknownForm)
		}
		return nil, fmt.Errorf("form %q is not published on the intake server (published: %s): %w", id, strings.Join(dedupe(ids), ", "), export.ErrUnknownForm)
	}
	f, err := forms.Load(newest.JSON)
	if err != nil {
		return nil, fmt.Errorf("form %q version %s: %w", id, newest.Version, err)
	}
	return f, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// errStop ends EachSubmission early when the consumer stops iterating.
var errStop = errors.New("stop")

// Rows yields the current submission of each interview of f, in the order
// the intake received them. ReviewState is the dashboard's decision
// ("approved", "rejected") when the dashboard has reviewed this revision;
// otherwise "hasIssues" for a submission in conflict, "edited" for a
// revision after a rejection, else "received". Post is the answer to the
// form's "border_post" question, if it has one.
func (s *intakeSource) Rows(ctx context.Context, f *forms.Form) iter.Seq2[export.Row, error] {
	post := findField(f, "border_post")
	return func(yield func(export.Row, error) bool) {
		var lookup *sql.Stmt
		if s.review != nil {
			st, err := s.review.PrepareContext(ctx, `SELECT revision, status, review FROM dash_interviews WHERE id = ?`)
			if err != nil {
				yield(export.Row{}, fmt.Errorf("read review states: %w", err))
				return
			}
			defer st.Close()
			lookup = st
		}
		err := s.st.EachSubmission(ctx, func(x intake.StoredInterview) error {
			if !x.Current {
				return nil
			}
			iv, err := dashboard.DecodeBody(x.Body)
			if err != nil {
				return fmt.Errorf("interview %s revision %d: decode: %w", x.ID, x.Revision, err)
			}
			if iv.FormID != f.ID {
				return nil
			}
			m := export.Meta{Received: x.Received, ReviewState: "received"}
			switch {
			case x.Conflict:
				m.ReviewState = "hasIssues"
			case x.Revision > 1:
				m.ReviewState = "edited"
			}
			if lookup != nil {
				// The projection may lag behind the store: its decision
				// counts only for the revision exported.
				var rev int
				var status, review string
				err := lookup.QueryRowContext(ctx, x.ID).Scan(&rev, &status, &review)
				switch {
				case err == nil && rev == x.Revision:
					m.ReviewState = dashboard.ReviewState(status, review)
				case err != nil && !errors.Is(err, sql.ErrNoRows):
					return fmt.Errorf("interview %s: review state: %w", x.ID, err)
				}
			}
			if post != "" && iv.Data != nil {
				m.Post = iv.Data.Values[post]
			}
			if !yield(export.Row{Interview: iv, Meta: m}, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(export.Row{}, err)
		}
	}
}

// findField returns the path of the first field named name, or "".
func findField(f *forms.Form, name string) string {
	var walk func([]*forms.Node) string
	walk = func(ns []*forms.Node) string {
		for _, n := range ns {
			if n.Name == name && n.Type != forms.TypeGroup && n.Type != forms.TypeRepeat {
				return n.Path
			}
			if p := walk(n.Children); p != "" {
				return p
			}
		}
		return ""
	}
	if f.Root == nil {
		return ""
	}
	return walk(f.Root.Children)
}
