package main

import (
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"sira/survey/sqlite"
)

// startServe runs `sira intake serve` with args until the test ends and
// returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, env, append([]string{"intake", "serve", "--addr", "127.0.0.1:0"}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, after, ok := strings.Cut(stderr.String(), "listening on "); ok {
			return strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
		}
	}
	t.Fatalf("server did not start: %s", stderr.String())
	return ""
}

// TestIntakeTLS: a self-signed certificate beside the database, HTTPS
// served with it, a laptop syncing with the pinned fingerprint (then
// remembered), and a wrong pin refused.
func TestIntakeTLS(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "intake.db")
	code, out, errs := runMain(t, "intake", "tls", "selfsigned", "--db", db, "--host", "127.0.0.1,localhost")
	if code != 0 {
		t.Fatalf("tls selfsigned: exit %d: %s", code, errs)
	}
	var fp string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "fingerprint "); ok {
			fp = strings.TrimSpace(v)
		}
	}
	if !strings.HasPrefix(fp, "SHA256:") || !strings.Contains(out, filepath.Join(dir, "intake.crt")) || !strings.Contains(out, filepath.Join(dir, "intake.key")) {
		t.Fatalf("tls selfsigned printed:\n%s", out)
	}
	if code, _, _ := runMain(t, "intake", "tls", "selfsigned", "--db", db, "--host", "x"); code == 0 {
		t.Error("a second selfsigned overwrote the certificate laptops pinned")
	}
	code, out, errs = runMain(t, "intake", "token", "create", "--db", db, "--enumerator", "sim")
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	token := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	token = strings.TrimSpace(token)
	base := startServe(t, "--db", db, "--tls-cert", filepath.Join(dir, "intake.crt"), "--tls-key", filepath.Join(dir, "intake.key"))
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("serving %s, want https", base)
	}
	laptop := filepath.Join(dir, "laptop.db")
	if code, _, errs := runMain(t, "simulate", "-n", "5", "--db", laptop); code != 0 {
		t.Fatalf("simulate: %s", errs)
	}
	code, out, errs = runMain(t, "sync", "--db", laptop, "--server", base, "--token", token, "--fingerprint", fp)
	if code != 0 || !strings.Contains(out, "5 acknowledged") {
		t.Fatalf("sync over TLS: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runMain(t, "simulate", "-n", "2", "--seed", "9", "--db", laptop); code != 0 {
		t.Fatal("simulate")
	}
	code, out, errs = runMain(t, "sync", "--db", laptop) // server, token and pin remembered
	if code != 0 || !strings.Contains(out, "2 acknowledged") {
		t.Fatalf("sync with the remembered pin: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runMain(t, "sync", "--db", laptop, "--server", base, "--fingerprint", "SHA256:"+strings.Repeat("0", 64))
	if code == 0 || !strings.Contains(errs, "is not the pinned") {
		t.Errorf("sync with a wrong pin: exit %d: %s", code, errs)
	}
}

// TestRelayTokenAndAudit: `token create --relay NAME --post P,...` makes a
// relay token, listed as such, and the command line's token and account
// changes are in the dashboard's audit log.
func TestRelayTokenAndAudit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	code, out, errs := runMain(t, "intake", "token", "create", "--db", db, "--relay", "gogui-relay", "--post", "gogui,diboli")
	if code != 0 || !strings.Contains(out, "relay token") || !strings.Contains(out, "gogui,diboli") {
		t.Fatalf("relay token: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runMain(t, "intake", "token", "create", "--db", db, "--relay", "r", "--enumerator", "awa"); code != 2 {
		t.Errorf("--relay with --enumerator: exit %d, want 2", code)
	}
	code, out, _ = runMain(t, "intake", "token", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "relay") || !strings.Contains(out, "gogui-relay (gogui,diboli)") {
		t.Errorf("token list:\n%s", out)
	}
	if code, _, errs := runMainStdin(t, "pw-long-enough-1\n", "intake", "user", "add", "--db", db, "--role", "viewer", "--password-stdin", "vera"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	if code, _, errs := runMain(t, "intake", "user", "disable", "--db", db, "vera"); code != 0 {
		t.Fatalf("user disable: %s", errs)
	}
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRow(`SELECT count(*) FROM dash_audit WHERE user LIKE 'cli:%' AND action IN ('token_create', 'user_change')`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d command-line changes audited (%v), want 3", n, err)
	}
}

// TestPlaintextRefusedForPublicKey: syncing over plain http:// warns, and a
// form with public_key refuses it unless --insecure.
func TestPlaintextRefusedForPublicKey(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "laptop.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stderr strings.Builder
	env := &Env{Stderr: &stderr}
	if err := checkPlaintext(ctx, env, st, "http://192.168.1.10:8080", false); err != nil || !strings.Contains(stderr.String(), "plain http") {
		t.Errorf("no public_key form: %v, warning %q", err, stderr.String())
	}
	stderr.Reset()
	if err := checkPlaintext(ctx, env, st, "http://127.0.0.1:8080", false); err != nil || stderr.Len() != 0 {
		t.Errorf("loopback: %v, warning %q", err, stderr.String())
	}
	if err := st.PutForm(ctx, "secret", "1", "sha256:"+strings.Repeat("1", 64), []byte(`{"id":"secret","public_key":"age1xyz"}`)); err != nil {
		t.Fatal(err)
	}
	if err := checkPlaintext(ctx, env, st, "http://192.168.1.10:8080", false); err == nil || !strings.Contains(err.Error(), "public_key") {
		t.Errorf("public_key form over plain http: %v", err)
	}
	if err := checkPlaintext(ctx, env, st, "http://192.168.1.10:8080", true); err != nil {
		t.Errorf("--insecure: %v", err)
	}
	if err := checkPlaintext(ctx, env, st, "https://192.168.1.10:8080", false); err != nil {
		t.Errorf("https: %v", err)
	}
}
