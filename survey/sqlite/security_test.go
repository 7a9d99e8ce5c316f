package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"sira/survey"
	"sira/survey/sqlite"
	"sira/survey/vault"
)

// marker is a string the security tests put in every kind of value, then
// look for in the raw files.
const marker = "Tessalit-MARKER-7f3a"

// assertNoMarker fails if any file of the database at path (the file, its
// WAL, shared memory, journals, an upgrade's copy) holds marker, in UTF-8
// or UTF-16.
func assertNoMarker(t testing.TB, path string) {
	t.Helper()
	files, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no database files at %s", path)
	}
	utf16 := make([]byte, 0, 2*len(marker))
	for _, c := range []byte(marker) {
		utf16 = append(utf16, c, 0)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range [][]byte{[]byte(marker), []byte(marker[:10]), utf16} {
			if i := bytes.Index(b, m); i >= 0 {
				t.Errorf("%s holds %q in clear at byte %d", filepath.Base(f), m, i)
			}
		}
	}
}

// fillWithMarker stores, for E01, interviews whose answers, paradata,
// comment and attachment all carry marker.
func fillWithMarker(t *testing.T, s *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	for i, id := range []string{"uuid:m1", "uuid:m2", "uuid:m3"} {
		iv := draft(id)
		iv.Data = &survey.Record{Values: map[string]string{"/data/name": "Awa " + marker},
			Repeats: map[string][]*survey.Record{"/data/legs": {{Values: map[string]string{"/data/legs/place": marker}}}}}
		iv.Paradata = []survey.Event{{At: iv.Started, Kind: "note", Note: marker}}
		if err := s.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
		for n := range 20 {
			if err := s.SaveAnswer(ctx, id, ref("/data/q"+string(rune('a'+n))), marker+" answer",
				survey.Event{At: iv.Started, Kind: "change", Note: marker}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutAttachment(ctx, id, survey.Attachment{Field: "/data/photo", Name: "p.jpg"},
			strings.NewReader(strings.Repeat(marker, 100+i))); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			continue
		}
		if err := s.Finalize(ctx, id, iv.Started.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	p := mustPending(t, s)
	if err := s.Reject(ctx, p[0].ID, "please check "+marker, p[0].Revision, p[0].Hash); err != nil {
		t.Fatal(err)
	}
}

func TestNoAnswerInClearOnDisk(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpen(t, path)
	fillWithMarker(t, s)
	// Open: the WAL holds the recent transactions.
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("expected a WAL with content: %v", err)
	}
	assertNoMarker(t, path)
	// Everything opens for E01.
	iv, err := s.Get(ctx, "uuid:m1")
	if err != nil || !strings.Contains(iv.Data.Values["/data/name"], marker) || !strings.Contains(iv.Paradata[0].Note, marker) {
		t.Fatalf("Get = %+v, %v", iv, err)
	}
	rc, err := s.OpenAttachment(ctx, iv.Attachments[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(rc)
	if buf.String() != strings.Repeat(marker, 100) {
		t.Errorf("attachment reads back %d bytes", buf.Len())
	}
	ss, err := s.List(ctx, survey.Filter{Status: survey.StatusRejected})
	if err != nil || len(ss) != 1 || !strings.Contains(ss[0].Comment, marker) {
		t.Fatalf("List(rejected) = %+v, %v", ss, err)
	}
	s.Close()
	assertNoMarker(t, path)
}

// TestLocked: without the PIN only metadata is readable.
func TestLocked(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpen(t, path)
	fillWithMarker(t, s)
	s.Close()
	s = MustOpenLocked(t, path)
	counts, err := s.Counts(ctx)
	if err != nil || counts["returnee"][survey.StatusDraft] != 1 {
		t.Errorf("Counts without PIN = %v, %v", counts, err)
	}
	if p, err := s.Pending(ctx); err != nil || len(p) != 1 {
		t.Errorf("Pending without PIN = %v, %v", p, err)
	}
	for name, err := range map[string]error{
		"Get":          func() error { _, err := s.Get(ctx, "uuid:m1"); return err }(),
		"SaveAnswer":   s.SaveAnswer(ctx, "uuid:m1", ref("/data/x"), "y"),
		"AppendEvents": s.AppendEvents(ctx, "uuid:m1", []survey.Event{{Kind: "x"}}),
		"Delete":       s.Delete(ctx, "uuid:m1"),
		"Finalize":     s.Finalize(ctx, "uuid:m1", time.Now()),
		"List(E01)":    func() error { _, err := s.List(ctx, survey.Filter{Enumerator: "E01"}); return err }(),
		"OpenAttachment": func() error {
			iv := mustRaw(t, path, "uuid:m1")
			_, err := s.OpenAttachment(ctx, iv)
			return err
		}(),
		"PutAttachment": func() error {
			_, err := s.PutAttachment(ctx, "uuid:m1", survey.Attachment{Field: "/data/f", Name: "x"}, strings.NewReader("x"))
			return err
		}(),
		"Create": s.Create(ctx, draft("uuid:new")),
	} {
		if !errors.Is(err, survey.ErrLocked) {
			t.Errorf("%s while locked = %v, want ErrLocked", name, err)
		}
	}
	if ss, err := s.List(ctx, survey.Filter{}); err != nil || len(ss) != 0 {
		t.Errorf("List while locked = %d interviews, %v; want none", len(ss), err)
	}
	// A rejection arriving while E01 is not signed in is sealed to E01.
	p := mustPending(t, s)
	if err := s.Reject(ctx, p[0].ID, "again "+marker, p[0].Revision, p[0].Hash); err != nil {
		t.Fatal(err)
	}
	mustUnlock(t, s)
	iv, err := s.Get(ctx, p[0].ID)
	if err != nil || iv.Comment != "again "+marker {
		t.Errorf("comment sealed while locked = %q, %v", iv.Comment, err)
	}
	assertNoMarker(t, path)
}

// mustRaw returns the sha256 of an interview's first attachment, read
// with SQL.
func mustRaw(t *testing.T, path, id string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var h string
	if err := db.QueryRow("SELECT sha256 FROM attachments WHERE interview_id = ?", id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSwappedCiphertexts moves sealed values between interviews and fields
// with SQL: none opens.
func TestSwappedCiphertexts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, sql string
		check     func(s *sqlite.Store) error
	}{
		{"answers between interviews",
			`UPDATE interviews SET data = (SELECT data FROM interviews WHERE id = 'uuid:m2') WHERE id = 'uuid:m1'`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
		{"paradata between interviews",
			`UPDATE paradata SET events = (SELECT events FROM paradata WHERE interview_id = 'uuid:m2' LIMIT 1) WHERE seq = (SELECT min(seq) FROM paradata WHERE interview_id = 'uuid:m1')`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
		{"paradata into answers",
			`UPDATE interviews SET data = (SELECT events FROM paradata WHERE interview_id = 'uuid:m1' LIMIT 1) WHERE id = 'uuid:m1'`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
		{"comment between interviews",
			`UPDATE interviews SET comment = (SELECT comment FROM interviews WHERE comment <> '') WHERE id = 'uuid:m1'`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
		{"attachment key between interviews",
			`UPDATE attachments SET key = (SELECT key FROM attachments WHERE interview_id = 'uuid:m2') WHERE interview_id = 'uuid:m1'`,
			func(s *sqlite.Store) error {
				_, err := s.OpenAttachment(ctx, "")
				if err == nil {
					return nil
				}
				iv, gerr := s.Get(ctx, "uuid:m1")
				if gerr != nil {
					return gerr
				}
				_, err = s.OpenAttachment(ctx, iv.Attachments[0].SHA256)
				return err
			}},
		{"bit flipped in answers",
			`UPDATE interviews SET data = CAST(substr(data, 1, 40) || (CASE WHEN substr(data, 41, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(data, 42) AS BLOB) WHERE id = 'uuid:m1'`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
		{"answers relabelled to another enumerator",
			`UPDATE interviews SET enumerator = 'E02' WHERE id = 'uuid:m1'`,
			func(s *sqlite.Store) error { _, err := s.Get(ctx, "uuid:m1"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := newPath(t)
			s := MustOpen(t, path)
			fillWithMarker(t, s)
			if err := s.Unlock(ctx, "E02", testPIN); err != nil {
				t.Fatal(err)
			}
			if err := tt.check(s); err != nil {
				t.Fatalf("before the swap: %v", err)
			}
			if _, err := s.DB().Exec("DROP TRIGGER interviews_frozen"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			err := tt.check(s)
			if !errors.Is(err, vault.ErrOpen) {
				t.Errorf("after %s: %v, want vault.ErrOpen", tt.name, err)
			}
		})
	}
}

// TestTwoEnumerators: each enumerator's key opens only their interviews.
func TestTwoEnumerators(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpen(t, path) // E01
	a := draft("uuid:e01")
	a.Data = &survey.Record{Values: map[string]string{"/data/name": "E01's " + marker}}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	s.Lock("E01")
	if err := s.Unlock(ctx, "e02", "975310"); err != nil {
		t.Fatal(err)
	}
	b := draft("uuid:e02")
	b.Enumerator = "E02"
	if err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, a.ID); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("E02 reads E01's draft: %v", err)
	}
	if err := s.SaveAnswer(ctx, a.ID, ref("/data/x"), "y"); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("E02 writes E01's draft: %v", err)
	}
	ss, err := s.List(ctx, survey.Filter{Status: survey.StatusDraft})
	if err != nil || len(ss) != 1 || ss[0].ID != b.ID {
		t.Errorf("E02's drafts = %+v, %v; want only uuid:e02", ss, err)
	}
	// E01's PIN does not open E02, and E02's does not open E01.
	if err := s.Unlock(ctx, "E01", "975310"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("E01 with E02's PIN: %v", err)
	}
	if err := s.Unlock(ctx, "E01", testPIN); err != nil {
		t.Fatal(err)
	}
	if iv, err := s.Get(ctx, a.ID); err != nil || iv.Data.Values["/data/name"] != "E01's "+marker {
		t.Errorf("E01 reads own draft: %v", err)
	}
}

// TestEnrolledLaptop: only enrolled ids sign in, case-insensitively; the
// data keys' recovery copies open with the office identity.
func TestEnrolledLaptop(t *testing.T) {
	ctx := context.Background()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := MustOpenLocked(t, newPath(t))
	enr := `{"office":"o1","recipient":"` + id.Recipient().String() + `","fingerprint":"SHA256:x","enumerators":[{"id":"Awa","name":"Awa T.","role":"enumerator"}],"enrolled":"2026-12-07T00:00:00Z"}`
	if err := s.SetSetting(ctx, "enrolment", enr); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "bob", "123456"); !errors.Is(err, survey.ErrNotEnrolled) {
		t.Errorf("Unlock(not enrolled) = %v, want ErrNotEnrolled", err)
	}
	if err := s.Unlock(ctx, "AWA", "123456"); err != nil {
		t.Fatalf("Unlock(AWA) = %v", err)
	}
	iv := draft("uuid:awa")
	iv.Enumerator = "awa"
	iv.Data = &survey.Record{Values: map[string]string{"/data/a": marker}}
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	rks, err := s.RecoveryKeys(ctx)
	if err != nil || len(rks) != 1 || rks[0].Enumerator != "awa" {
		t.Fatalf("RecoveryKeys = %+v, %v", rks, err)
	}
	dk, err := vault.OpenRecovery(rks[0].Key, id)
	if err != nil {
		t.Fatal(err)
	}
	// The recovered key opens the laptop's file, as sira recover does.
	var data []byte
	if err := s.DB().QueryRow("SELECT data FROM interviews WHERE id = 'uuid:awa'").Scan(&data); err != nil {
		t.Fatal(err)
	}
	k, err := vault.FromBytes(dk)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k.Open(nil, data, vault.AD("uuid:awa", "answers")); err != nil || !bytes.Contains(pt, []byte(marker)) {
		t.Errorf("recovered key opens the answers: %v", err)
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := vault.OpenRecovery(rks[0].Key, other); err == nil {
		t.Error("another office's identity opened the recovery copy")
	}
	// sira recover: a store opened at the office unlocks with the key.
	s.Lock("awa")
	if err := s.UnlockRecovered(ctx, "awa", make([]byte, 32)); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("UnlockRecovered(another key) = %v", err)
	}
	if err := s.UnlockRecovered(ctx, "awa", dk); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "uuid:awa"); err != nil || got.Data.Values["/data/a"] != marker {
		t.Errorf("Get after UnlockRecovered: %v", err)
	}
}

// TestPINReset: the office's package and the code read over the phone set
// a new PIN; a wrong code, another enumerator's package or a package
// without its code do not.
func TestPINReset(t *testing.T) {
	ctx := context.Background()
	office, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := newPath(t)
	s := MustOpen(t, path)
	if err := s.SetSetting(ctx, "enrolment", `{"recipient":"`+office.Recipient().String()+`","enumerators":[{"id":"E01"},{"id":"E02"}]}`); err != nil {
		t.Fatal(err)
	}
	fillWithMarker(t, s)
	rks, err := s.RecoveryKeys(ctx)
	if err != nil || len(rks) != 1 {
		t.Fatalf("RecoveryKeys = %v, %v", rks, err)
	}
	s.Close()

	// The office: open the recovery copy, draw a code, build the package.
	dk, err := vault.OpenRecovery(rks[0].Key, office)
	if err != nil {
		t.Fatal(err)
	}
	code, err := vault.NewResetCode()
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.ReplaceAll(code, "-", "")) != vault.CodeLen {
		t.Fatalf("code %q", code)
	}
	pkg, err := vault.SealReset(dk, "E01", code)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pkg, dk) {
		t.Fatal("package holds the key in clear")
	}

	s = MustOpenLocked(t, path)
	if err := s.ResetPIN(ctx, "E01", code, "777777"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("ResetPIN before the package arrived = %v, want ErrNotFound", err)
	}
	if err := s.StorePINReset(ctx, "E01", []byte("junk")); err == nil {
		t.Error("StorePINReset accepted junk")
	}
	if err := s.StorePINReset(ctx, "E01", pkg); err != nil {
		t.Fatal(err)
	}
	wrong, _ := vault.NewResetCode()
	for _, c := range []string{wrong, "", "ABCD"} {
		if err := s.ResetPIN(ctx, "E01", c, "777777"); !errors.Is(err, survey.ErrWrongPIN) {
			t.Errorf("ResetPIN(wrong code %q) = %v, want ErrWrongPIN", c, err)
		}
	}
	if err := s.ResetPIN(ctx, "E01", code, "77"); !errors.Is(err, survey.ErrBadPIN) {
		t.Errorf("ResetPIN(short PIN) = %v, want ErrBadPIN", err)
	}
	// The code as read over the phone: lower case, spaces, O for 0.
	typed := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(code, "-", " "), "0", "o"))
	if err := s.ResetPIN(ctx, "e01", typed, "777777"); err != nil {
		t.Fatalf("ResetPIN = %v", err)
	}
	if iv, err := s.Get(ctx, "uuid:m1"); err != nil || !strings.Contains(iv.Data.Values["/data/name"], marker) {
		t.Fatalf("after reset: %v", err)
	}
	s.Close()
	s = MustOpenLocked(t, path)
	if err := s.Unlock(ctx, "E01", testPIN); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("old PIN after reset = %v, want ErrWrongPIN", err)
	}
	if err := s.Unlock(ctx, "E01", "777777"); err != nil {
		t.Errorf("new PIN after reset = %v", err)
	}
	// The package is used up: the code alone no longer opens anything.
	if err := s.ResetPIN(ctx, "E01", code, "888888"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("second ResetPIN = %v, want ErrNotFound", err)
	}
	// Another enumerator's package does not open E02.
	if err := s.Unlock(ctx, "E02", "222222"); err != nil {
		t.Fatal(err)
	}
	if err := s.StorePINReset(ctx, "E02", pkg); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPIN(ctx, "E02", code, "777777"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("E01's package for E02 = %v, want ErrWrongPIN", err)
	}
	assertNoMarker(t, path)
}

// TestSupervisorSeesAll: a supervisor enrolled as such on the laptop opens
// every enumerator's interviews; an enumerator does not open the
// supervisor's nor another enumerator's.
func TestSupervisorSeesAll(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpenLocked(t, path)
	if err := s.SetSetting(ctx, "enrolment", `{"enumerators":[{"id":"awa","role":"enumerator"},{"id":"bob","role":"enumerator"},{"id":"Sup","role":"supervisor"}]}`); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "sup", "111111"); err != nil {
		t.Fatal(err)
	}
	s.Lock("sup")
	for _, e := range []string{"awa", "bob"} {
		if err := s.Unlock(ctx, e, "222222"); err != nil {
			t.Fatal(err)
		}
		iv := draft("uuid:" + e)
		iv.Enumerator = e
		iv.Data = &survey.Record{Values: map[string]string{"/data/a": e + " " + marker}}
		if err := s.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
		s.Lock(e)
	}
	s.Close()

	s = MustOpenLocked(t, path)
	if err := s.Unlock(ctx, "awa", "222222"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "uuid:bob"); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("awa reads bob's: %v", err)
	}
	s.Close()
	s = MustOpenLocked(t, path)
	if err := s.Unlock(ctx, "SUP", "111111"); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"awa", "bob"} {
		if iv, err := s.Get(ctx, "uuid:"+e); err != nil || iv.Data.Values["/data/a"] != e+" "+marker {
			t.Errorf("supervisor reads %s's: %v", e, err)
		}
	}
	if ss, err := s.List(ctx, survey.Filter{}); err != nil || len(ss) != 2 {
		t.Errorf("supervisor lists %d interviews, %v; want 2", len(ss), err)
	}
}
