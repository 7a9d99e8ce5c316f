package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
	"sira/sync/wire"
)

func TestSyncUsage(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "l.db")
	if code, _, stderr := runMain(t, "simulate", "-n", "1", "--db", db); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"OutWithServer", []string{"sync", "--db", db, "--out", "x", "--server", "http://h"}, 2, "--out"},
		{"NoServerFirstTime", []string{"sync", "--db", db}, 2, "--server is required"},
		{"NoTokenFirstTime", []string{"sync", "--db", db, "--server", "http://127.0.0.1:1"}, 2, "--token is required"},
		{"BadURL", []string{"sync", "--db", db, "--server", "intake.example", "--token", "t"}, 2, "http"},
		{"NoDatabase", []string{"sync", "--db", filepath.Join(dir, "none.db"), "--out", "x"}, 1, "no database"},
		{"Stray", []string{"sync", "--db", db, "extra"}, 2, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

// TestSyncCommand: sira sync against a real intake server, the token
// remembered for the next run, then the USB path.
func TestSyncCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := isqlite.Open(ctx, filepath.Join(dir, "central.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := intake.New(ctx, intake.Config{Store: st, Builtin: []*forms.Form{f}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	secret, _, err := intake.CreateToken(ctx, st, "sim", time.Now())
	if err != nil {
		t.Fatal(err)
	}

	db := filepath.Join(dir, "laptop.db")
	if code, _, stderr := runMain(t, "simulate", "-n", "30", "--db", db); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	code, stdout, stderr := runMain(t, "sync", "--db", db, "--server", hs.URL, "--token", secret)
	if code != 0 || !strings.Contains(stdout, "30 acknowledged") {
		t.Fatalf("first sync: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if code, _, stderr := runMain(t, "simulate", "-n", "10", "--seed", "2", "--db", db); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	code, stdout, stderr = runMain(t, "sync", "--db", db) // server and token remembered
	if code != 0 || !strings.Contains(stdout, "10 offered") || !strings.Contains(stdout, "10 acknowledged") {
		t.Fatalf("second sync: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if n, err := st.CountSubmissions(ctx); err != nil || n != 40 {
		t.Errorf("central holds %d submissions (%v), want 40", n, err)
	}

	// USB: export, import twice, then online: one copy each.
	if code, _, stderr := runMain(t, "simulate", "-n", "15", "--seed", "3", "--db", db); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	file := filepath.Join(dir, "batch.sira")
	code, stdout, stderr = runMain(t, "sync", "--db", db, "--out", file)
	if code != 0 || !strings.Contains(stdout, "wrote 15 interviews") {
		t.Fatalf("sync --out: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	for i, want := range []wire.ReceiptStatus{wire.Stored, wire.Duplicate} {
		res, err := srv.ImportFile(ctx, file)
		if err != nil || res.Counts[want] != 15 {
			t.Fatalf("import %d: %+v, %v; want 15 %s", i+1, res, err, want)
		}
	}
	code, stdout, stderr = runMain(t, "sync", "--db", db)
	if code != 0 || !strings.Contains(stdout, "0 sent in 0 batches, 15 acknowledged (15 already held)") {
		t.Fatalf("sync after import: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if n, err := st.CountSubmissions(ctx); err != nil || n != 55 {
		t.Errorf("central holds %d submissions (%v), want 55", n, err)
	}
}
