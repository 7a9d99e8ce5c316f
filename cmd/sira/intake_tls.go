package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sira/sync/intake"
)

// runIntakeTLS is "sira intake tls selfsigned --db D --host NAME,IP,...":
// a certificate for an office LAN or a relay, written beside the database
// (intake.crt, and intake.key readable by its owner only); its fingerprint
// is what laptops pin (sira sync --fingerprint).
func runIntakeTLS(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "selfsigned" {
		return usageErrorf("intake tls: selfsigned --db PATH --host NAME,IP,...")
	}
	fs, db := intakeFlags(env, "tls selfsigned")
	hosts := fs.String("host", "", "the `NAMES,IPS` laptops reach the server by (comma-separated)")
	if err := parseIntake(fs, db, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || *hosts == "" {
		return usageErrorf("intake tls selfsigned: --host NAME,IP,... is required")
	}
	if !intakeIsFile(*db) {
		return usageErrorf("intake tls selfsigned: --db must be a file path (the certificate is written beside it)")
	}
	dir := filepath.Dir(*db)
	certPath, keyPath := filepath.Join(dir, "intake.crt"), filepath.Join(dir, "intake.key")
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("intake tls selfsigned: %s exists: move it away first (laptops pinned its fingerprint)", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("intake tls selfsigned: %w", err)
		}
	}
	cert, key, fp, err := intake.SelfSigned(splitComma(*hosts), time.Now())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("intake tls selfsigned: %w", err)
	}
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		return fmt.Errorf("intake tls selfsigned: %w", err)
	}
	if err := os.WriteFile(certPath, cert, 0o644); err != nil {
		return fmt.Errorf("intake tls selfsigned: %w", err)
	}
	fmt.Fprintf(env.Stdout, "certificate %s\nkey         %s\nfingerprint %s\n", certPath, keyPath, fp)
	fmt.Fprintf(env.Stdout, "serve:  sira intake serve --db %s --tls-cert %s --tls-key %s\nlaptop: sira sync --server https://HOST:PORT --fingerprint %s\n", *db, certPath, keyPath, fp)
	return nil
}
