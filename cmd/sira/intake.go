package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/intake/dashboard"
	"sira/sync/wire"
)

// runIntake is the "intake" subcommand: the central intake server and its
// administration, each subcommand on the intake's SQLite database.
func runIntake(ctx context.Context, env *Env, args []string) error {
	subs := map[string]func(context.Context, *Env, []string) error{
		"serve":  runIntakeServe,
		"form":   runIntakeForm,
		"token":  runIntakeToken,
		"import": runIntakeImport,
		"stats":  runIntakeStats,
		"user":   runIntakeUser,
		// Keys and enrolment (survey/SECURITY.md).
		"key":       runIntakeKey,
		"enrol":     runIntakeEnrol,
		"device":    runIntakeDevice,
		"pin-reset": runIntakePINReset,
		"tls":       runIntakeTLS,
		"backup":    runIntakeBackup,
		"migrate":   runIntakeMigrate,
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

  serve --db PATH [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [--trusted-proxy CIDR,...]
        [--upstream URL --token T [--upstream-ca FILE | --upstream-fingerprint SHA256:…]]
                        run the intake server (with --upstream: a relay that forwards)
  tls selfsigned --db PATH --host NAME,IP,...
                        write intake.crt and intake.key beside the database; prints the fingerprint
  form publish --db PATH FORM.xlsx|FORM.json
                        publish a form (or a new version); laptops get it at their next sync
  token create --db PATH (--enumerator E | --relay NAME [--post P,...])
                        make a device token (one enumerator's laptop) or a relay token
                        (forwards for its posts, all without --post); printed alone on the last line
  token revoke --db PATH (--id ID | --enumerator E | TOKEN)
                        revoke tokens; refused at the next request
  token list --db PATH  list tokens (ids, enumerators, revoked)
  import --db PATH [--json] [--plaintext] [--legacy] FILE
                        ingest a carried file written by 'sira sync --out'
  stats --db PATH [--json]
                        submissions, duplicates, conflicts, bytes received...
  migrate --from FILE --to postgres://...
                        move the whole office into PostgreSQL, verified; rerunnable
  backup --db PATH --out FILE
                        a consistent copy of an SQLite intake while it serves
  user add|assign|list --db PATH ...
                        dashboard accounts (sira intake user help); the dashboard is at /dashboard/
  key --db PATH [--secret | --rotate]
                        the office's age recipient (last line); --secret its identities (audited)
  enrol --db PATH --enumerator E[,E...] --out FILE
                        an enrolment file for a laptop that never goes online (sira enrol)
  device list|revoke --db PATH [DEVICE]
                        enrolled laptops (id, key, enumerators, last seen); revoke one
  pin-reset --db PATH --enumerator E
                        a PIN reset code to read over the phone; the laptop gets it at its next sync
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
	srv, err := newIntakeServer(ctx, env, st, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, srv, nil
}

// newIntakeServer starts a server on st with the built-in form; onSync,
// when set, hears of each device's answered sync requests.
func newIntakeServer(ctx context.Context, env *Env, st intake.Store, onSync func(context.Context, *intake.Token, *int)) (*intake.Server, error) {
	return newIntakeServerWith(ctx, env, intake.Config{Store: st, OnSync: onSync})
}

// newIntakeServerWith is newIntakeServer with more of cfg set.
func newIntakeServerWith(ctx context.Context, env *Env, cfg intake.Config) (*intake.Server, error) {
	bf, err := builtin.All(ctx) // the returnee survey and the flow count
	if err != nil {
		return nil, err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	cfg.Builtin = bf
	return intake.New(ctx, cfg)
}

func runIntakeServe(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen `ADDRESS` (host:port; port 0 picks one)")
	upstream := fs.String("upstream", "", "relay mode: the central intake server's `URL`")
	token := fs.String("token", "", "relay mode: this relay's relay `TOKEN` on the upstream (sira intake token create --relay)")
	proxies := fs.String("trusted-proxy", "", "reverse proxies (`CIDR,...`) whose X-Forwarded-For names the client")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate `FILE` (PEM; with --tls-key)")
	tlsKey := fs.String("tls-key", "", "the certificate's private key `FILE` (PEM)")
	upCA := fs.String("upstream-ca", "", "relay mode: trust the upstream's certificate when this CA `FILE` signed it")
	upPin := fs.String("upstream-fingerprint", "", "relay mode: trust only the upstream certificate with this `SHA256:…` fingerprint")
	if err := parseIntake(fs, db, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("intake serve: unexpected argument %q", fs.Arg(0))
	}
	if (*upstream == "") != (*token == "") {
		return usageErrorf("intake serve: --upstream and --token go together")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageErrorf("intake serve: --tls-cert and --tls-key go together")
	}
	trusted, err := intake.ParseProxies(*proxies)
	if err != nil {
		return usageErrorf("intake serve: --trusted-proxy: %v", err)
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
	dash, err := openDashboard(ctx, env, st, of, *db, *tlsCert != "", trusted)
	if err != nil {
		return err
	}
	var onSync func(context.Context, *intake.Token, *int)
	if dash != nil {
		onSync = dash.RecordSync
	}
	srv, err := newIntakeServerWith(ctx, env, intake.Config{Store: st, OnSync: onSync, TrustedProxies: trusted, Office: of})
	if err != nil {
		return err
	}
	if dash != nil {
		dash.Mount(srv)
	}
	if *upstream != "" {
		fw, err := newRelayForwarder(*upstream, *token, client.TLS{CAFile: *upCA, Fingerprint: *upPin})
		if err != nil {
			return err
		}
		go srv.RunForwarder(ctx, fw, 30*time.Second)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	hs := intake.NewHTTPServer(srv)
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	// The address line is for people and for scripts that asked for port 0.
	fmt.Fprintf(env.Stderr, "sira intake: listening on %s://%s\n", scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
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
	enum := fs.String("enumerator", "", "the enumerator's `NAME` (create: a device token; revoke: all their tokens)")
	relayName := fs.String("relay", "", "create: a relay token for the relay `NAME` (it forwards others' interviews)")
	relayPosts := fs.String("post", "", "create --relay: the `POSTS` it may forward for (comma-separated; default all)")
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
		if (*enum == "") == (*relayName == "") || fs.NArg() > 0 || *relayPosts != "" && *relayName == "" {
			return usageErrorf("intake token create: --enumerator NAME, or --relay NAME [--post P,...]")
		}
		var secret string
		var t intake.Token
		var err error
		if *relayName != "" {
			secret, t, err = intake.CreateRelayToken(ctx, st, *relayName, splitComma(*relayPosts), now)
		} else {
			secret, t, err = intake.CreateToken(ctx, st, *enum, now)
		}
		if err != nil {
			return err
		}
		what := "device token " + t.ID + " for " + t.Enumerator
		if t.IsRelay() {
			what = "relay token " + t.ID + " for relay " + t.Relay
			if len(t.Posts) > 0 {
				what += " (posts " + strings.Join(t.Posts, ",") + ")"
			}
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditTokenCreate, t.ID, what); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s (shown once; the server keeps only its hash):\n%s\n", what, secret)
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
		target := *id
		if target == "" {
			target = "enumerator " + *enum
			if *enum == "" {
				target = key[:12]
			}
		}
		if err := auditCLI(ctx, env, *db, dashboard.AuditTokenRevoke, target, fmt.Sprintf("%d token(s)", n)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked %d token(s)\n", n)
	case "list":
		ts, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tENUMERATOR\tCREATED\tREVOKED")
		for _, t := range ts {
			rev := "-"
			if !t.Revoked.IsZero() {
				rev = t.Revoked.Format(time.RFC3339)
			}
			who := t.Enumerator
			if t.IsRelay() {
				who = t.Relay
				if len(t.Posts) > 0 {
					who += " (" + strings.Join(t.Posts, ",") + ")"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, tokenKindOf(t), who, t.Created.Format(time.RFC3339), rev)
		}
		tw.Flush()
	}
	return nil
}

func runIntakeImport(ctx context.Context, env *Env, args []string) error {
	fs, db := intakeFlags(env, "import")
	asJSON := fs.Bool("json", false, "print the result as JSON (receipts and counts)")
	plaintext := fs.Bool("plaintext", false, "accept a file written with sira sync --plaintext (sections still verified)")
	legacy := fs.Bool("legacy", false, "accept an unsigned, unencrypted batch file from a Sira before version 3 files")
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
	res, err := srv.ImportFileOptions(ctx, fs.Arg(0), intake.ImportOptions{Plaintext: *plaintext, Legacy: *legacy})
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

func tokenKindOf(t intake.Token) string {
	if t.IsRelay() {
		return intake.TokenRelay
	}
	return intake.TokenDevice
}
