package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"sira/sync/carry"
	"sira/sync/wire"
)

// writeCarriedFile writes frames to path as a laptop enrolled offline for
// enumerators would: `sira intake enrol` makes the enrolment file, and the
// one section presents its enrolment with a new device key, encrypted to
// the office recipient the file names.
func writeCarriedFile(t *testing.T, db, path, device string, enumerators string, frames ...[]byte) {
	t.Helper()
	enr := filepath.Join(t.TempDir(), "enrol.txt")
	if code, out, errs := runMain(t, "intake", "enrol", "--db", db, "--enumerator", enumerators, "--out", enr); code != 0 {
		t.Fatalf("intake enrol: exit %d: %s %s", code, out, errs)
	}
	b, err := os.ReadFile(enr)
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := bytes.Cut(b, []byte("\n"))
	var f wire.EnrolmentFile
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	r, err := age.ParseX25519Recipient(f.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	var buf bytes.Buffer
	w, err := carry.NewWriter(&buf, carry.Upstream, r)
	if err != nil {
		t.Fatal(err)
	}
	h := carry.Header{Device: device, Kind: carry.KindDevice, Created: time.Now().UTC().Format(time.RFC3339),
		Key: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)), Enrolment: f.Enrolment, Code: base64.StdEncoding.EncodeToString(f.Code)}
	if err := w.WriteSection(h, key, bytes.Join(frames, nil)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
