package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/survey"
	"sira/survey/sqlite"
)

// legacy is what an older Sira's plaintext database holds, for checking
// after the upgrade.
type legacy struct {
	ivs  map[string]*survey.Interview
	pins map[string]string // enumerator → PIN
}

// legacyDB writes a schema-version-2 database in clear: n interviews of
// awa (PIN 1234, four digits as then allowed), three of bob (567890) and
// two of sim (no account), with marker in answers, comments, paradata and
// an attachment.
func legacyDB(t testing.TB, path string, n int) legacy {
	t.Helper()
	ctx := context.Background()
	if err := sqlite.CreateAtVersion(ctx, path, 2); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	L := legacy{ivs: map[string]*survey.Interview{}, pins: map[string]string{"awa": "1234", "bob": "567890"}}
	for e, pin := range L.pins {
		h, err := sqlite.HashLegacyPIN(pin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO enumerators (id, pin_hash, updated) VALUES (?, ?, 1)", strings.ToUpper(e[:1])+e[1:], h); err != nil {
			t.Fatal(err)
		}
	}
	content := []byte(strings.Repeat("scan "+marker, 50))
	if _, err := tx.Exec("INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?)", "ab12", len(content), content); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	add := func(i int, e string) {
		iv := &survey.Interview{ID: fmt.Sprintf("uuid:%s-%05d", e, i), FormID: "returnee", FormVersion: "1", FormHash: "sha256:ab",
			Enumerator: e, DeviceID: "dev", Started: start.Add(time.Duration(i) * time.Minute), Revision: 1, Status: survey.StatusDraft,
			Updated: start.Add(time.Duration(i) * time.Minute),
			Data: &survey.Record{Values: map[string]string{"/data/name": fmt.Sprintf("%s %d %s", e, i, marker), "/data/age": fmt.Sprint(20 + i%50)},
				Repeats: map[string][]*survey.Record{"/data/legs": {{Values: map[string]string{"/data/legs/place": "Gao " + marker}}}}},
			Paradata: []survey.Event{{At: start, Kind: "note", Note: marker}},
		}
		var hash any
		if i%3 != 0 {
			iv.Status, iv.Ended = survey.StatusFinalized, iv.Started.Add(time.Hour)
			if i%7 == 0 {
				iv.Status, iv.Comment = survey.StatusRejected, "check "+marker
			}
			if i%5 == 0 {
				iv.Attachments = []survey.Attachment{{Field: "/data/scan", Name: "s.jpg", SHA256: "ab12", Size: int64(len(content))}}
			}
			hash = iv.ContentHash()
		}
		data, _ := json.Marshal(iv.Data)
		para, _ := json.Marshal(iv.Paradata)
		if _, err := tx.Exec(`INSERT INTO interviews (id, form_id, form_version, form_hash, enumerator, device_id, started, ended,
			status, revision, comment, updated, data, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			iv.ID, iv.FormID, iv.FormVersion, iv.FormHash, iv.Enumerator, iv.DeviceID, iv.Started.UnixNano(), nullTime(iv.Ended),
			string(iv.Status), iv.Revision, iv.Comment, iv.Updated.UnixNano(), data, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO paradata (interview_id, events) VALUES (?, ?)", iv.ID, para); err != nil {
			t.Fatal(err)
		}
		for _, a := range iv.Attachments {
			if _, err := tx.Exec("INSERT INTO attachments (interview_id, field, name, sha256, size, type) VALUES (?, ?, ?, ?, ?, '')",
				iv.ID, a.Field, a.Name, a.SHA256, a.Size); err != nil {
				t.Fatal(err)
			}
		}
		L.ivs[iv.ID] = iv
	}
	for i := range n {
		add(i, "awa")
	}
	for i := range 3 {
		add(i+1, "bob")
	}
	for i := range 2 {
		add(i+1, "sim")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return L
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// checkLegacy checks that every interview of the enumerators signed in on
// s reads back as it was written in clear.
func checkLegacy(t testing.TB, s *sqlite.Store, L legacy, enumerators ...string) {
	t.Helper()
	ctx := context.Background()
	n := 0
	for id, want := range L.ivs {
		if !contains(enumerators, want.Enumerator) {
			continue
		}
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("after the upgrade: %v", err)
		}
		if g, w := got.ContentHash(), want.ContentHash(); g != w {
			t.Errorf("%s: content hash %s, want %s", id, g, w)
		}
		if got.Comment != want.Comment || len(got.Paradata) != 1 || got.Paradata[0].Note != marker {
			t.Errorf("%s: comment %q paradata %+v", id, got.Comment, got.Paradata)
		}
		for _, a := range got.Attachments {
			rc, err := s.OpenAttachment(ctx, a.SHA256)
			if err != nil {
				t.Fatalf("%s: attachment: %v", id, err)
			}
			b, _ := io.ReadAll(rc)
			if string(b) != strings.Repeat("scan "+marker, 50) {
				t.Errorf("%s: attachment content changed", id)
			}
		}
		n++
	}
	if n == 0 {
		t.Fatal("checked nothing")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestUpgradeEncrypts: the first sign-in after the upgrade seals every
// value of every enumerator; each then reads their own.
func TestUpgradeEncrypts(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	L := legacyDB(t, path, 30)
	s := MustOpenLocked(t, path)
	if _, err := s.Get(ctx, "uuid:awa-00001"); !errors.Is(err, survey.ErrLocked) {
		t.Fatalf("Get before the first sign-in = %v, want ErrLocked", err)
	}
	if c, err := s.Counts(ctx); err != nil || c["returnee"][survey.StatusDraft] != 10+1 {
		t.Errorf("Counts before the upgrade = %v, %v", c, err)
	}
	if err := s.Unlock(ctx, "awa", "1235"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Fatalf("wrong old PIN = %v", err)
	}
	if err := s.Unlock(ctx, "AWA", "1234"); err != nil {
		t.Fatal(err)
	}
	assertNoMarker(t, path)
	checkLegacy(t, s, L, "awa")
	if _, err := s.Get(ctx, "uuid:bob-00001"); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("awa reads bob's interview: %v", err)
	}
	// bob keeps his PIN; sim, who had no account, gets one while awa (who
	// held sim's interviews at the upgrade) is signed in.
	if err := s.Unlock(ctx, "bob", "123456"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("bob with a wrong PIN = %v", err)
	}
	if err := s.Unlock(ctx, "bob", "567890"); err != nil {
		t.Fatal(err)
	}
	checkLegacy(t, s, L, "bob")
	if err := s.Unlock(ctx, "sim", "246802"); err != nil {
		t.Fatal(err)
	}
	checkLegacy(t, s, L, "sim")
	s.Close()
	// Pending and hashes unchanged: what was sent is not sent again.
	s = MustOpenLocked(t, path)
	if err := s.Unlock(ctx, "bob", "567890"); err != nil { // rewrapped with today's parameters
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "sim", "246802"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "awa", "1234"); err != nil {
		t.Fatal(err)
	}
	checkLegacy(t, s, L, "awa", "bob", "sim")
	// awa's 4-digit PIN is changed for a valid one (the sign-in screen asks).
	if err := s.SetPIN(ctx, "awa", "1234"); !errors.Is(err, survey.ErrBadPIN) {
		t.Errorf("SetPIN(4 digits) = %v, want ErrBadPIN", err)
	}
	if err := s.SetPIN(ctx, "awa", "123456"); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Hash != L.ivs[p.ID].ContentHash() {
			t.Errorf("%s: pending hash changed", p.ID)
		}
	}
	s.Close()
	s = MustOpenLocked(t, path)
	if err := s.Unlock(ctx, "awa", "1234"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("old PIN after the change = %v", err)
	}
	if err := s.Unlock(ctx, "awa", "123456"); err != nil {
		t.Errorf("new PIN = %v", err)
	}
	assertNoMarker(t, path)
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Errorf("upgrade left files behind: %v", m)
	}
}

const upgradeChildEnv = "SIRA_SQLITE_UPGRADE_CHILD"

// TestUpgradeKill kills the first sign-in after the upgrade with SIGKILL at
// random moments (during the copy, the sealing, the swap), then signs in
// again: no interview lost or changed, the database whole, nothing left in
// clear.
func TestUpgradeKill(t *testing.T) {
	if path := os.Getenv(upgradeChildEnv); path != "" {
		s, err := sqlite.Open(context.Background(), path, sqlite.Options{KDF: testKDF})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(3)
		}
		if err := s.Unlock(context.Background(), "awa", "1234"); err != nil {
			fmt.Println("ERR", err)
			os.Exit(3)
		}
		fmt.Println("DONE")
		os.Exit(0)
	}
	rounds := 10
	if testing.Short() {
		rounds = 3
	}
	dir := t.TempDir()
	pristine := filepath.Join(dir, "pristine.db")
	L := legacyDB(t, pristine, 1000)
	copyDB := func(to string) {
		for _, suf := range []string{"", "-wal"} {
			b, err := os.ReadFile(pristine + suf)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to+suf, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(path string, kill time.Duration) (done bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUpgradeKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), upgradeChildEnv+"="+path)
		var out strings.Builder
		cmd.Stdout = &out
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(kill, func() { cmd.Process.Kill() })
		cmd.Wait()
		timer.Stop()
		if strings.Contains(out.String(), "ERR") {
			t.Fatalf("child: %s", out.String())
		}
		return strings.Contains(out.String(), "DONE")
	}
	// How long an uninterrupted upgrade takes here.
	ref := filepath.Join(dir, "ref.db")
	copyDB(ref)
	t0 := time.Now()
	if !run(ref, time.Minute) {
		t.Fatal("uninterrupted upgrade did not finish")
	}
	full := time.Since(t0)
	t.Logf("whole upgrade of %d interviews in a child process: %s", len(L.ivs), full)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	finished := 0
	for r := range rounds {
		path := filepath.Join(dir, fmt.Sprintf("r%02d.db", r))
		copyDB(path)
		at := time.Duration(rng.Int64N(int64(full)))
		if run(path, at) {
			finished++
		}
		s := MustOpenLocked(t, path)
		if err := s.Unlock(context.Background(), "awa", "1234"); err != nil {
			t.Fatalf("round %d (killed at %s): sign in again: %v", r, at, err)
		}
		checkLegacy(t, s, L, "awa")
		if err := s.Unlock(context.Background(), "bob", "567890"); err != nil {
			t.Fatalf("round %d: bob: %v", r, err)
		}
		checkLegacy(t, s, L, "bob")
		var bad string
		if err := s.DB().QueryRow("PRAGMA integrity_check").Scan(&bad); err != nil || bad != "ok" {
			t.Fatalf("round %d: integrity %q %v", r, bad, err)
		}
		s.Close()
		assertNoMarker(t, path)
		if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
			t.Errorf("round %d: files left behind: %v", r, m)
		}
	}
	t.Logf("%d rounds, %d finished before the kill", rounds, finished)
}

// TestUpgradeWaitsForOtherHandles: while another connection has the
// database open the file is not swapped (that connection would go on
// writing to the old one); the next sign-in, alone, encrypts it.
func TestUpgradeWaitsForOtherHandles(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	L := legacyDB(t, path, 5)
	other := MustOpenLocked(t, path)
	if _, err := other.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	s := MustOpenLocked(t, path)
	err := s.Unlock(ctx, "awa", "1234")
	if err == nil || !strings.Contains(err.Error(), "open in another program") {
		t.Fatalf("Unlock with another handle open = %v", err)
	}
	if c, err := other.Counts(ctx); err != nil || c["returnee"][survey.StatusFinalized] == 0 {
		t.Fatalf("the other handle after the refused upgrade: %v, %v", c, err)
	}
	other.Close()
	if err := s.Unlock(ctx, "awa", "1234"); err != nil {
		t.Fatal(err)
	}
	checkLegacy(t, s, L, "awa")
	s.Close()
	assertNoMarker(t, path)
}
