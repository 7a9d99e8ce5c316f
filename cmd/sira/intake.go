package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/office"
	"sira/sync/intake"
	"sira/sync/wire"
)

// runIntake is the "intake" subcommand: the central intake server and its
// administration, each subcommand on the intake's SQLite database.
func runIntake(ctx context.Context, env *Env, args []string) error {
	subs := map[string]func(context.Context, *Env, []string) error{
		"serve":   runIntakeServe,
		"form":    runIntakeForm,
		"token":   runIntakeToken,
		"import":  runIntakeImport,
		"stats":   runIntakeStats,
		"user":    runIntakeUser,
		"backup":  runIntakeBackup,
		"migrate": runIntakeMigrate,
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.Stderr, intakeUsage)
		if len(args) == 0 {
			return usageErrorf("intake: which subcommand?")
		}
		return flag.ErrHelp
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprint(env.Stderr, intakeUsage)
		return usageErrorf("intake: unknown subcommand %q", args[0])
	}
	return run(ctx, env, args[1:])
}

const intakeUsage = `Usage: sira intake <subcommand> [flags]

  serve --db PATH [--addr 127.0.0.1:8080] [--upstream URL --token T]
                        run the intake server (with --upstream: a relay that forwards)
  form publish --db PATH FORM.xlsx|FORM.json
                        publish a form (or a new version); laptops get it at their next sync
  token create --db PATH --enumerator E
                        make a device token; printed alone on the last line
  token revoke --db PATH (--id ID | --enumerator E | TOKEN)
                        revoke tokens; refused at the next request
  token list --db PATH  list tokens (ids, enumerators, revoked)
  import --db PATH [--json] FILE
                        ingest a batch file written by 'sira sync --out'
  stats --db PATH [--json]
                        submissions, duplicates, conflicts, bytes received...
  migrate --from FILE --to postgres://...
                        move the whole office into PostgreSQL, verified; rerunnable
  backup --db PATH --out FILE
                        a consistent copy of an SQLite intake while it serves
  user add|assign|list --db PATH ...
                        dashboard accounts (sira intake user help); the dashboard is at /dashboard/
`

// intakeFlags is a FlagSet with --db, shared by every intake subcommand.
func intakeFlags(env *Env, name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("sira intake "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	db := fs.String("db", officeDB(env), "intake database: an SQLite `PATH` or postgres://… (default $SIRA_DB)")
	return fs, db
}

func parseIntake(fs *flag.FlagSet, db *string, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%s: %v", fs.Name(), err)
	}
	if *db == "" {
		return usageErrorf("%s: --db PATH is required", fs.Name())
	}
	return nil
}

// openIntake opens the store and a server on it with the built-in form.
func openIntake(ctx context.Context, env *Env, path string) (intake.Store, *intake.Server, error) {
	st, err := openIntakeStore(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	srv, err := newIntakeServer(ctx, env, st, nil, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, srv, nil
}

// newIntakeServer starts a server on st with the built-in form; onSync,
// when set, hears of each device's answered sync requests; of, when set,
// is the office whose notices the downstream serves.
func newIntakeServer(ctx context.Context, env *Env, st intake.Store, onSync func(context.Context, *intake.Token, *int), of office.Store) (*intake.Server, error) {
	bf, err := builtin.Form(ctx)
	if err != nil {
		return nil, err
	}
	return intake.New(ctx, intake.Config{
		Store:   st,
		Logger:  slog.New(slog.NewTextHandler(env.Stderr, nil)),
		Builtin: []*forms.Form{bf},
		OnSync:  onSync,
		Office:  of,
	})
}

func runIntakeServe(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen `ADDRESS` (host:port; port 0 picks one)")
	upstream := fs.String("upstream", "", "relay mode: the central intake server's `URL`")
	token := fs.String("token", "", "relay mode: this relay's device `TOKEN` on the upstream")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("intake serve: unexpected argument %q", fs.Arg(0))
	}
	if (*upstream == "") != (*token == "") {
		return usageErrorf("intake serve: --upstream and --token go together")
	}
	if env.Getenv("GOGC") == "" {
		debug.SetGCPercent(intake.GCPercent)
	}
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(intake.MemoryLimit)
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	of, err := openOffice(ctx, *db)
	if err != nil {
		return err
	}
	defer of.Close()
	dash, err := openDashboard(ctx, env, st, of, *db)
	if err != nil {
		return err
	}
	var onSync func(context.Context, *intake.Token, *int)
	if dash != nil {
		onSync = dash.RecordSync
	}
	srv, err := newIntakeServer(ctx, env, st, onSync, of)
	if err != nil {
		return err
	}
	if dash != nil {
		dash.Mount(srv)
	}
	if *upstream != "" {
		fw, err := newRelayForwarder(*upstream, *token)
		if err != nil {
			return err
		}
		go srv.RunForwarder(ctx, fw, 30*time.Second)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	// A batch or chunk may take minutes on a 64 kbit/s link: the read
	// timeout is generous; headers (sent before authentication) are not.
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Minute, WriteTimeout: 30 * time.Minute, IdleTimeout: 2 * time.Minute}
	// The address line is for people and for scripts that asked for port 0.
	fmt.Fprintf(env.Stderr, "sira intake: listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func runIntakeForm(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "publish" {
		return usageErrorf("intake form: usage: sira intake form publish --db PATH FORM.xlsx")
	}
	fs, db := intakeFlags(env, "form publish")
	if err := parseIntake(fs, db, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("intake form publish: one form file, please (XLSForm or compiled .json)")
	}
	path := fs.Arg(0)
	var f *forms.Form
	var err error
	if strings.EqualFold(filepath.Ext(path), ".json") {
		var b []byte
		if b, err = os.ReadFile(path); err == nil {
			f, err = forms.Load(b)
		}
	} else {
		f, err = forms.CompileFile(ctx, path)
	}
	if err != nil {
		return fmt.Errorf("publish %s: %w", path, err)
	}
	st, srv, err := openIntake(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	created, err := srv.Publish(ctx, f)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(env.Stdout, "published %s version %s (%s)\n", f.ID, f.Version, f.Hash)
	} else {
		fmt.Fprintf(env.Stdout, "%s version %s (%s) was already published\n", f.ID, f.Version, f.Hash)
	}
	return nil
}

func runIntakeToken(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("intake token: create, revoke or list")
	}
	sub := args[0]
	fs, db := intakeFlags(env, "token "+sub)
	enum := fs.String("enumerator", "", "the enumerator's `NAME` (create: required; revoke: all their tokens)")
	id := fs.String("id", "", "revoke: the token's `ID` (as listed)")
	switch sub {
	case "create", "revoke", "list":
	default:
		return usageErrorf("intake token: unknown subcommand %q (create, revoke, list)", sub)
	}
	if err := parseIntake(fs, db, args[1:]); err != nil {
		return err
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch sub {
	case "create":
		if *enum == "" || fs.NArg() > 0 {
			return usageErrorf("intake token create: --enumerator NAME is required")
		}
		secret, t, err := intake.CreateToken(ctx, st, *enum, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "device token %s for %s (shown once; the server keeps only its hash):\n%s\n", t.ID, t.Enumerator, secret)
	case "revoke":
		key := *id
		if fs.NArg() == 1 && key == "" {
			key = intake.HashToken(fs.Arg(0))
		}
		if (key == "") == (*enum == "") || fs.NArg() > 1 {
			return usageErrorf("intake token revoke: give one of --id ID, --enumerator NAME or the token")
		}
		n, err := st.RevokeTokens(ctx, key, *enum, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("no valid token matched")
		}
		fmt.Fprintf(env.Stdout, "revoked %d token(s)\n", n)
	case "list":
		ts, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tENUMERATOR\tCREATED\tREVOKED")
		for _, t := range ts {
			rev := "-"
			if !t.Revoked.IsZero() {
				rev = t.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Enumerator, t.Created.Format(time.RFC3339), rev)
		}
		tw.Flush()
	}
	return nil
}

func runIntakeImport(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "import")
	asJSON := fs.Bool("json", false, "print the result as JSON (receipts and counts)")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("intake import: one batch FILE, please")
	}
	st, srv, err := openIntake(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := srv.ImportFile(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(env.Stdout, "imported %s: %d frames, %d interviews", fs.Arg(0), res.Frames, len(res.Receipts))
	for _, s := range []wire.ReceiptStatus{wire.Stored, wire.Duplicate, wire.Updated, wire.Superseded, wire.Conflict, wire.Invalid} {
		if n := res.Counts[s]; n > 0 {
			fmt.Fprintf(env.Stdout, ", %d %s", n, s)
		}
	}
	fmt.Fprintf(env.Stdout, ", %d new attachments\n", res.Attachments)
	for _, r := range res.Receipts {
		if r.Status == wire.Invalid {
			fmt.Fprintf(env.Stdout, "invalid %s r%d: %s\n", r.ID, r.Revision, r.Reason)
		}
	}
	return nil
}

func runIntakeStats(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "stats")
	asJSON := fs.Bool("json", false, "print the counters as JSON")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if _, err := os.Stat(*db); err != nil && intakeIsFile(*db) {
		return fmt.Errorf("stats: %w", err)
	}
	st, err := openIntakeStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, row := range []struct {
		k string
		v int64
	}{
		{"submissions", s.Submissions}, {"interviews", s.Interviews}, {"duplicates", s.Duplicates},
		{"updated", s.Updated}, {"superseded", s.Superseded}, {"conflicts", s.Conflicts}, {"invalid", s.Invalid},
		{"batches", s.Batches}, {"bytes received", s.BytesReceived}, {"attachments", s.Attachments},
		{"forms", s.Forms}, {"rejections", s.Rejections}, {"unforwarded", s.Unforwarded},
	} {
		fmt.Fprintf(tw, "%s\t%d\t\n", row.k, row.v)
	}
	return tw.Flush()
}
