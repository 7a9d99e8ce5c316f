package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	lsqlite "sira/survey/sqlite"
	"sira/sync/client"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func laptopEnrolment(t *testing.T, db string) *client.Enrolment {
	t.Helper()
	st, err := lsqlite.Open(context.Background(), db, lsqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := client.LoadEnrolment(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestKeysEnrolmentUSBRecovery walks the office and transport half of the
// security design through the commands: the office key and its rotation,
// a USB file refused before enrolment, offline enrolment, an encrypted
// and signed USB file imported, the rotation reaching the laptop at its
// online sync with older files still importable, a PIN reset, and the
// recovery of the laptop's file with the office identity.
func TestKeysEnrolmentUSBRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	D := filepath.Join(dir, "central.db")

	code, out, errs := runMain(t, "intake", "key", "--db", D)
	r1 := lastLine(out)
	if code != 0 || !strings.HasPrefix(r1, "age1") {
		t.Fatalf("intake key: exit %d: %s %s", code, out, errs)
	}
	if _, out, _ := runMain(t, "intake", "key", "--db", D); lastLine(out) != r1 {
		t.Fatalf("the office key changed between two runs: %s then %s", r1, lastLine(out))
	}

	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := isqlite.Open(ctx, D)
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
	token, _, err := intake.CreateToken(ctx, st, "sim", time.Now())
	if err != nil {
		t.Fatal(err)
	}

	L := filepath.Join(dir, "laptop.db")
	if code, _, errs := runMain(t, "simulate", "-n", "20", "--db", L); code != 0 {
		t.Fatalf("simulate: %s", errs)
	}
	usb := filepath.Join(dir, "usb.sira")
	if code, _, errs := runMain(t, "sync", "--db", L, "--out", usb); code != 1 || !strings.Contains(errs, "knows no office key") {
		t.Fatalf("sync --out before enrolment: exit %d: %s", code, errs)
	}
	if code, _, errs := runMain(t, "sync", "--db", L, "--out", usb, "--plaintext"); code != 0 {
		t.Fatalf("sync --out --plaintext: exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(usb); !bytes.HasPrefix(b, []byte("SIRACARY")) {
		t.Fatalf("--plaintext file starts %q", b[:min(len(b), 16)])
	}
	if code, _, errs := runMain(t, "intake", "import", "--db", D, usb); code != 1 || !strings.Contains(errs, "not encrypted") {
		t.Fatalf("import of the plaintext file: exit %d: %s", code, errs)
	}

	enr := filepath.Join(dir, "enrol.txt")
	if code, _, errs := runMain(t, "intake", "enrol", "--db", D, "--enumerator", "sim", "--out", enr); code != 0 {
		t.Fatalf("intake enrol: %s", errs)
	}
	if code, out, errs := runMain(t, "enrol", "--db", L, enr); code != 0 || !strings.Contains(out, "enrolled with office") {
		t.Fatalf("enrol: exit %d: %s %s", code, out, errs)
	}
	if e := laptopEnrolment(t, L); e.Recipient != r1 || e.Pending == nil {
		t.Fatalf("laptop enrolment: %+v", e)
	}
	if code, _, errs := runMain(t, "sync", "--db", L, "--out", usb); code != 0 {
		t.Fatalf("sync --out after enrolment: %s", errs)
	}
	if b, _ := os.ReadFile(usb); !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
		t.Fatalf("USB file starts %q", b[:min(len(b), 24)])
	}
	if code, out, errs := runMain(t, "intake", "import", "--db", D, usb); code != 0 || !strings.Contains(out, "20 stored") {
		t.Fatalf("import: exit %d: %s %s", code, out, errs)
	}
	if _, out, _ := runMain(t, "intake", "device", "list", "--db", D); !strings.Contains(out, " sim ") && !strings.Contains(out, "\tsim\t") && !strings.Contains(out, "  sim  ") {
		t.Errorf("device list does not show the laptop enrolled for sim:\n%s", out)
	}

	// Rotation: the laptop learns the new recipient at its online sync;
	// the file written to the old key still imports.
	code, out, errs = runMain(t, "intake", "key", "--db", D, "--rotate")
	r2 := lastLine(out)
	if code != 0 || !strings.HasPrefix(r2, "age1") || r2 == r1 {
		t.Fatalf("rotate: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs := runMain(t, "sync", "--db", L, "--server", hs.URL, "--token", token); code != 0 {
		t.Fatalf("online sync: %s", errs)
	}
	if e := laptopEnrolment(t, L); e.Recipient != r2 || e.Fingerprint != intake.Fingerprint(r2) {
		t.Fatalf("after the online sync the laptop encrypts to %s, want the rotated %s", e.Recipient, r2)
	}
	if code, out, errs := runMain(t, "intake", "import", "--db", D, usb); code != 0 || !strings.Contains(out, "20 duplicate") {
		t.Fatalf("old file after rotation: exit %d: %s %s", code, out, errs)
	}

	code, out, errs = runMainStdin(t, "", "intake", "key", "--db", D, "--secret")
	if code != 0 || strings.Count(out, "AGE-SECRET-KEY-1") != 2 {
		t.Fatalf("key --secret: exit %d: %s %s", code, out, errs)
	}
	idFile := filepath.Join(dir, "office.key")
	if err := os.WriteFile(idFile, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if evs, err := st.KeyEvents(ctx, 10); err != nil || len(evs) < 2 || evs[0].Action != "key.secret" || evs[1].Action != "key.rotate" {
		t.Errorf("key log: %+v, %v", evs, err)
	}

	// PIN reset: the code is printed at the office; the package reaches the
	// laptop at its next sync and opens its data key with the code.
	code, out, errs = runMain(t, "intake", "pin-reset", "--db", D, "--enumerator", "sim")
	resetCode := lastLine(out)
	if code != 0 || len(resetCode) != 19 {
		t.Fatalf("pin-reset: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs := runMain(t, "sync", "--db", L); code != 0 {
		t.Fatalf("sync after the reset: %s", errs)
	}
	lst, err := lsqlite.Open(ctx, L, lsqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := lst.ResetPIN(ctx, "sim", "WRONG-CODE-0000-0000", "24680246"); err == nil {
		t.Error("a wrong reset code was accepted")
	}
	if err := lst.ResetPIN(ctx, "sim", strings.ToLower(resetCode), "24680246"); err != nil {
		t.Fatalf("ResetPIN with the office's code: %v", err)
	}
	lst.Lock("sim")
	if err := lst.Unlock(ctx, "sim", "24680246"); err != nil {
		t.Fatalf("the new PIN does not open: %v", err)
	}
	if ok, _ := lst.CheckPIN(ctx, "sim", testPIN); ok {
		t.Error("the old PIN still opens")
	}
	lst.Close()

	// Recovery at the office with the identity file: every interview.
	R := filepath.Join(dir, "recovered")
	before, _ := os.ReadFile(L)
	code, out, errs = runMain(t, "recover", "--db", L, "--identity", idFile, "--out", R)
	if code != 0 || !strings.Contains(out, "recovered 20 interviews of sim") {
		t.Fatalf("recover: exit %d: %s %s", code, out, errs)
	}
	if after, _ := os.ReadFile(L); !bytes.Equal(before, after) {
		t.Error("recover wrote the laptop's file")
	}
	cf, err := os.Open(filepath.Join(R, "returnee.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(cf).ReadAll()
	cf.Close()
	if err != nil || len(rows) != 21 {
		t.Fatalf("returnee.csv: %d rows (%v), want a header and 20", len(rows), err)
	}
	other := filepath.Join(dir, "other.key")
	os.WriteFile(other, []byte("AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J33\n"), 0o600)
	if code, _, errs := runMain(t, "recover", "--db", L, "--identity", other, "--out", filepath.Join(dir, "r2")); code != 1 || !strings.Contains(errs, "not addressed") {
		t.Errorf("recover with another office's key: exit %d: %s", code, errs)
	}
}
