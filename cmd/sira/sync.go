package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"sira/survey"
	"sira/survey/sqlite"
	"sira/sync/client"
)

// runSync is the "sync" subcommand: send the laptop's unacknowledged
// interviews to an intake server (and receive forms and rejections), or
// write them to a batch file for a USB stick.
func runSync(ctx context.Context, env *Env, args []string) error {
	fl := flag.NewFlagSet("sira sync", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	db := fl.String("db", "", "database `path` (default: the user's data directory, sira/sira.db)")
	server := fl.String("server", "", "intake server `URL` (default: the last one used)")
	token := fl.String("token", "", "device `token` from the intake administrator; remembered after first use")
	out := fl.String("out", "", "write a carried `file` (USB stick) instead of syncing over the network, encrypted to the office")
	plaintext := fl.Bool("plaintext", false, "with --out: write the file unencrypted when the laptop knows no office key (not enrolled)")
	asJSON := fl.Bool("json", false, "print the session's result as JSON")
	pin := addPINFlags(fl, nil)
	caFile := fl.String("ca", "", "trust the server's certificate when a CA `file` (PEM) signed it")
	fingerprint := fl.String("fingerprint", "", "trust only the server certificate with this `SHA256:…` fingerprint (remembered after first use)")
	insecure := fl.Bool("insecure", false, "sync over plain http:// even when a form sets public_key")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), `Usage: sira sync --db PATH --server URL [--token T] [--ca FILE | --fingerprint SHA256:…] [--insecure] [--enumerator E] [--pin-stdin]
       sira sync --db PATH --out FILE [--plaintext] [--enumerator E] [--pin-stdin]

The enumerator's PIN comes from --pin-stdin, $SIRA_PIN, or a prompt.

Sends the finalized interviews not yet acknowledged by the intake server and
receives new form versions and rejected interviews; or writes them to a batch
file for 'sira intake import'.`)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v (try sira sync -h)", err)
	}
	if fl.NArg() > 0 {
		return usageErrorf("unexpected argument %q (try sira sync -h)", fl.Arg(0))
	}
	if *plaintext && *out == "" {
		return usageErrorf("--plaintext goes with --out FILE (try sira sync -h)")
	}
	if *out != "" && (*server != "" || *token != "") {
		return usageErrorf("--out writes a file: it takes no --server or --token (try sira sync -h)")
	}
	path, err := resolveDBPath(env, *db)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (use --db, or collect first)", path)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := pin.signIn(ctx, env, st, false); err != nil {
		return err
	}

	if *out != "" {
		res, err := client.ExportOptions(ctx, st, *out, client.ExportOpts{Plaintext: *plaintext})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSONTo(env.Stdout, res)
		}
		fmt.Fprintf(env.Stdout, "wrote %d interviews and %d attachments to %s (%s); import with: sira intake import FILE\n",
			res.Interviews, res.Attachments, *out, humanBytes(res.Bytes))
		return nil
	}

	url, tok, err := syncTarget(ctx, st, *server, *token)
	if err != nil {
		return err
	}
	certPin, err := syncPin(ctx, st, *server, url, *fingerprint)
	if err != nil {
		return err
	}
	if err := checkPlaintext(ctx, env, st, url, *insecure); err != nil {
		return err
	}
	cfg := client.Config{URL: url, Token: tok, TLS: client.TLS{CAFile: *caFile, Fingerprint: certPin}}
	bar := newProgressBar(env.Stderr)
	if bar != nil {
		cfg.Progress = bar.update
	}
	cl, err := client.New(cfg)
	if err != nil {
		return usageErrorf("%v", err)
	}
	res, err := cl.Sync(ctx, st)
	if bar != nil {
		bar.finish()
	}
	if res != nil && (err == nil || res.Acknowledged > 0) {
		// The server accepted the token: remember it (and the server) so
		// the next sync needs neither flag.
		if serr := rememberTarget(ctx, st, url, tok); serr != nil && err == nil {
			err = serr
		}
		if serr := st.SetSetting(ctx, client.SettingFingerprint, certPin); serr != nil && err == nil {
			err = serr
		}
	}
	if res != nil {
		if *asJSON {
			if jerr := writeJSONTo(env.Stdout, res); jerr != nil && err == nil {
				err = jerr
			}
		} else {
			fmt.Fprintln(env.Stdout, summary(res))
		}
	}
	if err != nil {
		var re *client.ResponseError
		if errors.As(err, &re) && re.Status == 401 {
			return fmt.Errorf("%w (ask the intake administrator for a device token: sira sync --token T)", err)
		}
		return fmt.Errorf("%w (run sira sync again: it resumes where it stopped)", err)
	}
	return nil
}

// syncTarget resolves the server and token from the flags or the settings
// remembered by an earlier sync.
func syncTarget(ctx context.Context, st survey.Store, server, token string) (string, string, error) {
	if server == "" {
		v, err := st.Setting(ctx, client.SettingServer)
		if errors.Is(err, survey.ErrNotFound) {
			return "", "", usageErrorf("--server is required the first time (try sira sync --server https://intake.example --token T)")
		}
		if err != nil {
			return "", "", err
		}
		server = v
	}
	if token == "" {
		v, err := st.Setting(ctx, client.SettingToken)
		switch {
		case errors.Is(err, survey.ErrNotFound):
			return "", "", usageErrorf("--token is required the first time (ask the intake administrator for a device token)")
		case err != nil:
			return "", "", err
		}
		if s, _ := st.Setting(ctx, client.SettingServer); s != "" && s != server {
			return "", "", usageErrorf("the remembered token is for %s; give --token for %s", s, server)
		}
		token = v
	}
	return server, token, nil
}

func rememberTarget(ctx context.Context, st survey.Store, server, token string) error {
	if err := st.SetSetting(ctx, client.SettingServer, server); err != nil {
		return err
	}
	return st.SetSetting(ctx, client.SettingToken, token)
}

func summary(r *client.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "synced: %d offered, %d sent in %d batches, %d acknowledged (%d already held)",
		r.Offered, r.Sent, r.Batches, r.Acknowledged, r.Duplicates)
	if len(r.Quarantined) > 0 {
		fmt.Fprintf(&b, ", %d refused by the server", len(r.Quarantined))
	}
	if r.Attachments > 0 {
		fmt.Fprintf(&b, ", %d attachments", r.Attachments)
	}
	fmt.Fprintf(&b, "; received %d forms, %d rejections; %s up, %s down in %s",
		r.Forms, r.Rejections, humanBytes(r.BytesSent), humanBytes(r.BytesReceived), r.Elapsed.Round(100*time.Millisecond))
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// progressBar draws interviews and bytes on one terminal line.
type progressBar struct {
	w    io.Writer
	last time.Time
}

// newProgressBar returns a bar when w is a terminal, else nil (the
// one-line summary is printed either way).
func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w}
}

func (b *progressBar) update(p client.Progress) {
	if time.Since(b.last) < 100*time.Millisecond && p.Phase != "done" {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := 0
	if p.Total > 0 {
		filled = p.Interviews * width / p.Total
	}
	fmt.Fprintf(b.w, "\r%-11s [%s%s] %d/%d interviews, %s ", p.Phase,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Interviews, p.Total, humanBytes(p.Bytes))
}

func (b *progressBar) finish() { fmt.Fprintln(b.w) }

// syncPin returns the certificate fingerprint to pin: the flag's, or the
// one remembered for this server when no --server or no --fingerprint was
// given (a new --server forgets the old pin).
func syncPin(ctx context.Context, st survey.Store, serverFlag, url, flag string) (string, error) {
	if flag != "" {
		if _, err := client.ParseFingerprint(flag); err != nil {
			return "", usageErrorf("--fingerprint: %v", err)
		}
		return flag, nil
	}
	if s, _ := st.Setting(ctx, client.SettingServer); serverFlag != "" && s != url {
		return "", nil
	}
	v, err := st.Setting(ctx, client.SettingFingerprint)
	if errors.Is(err, survey.ErrNotFound) {
		return "", nil
	}
	return v, err
}

// checkPlaintext warns, every time, before syncing over plain http:// to a
// host that is not this machine; when a form on the laptop sets public_key
// (its answers are meant for the office alone) it refuses unless insecure.
func checkPlaintext(ctx context.Context, env *Env, st survey.Store, url string, insecure bool) error {
	if !client.Plaintext(url) {
		return nil
	}
	fmt.Fprintf(env.Stderr, "warning: %s is plain http: anyone on the network can read and change what is sent (use https://, see sira intake tls selfsigned)\n", url)
	if insecure {
		return nil
	}
	fs, err := st.Forms(ctx)
	if err != nil {
		return err
	}
	for _, fi := range fs {
		b, err := st.GetForm(ctx, fi.Hash)
		if err != nil {
			return err
		}
		var f struct {
			PublicKey string `json:"public_key"`
		}
		if json.Unmarshal(b, &f) == nil && f.PublicKey != "" {
			return usageErrorf("form %s sets public_key: its interviews do not go over plain http:// (use https://, or --insecure to send anyway)", fi.FormID)
		}
	}
	return nil
}
