package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"sira/survey/sqlite"
	"sira/sync/client"
)

// runEnrol is "sira enrol": enrol a laptop from an offline enrolment file
// written by `sira intake enrol`.
func runEnrol(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira enrol", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "database `path` (default: the user's data directory, sira/sira.db)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), `Usage: sira enrol --db PATH FILE

Enrols this laptop with the office that wrote FILE (sira intake enrol): its
key, the enumerators who may sign in, and the device key that signs USB files.`)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira enrol -h)", err)
	}
	if fl.NArg() != 1 {
		return usageErrorf("one enrolment FILE, please (try sira enrol -h)")
	}
	f, err := os.Open(fl.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 2<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", fl.Arg(0), err)
	}
	path, err := resolveDBPath(env, *db)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := client.EnrolFromFile(ctx, st, b)
	if err != nil {
		return fmt.Errorf("%s: %w", fl.Arg(0), err)
	}
	ids := make([]string, 0, len(e.Enumerators))
	for _, n := range e.Enumerators {
		ids = append(ids, n.ID)
	}
	fmt.Fprintf(env.Stdout, "enrolled with office %s (key fingerprint %s); enumerators: %s\n", e.Office, e.Fingerprint, strings.Join(ids, ", "))
	return nil
}
