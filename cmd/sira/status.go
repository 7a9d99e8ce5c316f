package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"text/tabwriter"

	"sira/survey"
	"sira/survey/sqlite"
)

// statusRow is one line of `sira status --json`. The field names are a
// contract for scripts: one object per form, one integer per status.
type statusRow struct {
	FormID       string `json:"form_id"`
	Draft        int    `json:"draft"`
	Finalized    int    `json:"finalized"`
	Sent         int    `json:"sent"`
	Acknowledged int    `json:"acknowledged"`
	Rejected     int    `json:"rejected"`
}

// runStatus is the "status" subcommand: interview counts per form and status.
func runStatus(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira status", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "database `path` (default: the user's data directory, sira/sira.db)")
	asJSON := fl.Bool("json", false, "print a JSON array: {form_id, draft, finalized, sent, acknowledged, rejected} per form")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: sira status [--db PATH] [--json]\n\nCounts the interviews on this laptop per form and status.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira status -h)", err)
	}
	if fl.NArg() > 0 {
		return usageErrorf("unexpected argument %q (try sira status -h)", fl.Arg(0))
	}
	path, err := resolveDBPath(env, *db)
	if err != nil {
		return err
	}
	// status only reads: it must not create a database where there is none.
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (use --db, or collect or simulate first)", path)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	rows := statusRows(counts)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "form\t")
	for _, s := range survey.Statuses {
		fmt.Fprintf(tw, "%s\t", s)
	}
	fmt.Fprintln(tw, "total\t")
	var sum statusRow
	for _, r := range rows {
		printStatusRow(tw, r)
		sum.Draft += r.Draft
		sum.Finalized += r.Finalized
		sum.Sent += r.Sent
		sum.Acknowledged += r.Acknowledged
		sum.Rejected += r.Rejected
	}
	if len(rows) != 1 {
		sum.FormID = "all"
		printStatusRow(tw, sum)
	}
	return tw.Flush()
}

func printStatusRow(w *tabwriter.Writer, r statusRow) {
	total := r.Draft + r.Finalized + r.Sent + r.Acknowledged + r.Rejected
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.FormID, r.Draft, r.Finalized, r.Sent, r.Acknowledged, r.Rejected, total)
}

// statusRows turns Store.Counts into rows sorted by form id.
func statusRows(counts map[string]map[survey.Status]int) []statusRow {
	rows := make([]statusRow, 0, len(counts))
	for form, c := range counts {
		rows = append(rows, statusRow{
			FormID: form, Draft: c[survey.StatusDraft], Finalized: c[survey.StatusFinalized],
			Sent: c[survey.StatusSent], Acknowledged: c[survey.StatusAcknowledged], Rejected: c[survey.StatusRejected],
		})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].FormID < rows[j].FormID })
	return rows
}

// resolveDBPath returns the --db flag's value or the default database path.
func resolveDBPath(env *Env, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	p, err := sqlite.DefaultPath(env.Getenv)
	if err != nil {
		return "", usageErrorf("%v", err)
	}
	return p, nil
}
