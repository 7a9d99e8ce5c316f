package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sira/survey"
	"sira/survey/sqlite"
	"sira/survey/vault"
)

// clock is a test clock that advances a second per call.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)} }

// testKDF is a cheap argon2id for tests (the production cost is measured
// in BenchmarkUnlock).
var testKDF = vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// testPIN is the PIN of the tests' enumerators.
const testPIN = "246810"

// MustOpen opens a store at path, signs E01 in, and closes it when the
// test ends.
func MustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s := MustOpenLocked(tb, path)
	if err := s.Unlock(context.Background(), "E01", testPIN); err != nil {
		tb.Fatalf("Unlock(E01): %v", err)
	}
	return s
}

// MustOpenLocked opens a store at path with nobody signed in.
func MustOpenLocked(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: newClock().Now, KDF: testKDF})
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func newPath(tb testing.TB) string { return filepath.Join(tb.TempDir(), "sira.db") }

func ref(path string, steps ...survey.Step) survey.Ref { return survey.Ref{Path: path, Repeats: steps} }

func step(path string, i int) survey.Step { return survey.Step{Path: path, Index: i} }

func draft(id string) *survey.Interview {
	return &survey.Interview{
		ID: id, FormID: "returnee", FormVersion: "2026-11", FormHash: "sha256:ab",
		Enumerator: "E01", DeviceID: "dev-1",
		Started: time.Date(2026, 11, 28, 9, 0, 0, 123, time.UTC),
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	iv := draft("uuid:1")
	iv.Paradata = []survey.Event{{At: iv.Started, Kind: "start"}}
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	legs, stops := "/data/legs", "/data/legs/stops"
	saves := []struct {
		ref   survey.Ref
		value string
	}{
		{ref("/data/age"), "34"},
		{ref("/data/name"), "Awa Traoré"},
		{ref("/data/legs/country", step(legs, 1)), "NE"},
		{ref("/data/legs/country", step(legs, 2)), "DZ"},
		{ref("/data/legs/stops/town", step(legs, 2), step(stops, 3)), "Tamanrasset"},
		{ref("/data/cleared"), "typo"},
		{ref("/data/cleared"), ""},
	}
	for _, sv := range saves {
		if err := s.SaveAnswer(ctx, iv.ID, sv.ref, sv.value, survey.Event{At: iv.Started, Kind: "change", Field: sv.ref.String()}); err != nil {
			t.Fatalf("SaveAnswer(%s): %v", sv.ref, err)
		}
	}
	photo := []byte("\x89PNG fake photo bytes")
	a, err := s.PutAttachment(ctx, iv.ID, survey.Attachment{Field: "/data/legs/photo", Name: "p1.png", Type: "image/png"}, bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAttachment(ctx, iv.ID, survey.Attachment{Field: "/data/consent_audio", Name: "a.ogg"}, strings.NewReader("ogg")); err != nil {
		t.Fatal(err)
	}

	got, err := s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantData := &survey.Record{
		Values: map[string]string{"/data/age": "34", "/data/name": "Awa Traoré"},
		Repeats: map[string][]*survey.Record{legs: {
			{Values: map[string]string{"/data/legs/country": "NE"}},
			{Values: map[string]string{"/data/legs/country": "DZ"}, Repeats: map[string][]*survey.Record{stops: {
				{}, {}, {Values: map[string]string{"/data/legs/stops/town": "Tamanrasset"}},
			}}},
		}},
	}
	if !reflect.DeepEqual(got.Data, wantData) {
		t.Errorf("Data = %s, want %s", dump(got.Data), dump(wantData))
	}
	if got, want := len(got.Paradata), 1+len(saves); got != want {
		t.Errorf("len(Paradata) = %d, want %d", got, want)
	}
	wantAtt := []survey.Attachment{
		{Field: "/data/consent_audio", Name: "a.ogg", SHA256: "90308fe99871113bf5490ec73a8813b667adc60fe01530102a6c7bfb73c66481", Size: 3},
		{Field: "/data/legs/photo", Name: "p1.png", SHA256: a.SHA256, Size: int64(len(photo)), Type: "image/png"},
	}
	if !reflect.DeepEqual(got.Attachments, wantAtt) {
		t.Errorf("Attachments = %+v, want %+v", got.Attachments, wantAtt)
	}
	if got, want := got.Status, survey.StatusDraft; got != want {
		t.Errorf("Status = %s, want %s", got, want)
	}
	if !got.Started.Equal(iv.Started) || got.Revision != 1 || got.Enumerator != "E01" || got.FormHash != "sha256:ab" {
		t.Errorf("header = %+v", got)
	}
	rc, err := s.OpenAttachment(ctx, a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, photo) {
		t.Errorf("attachment content = %q, want %q", b, photo)
	}

	// Repeat operations: drop leg 1 (leg 2 moves down), then trim stops.
	if err := s.RemoveRepeatInstance(ctx, iv.ID, survey.Ref{Path: legs, Repeats: []survey.Step{step(legs, 1)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRepeatCount(ctx, iv.ID, ref(stops, step(legs, 1)), 1); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantLegs := []*survey.Record{{Values: map[string]string{"/data/legs/country": "DZ"}, Repeats: map[string][]*survey.Record{stops: {{}}}}}
	if !reflect.DeepEqual(got.Data.Repeats[legs], wantLegs) {
		t.Errorf("legs = %s, want %s", dump(got.Data.Repeats[legs]), dump(wantLegs))
	}
	err = s.RemoveRepeatInstance(ctx, iv.ID, survey.Ref{Path: legs, Repeats: []survey.Step{step(legs, 5)}})
	if !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("RemoveRepeatInstance(legs[5]) = %v, want ErrNotFound", err)
	}

	// SaveData replaces the whole tree, as the engine's recalculation produces it.
	tree := got.Data
	tree.Values["/data/age"] = "35"
	if err := s.SaveData(ctx, iv.ID, tree, survey.Event{At: iv.Started, Kind: "change"}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Data, tree) {
		t.Errorf("after SaveData: %s, want %s", dump(got.Data), dump(tree))
	}

	// Content hash round trip: what Finalize recorded is what Get hashes to.
	if err := s.Finalize(ctx, iv.ID, time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 || p[0].Hash != got.ContentHash() || p[0].Status != survey.StatusFinalized {
		t.Errorf("Pending = %+v, want hash %s", p, got.ContentHash())
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestImmutableAfterFinalize(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	iv := draft("uuid:f")
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(ctx, iv.ID, ref("/data/age"), "20"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	before, err := s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]func() error{
		"SaveAnswer":  func() error { return s.SaveAnswer(ctx, iv.ID, ref("/data/age"), "21") },
		"SaveData":    func() error { return s.SaveData(ctx, iv.ID, &survey.Record{}) },
		"SaveAnswers": func() error { return s.SaveAnswers(ctx, iv.ID, []survey.Change{{Ref: ref("/data/x"), Value: "1"}}) },
		"SetRepeatCount": func() error {
			return s.SetRepeatCount(ctx, iv.ID, ref("/data/legs"), 2)
		},
		"RemoveRepeatInstance": func() error {
			return s.RemoveRepeatInstance(ctx, iv.ID, ref("/data/legs", step("/data/legs", 1)))
		},
		"PutAttachment": func() error {
			_, err := s.PutAttachment(ctx, iv.ID, survey.Attachment{Field: "/data/p", Name: "p.jpg"}, strings.NewReader("x"))
			return err
		},
		"Delete": func() error { return s.Delete(ctx, iv.ID) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			if err := edit(); !errors.Is(err, survey.ErrImmutable) {
				t.Errorf("%s on a finalized interview = %v, want ErrImmutable", name, err)
			}
		})
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("second Finalize = %v, want ErrConflict", err)
	}
	after, err := s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.ContentHash() != before.ContentHash() {
		t.Errorf("content changed after finalize: %s → %s", dump(before.Data), dump(after.Data))
	}
	// Paradata may still be appended: it is not submitted content.
	if err := s.AppendEvents(ctx, iv.ID, []survey.Event{{At: time.Now(), Kind: "view"}}); err != nil {
		t.Errorf("AppendEvents after finalize: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	calls := map[string]func() error{
		"Get":        func() error { _, err := s.Get(ctx, "nope"); return err },
		"SaveAnswer": func() error { return s.SaveAnswer(ctx, "nope", ref("/data/a"), "1") },
		"Finalize":   func() error { return s.Finalize(ctx, "nope", time.Now()) },
		"MarkSent":   func() error { return s.MarkSent(ctx, "nope", 1, "h") },
		"Reopen":     func() error { return s.Reopen(ctx, "nope") },
		"Delete":     func() error { return s.Delete(ctx, "nope") },
		"GetForm":    func() error { _, err := s.GetForm(ctx, "sha256:00"); return err },
		"OpenAttachment": func() error {
			_, err := s.OpenAttachment(ctx, "00")
			return err
		},
		"Setting":      func() error { _, err := s.Setting(ctx, "server_url"); return err },
		"AppendEvents": func() error { return s.AppendEvents(ctx, "nope", []survey.Event{{Kind: "x"}}) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, survey.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", name, err)
			}
		})
	}
	if err := s.Create(ctx, draft("uuid:dup")); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, draft("uuid:dup")); !errors.Is(err, survey.ErrExists) {
		t.Errorf("Create twice = %v, want ErrExists", err)
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	iv := draft("uuid:L")
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, iv.ID, 1, ""); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("MarkSent(draft) = %v, want ErrConflict", err)
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := mustPending(t, s)
	if len(p) != 1 {
		t.Fatalf("Pending = %+v, want one", p)
	}
	h := p[0].Hash
	if err := s.MarkSent(ctx, iv.ID, 1, "sha256:other"); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("MarkSent(wrong hash) = %v, want ErrConflict", err)
	}
	for range 2 { // idempotent
		if err := s.MarkSent(ctx, iv.ID, 1, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkAcknowledged(ctx, iv.ID, 2, h); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("MarkAcknowledged(wrong revision) = %v, want ErrConflict", err)
	}
	for range 2 {
		if err := s.MarkAcknowledged(ctx, iv.ID, 1, h); err != nil {
			t.Fatal(err)
		}
	}
	if p := mustPending(t, s); len(p) != 0 {
		t.Errorf("Pending after ack = %+v, want none", p)
	}
	if err := s.Reopen(ctx, iv.ID); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("Reopen(acknowledged) = %v, want ErrConflict", err)
	}
	if err := s.Reject(ctx, iv.ID, "age missing", 2, ""); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("Reject(wrong revision) = %v, want ErrConflict", err)
	}
	// Another laptop's content at the same revision (a conflict at the
	// office): its rejection is not this laptop's.
	other := "sha256:" + strings.Repeat("ab", 32)
	if err := s.Reject(ctx, iv.ID, "age missing", 1, other); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("Reject(other content) = %v, want ErrConflict", err)
	}
	if got, _ := s.Get(ctx, iv.ID); got.Status != survey.StatusAcknowledged {
		t.Errorf("after a rejection of other content: %s, want still acknowledged", got.Status)
	}
	if err := s.Reject(ctx, iv.ID, "age missing", 1, h); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAnswer(ctx, iv.ID, ref("/data/age"), "30"); !errors.Is(err, survey.ErrImmutable) {
		t.Errorf("SaveAnswer(rejected) = %v, want ErrImmutable", err)
	}
	if err := s.Reopen(ctx, iv.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != survey.StatusDraft || got.Revision != 2 || got.Comment != "age missing" || !got.Ended.IsZero() {
		t.Errorf("after Reopen: status %s revision %d comment %q ended %v", got.Status, got.Revision, got.Comment, got.Ended)
	}
	if err := s.SaveAnswer(ctx, iv.ID, ref("/data/age"), "30"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	p = mustPending(t, s)
	if len(p) != 1 || p[0].Revision != 2 || p[0].Hash == h {
		t.Errorf("Pending after resubmission = %+v (old hash %s)", p, h)
	}
	// An acknowledgement of the first revision must not apply to the second.
	if err := s.MarkAcknowledged(ctx, iv.ID, 1, h); !errors.Is(err, survey.ErrConflict) {
		t.Errorf("stale MarkAcknowledged = %v, want ErrConflict", err)
	}

	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]map[survey.Status]int{"returnee": {survey.StatusFinalized: 1}}; !reflect.DeepEqual(counts, want) {
		t.Errorf("Counts = %v, want %v", counts, want)
	}
	list, err := s.List(ctx, survey.Filter{FormID: "returnee", Status: survey.StatusFinalized})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != iv.ID || list[0].Revision != 2 {
		t.Errorf("List = %+v", list)
	}
	if list, _ := s.List(ctx, survey.Filter{Status: survey.StatusDraft}); len(list) != 0 {
		t.Errorf("List(draft) = %+v, want none", list)
	}
}

func mustPending(t *testing.T, s *sqlite.Store) []survey.PendingInterview {
	t.Helper()
	p, err := s.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttachmentCap(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, newPath(t), sqlite.Options{MaxAttachment: 10, KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	mustUnlock(t, s)
	defer s.Close()
	if err := s.Create(ctx, draft("uuid:a")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		sha     string
		want    error
	}{
		{"AtCap", "0123456789", "", nil},
		{"OverCap", "0123456789X", "", survey.ErrTooLarge},
		{"HashMismatch", "abc", "00ff", survey.ErrConflict},
		{"HashMatch", "abc", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PutAttachment(ctx, "uuid:a", survey.Attachment{Field: "/data/f", Name: tt.name, SHA256: tt.sha}, strings.NewReader(tt.content))
			if !errors.Is(err, tt.want) {
				t.Errorf("PutAttachment(%d bytes) = %v, want %v", len(tt.content), err, tt.want)
			}
		})
	}
	// Replacing a file drops the old content when nothing else uses it.
	a1, err := s.PutAttachment(ctx, "uuid:a", survey.Attachment{Field: "/data/g", Name: "g"}, strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAttachment(ctx, "uuid:a", survey.Attachment{Field: "/data/g", Name: "g"}, strings.NewReader("second")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenAttachment(ctx, a1.SHA256); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("replaced content still stored: %v", err)
	}
}

func TestPIN(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s := MustOpenLocked(t, path)
	for _, bad := range []string{"12", "4821", "48210", "abcdef", "12345a", strings.Repeat("1", 65)} {
		if _, err := s.CheckPIN(ctx, "E01", bad); !errors.Is(err, survey.ErrBadPIN) {
			t.Errorf("CheckPIN(first PIN %q) = %v, want ErrBadPIN", bad, err)
		}
	}
	ok, err := s.CheckPIN(ctx, "E01", "482100")
	if err != nil || !ok {
		t.Fatalf("first CheckPIN = %v, %v; want true (sets the PIN)", ok, err)
	}
	tests := []struct {
		enum, pin string
		want      bool
	}{
		{"E01", "482100", true},
		{"e01", "482100", true}, // ids are case-insensitive
		{"E01", "482200", false},
		{"E01", "4821000", false},
		{"E02", "999999", true}, // first use of E02
		{"E02", "482100", false},
	}
	for _, tt := range tests {
		ok, err := s.CheckPIN(ctx, tt.enum, tt.pin)
		if err != nil || ok != tt.want {
			t.Errorf("CheckPIN(%s, %s) = %v, %v; want %v", tt.enum, tt.pin, ok, err, tt.want)
		}
	}
	if err := s.Unlock(ctx, "E01", "000001"); !errors.Is(err, survey.ErrWrongPIN) {
		t.Errorf("Unlock(wrong PIN) = %v, want ErrWrongPIN", err)
	}
	if err := s.SetPIN(ctx, "E01", "000000"); err != nil {
		t.Fatal(err)
	}
	s.Lock("E01")
	if err := s.SetPIN(ctx, "E01", "111111"); !errors.Is(err, survey.ErrLocked) {
		t.Errorf("SetPIN of a locked enumerator = %v, want ErrLocked", err)
	}
	if ok, _ := s.CheckPIN(ctx, "E01", "482100"); ok {
		t.Error("old PIN accepted after SetPIN")
	}
	if ok, _ := s.CheckPIN(ctx, "E01", "000000"); !ok {
		t.Error("new PIN refused after SetPIN")
	}
	// Stored: wrapped keys only, never the PIN or the key in clear.
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT enumerator, pin_wrap FROM keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var w []byte
		if err := rows.Scan(&id, &w); err != nil {
			t.Fatal(err)
		}
		n++
		if len(w) < 60 || bytes.Contains(w, []byte("000000")) || bytes.Contains(w, []byte("999999")) {
			t.Errorf("stored key for %s = %x, want a wrapped key without the PIN", id, w)
		}
	}
	if n != 2 {
		t.Errorf("%d keys stored, want 2", n)
	}
}

func TestDeviceIDAndSettings(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	mustUnlock(t, s)
	id1, err := s.DeviceID(ctx)
	if err != nil || id1 == "" {
		t.Fatalf("DeviceID = %q, %v", id1, err)
	}
	if err := s.SetSetting(ctx, "server_url", "https://intake.example"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "device_id", "forged"); err == nil {
		t.Error("SetSetting(device_id) succeeded, want refusal")
	}
	s.Close()
	s = MustOpen(t, path)
	id2, err := s.DeviceID(ctx)
	if err != nil || id2 != id1 {
		t.Errorf("DeviceID after reopen = %q, %v; want %q", id2, err, id1)
	}
	if v, err := s.Setting(ctx, "server_url"); err != nil || v != "https://intake.example" {
		t.Errorf("Setting(server_url) = %q, %v", v, err)
	}
	// Create fills in a missing device id.
	iv := draft("uuid:d")
	iv.DeviceID = ""
	if err := s.Create(ctx, iv); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, iv.ID); got.DeviceID != id1 {
		t.Errorf("Create's device id = %q, want %q", got.DeviceID, id1)
	}
}

func TestForms(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	for _, f := range []struct{ id, v, h string }{{"returnee", "1", "sha256:01"}, {"returnee", "2", "sha256:02"}, {"returnee", "1", "sha256:01"}} {
		if err := s.PutForm(ctx, f.id, f.v, f.h, []byte(`{"form_id":"`+f.id+`","version":"`+f.v+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Forms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Version != "2" || fs[1].Version != "1" {
		t.Errorf("Forms = %+v, want versions 2 then 1", fs)
	}
	b, err := s.GetForm(ctx, "sha256:02")
	if err != nil || !strings.Contains(string(b), `"version":"2"`) {
		t.Errorf("GetForm = %s, %v", b, err)
	}
}

func TestInsertBulk(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, newPath(t))
	var ivs []*survey.Interview
	for i := range 50 {
		iv := draft("uuid:b" + string(rune('A'+i)))
		iv.Status = survey.StatusFinalized
		iv.Ended = iv.Started.Add(time.Hour)
		iv.Data = &survey.Record{Values: map[string]string{"/data/i": string(rune('A' + i))}}
		ivs = append(ivs, iv)
	}
	if err := s.Insert(ctx, ivs); err != nil {
		t.Fatal(err)
	}
	p := mustPending(t, s)
	if len(p) != 50 {
		t.Fatalf("Pending = %d, want 50", len(p))
	}
	got, err := s.Get(ctx, p[7].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentHash() != p[7].Hash {
		t.Errorf("stored hash %s != ContentHash of Get %s", p[7].Hash, got.ContentHash())
	}
	// All or nothing: a duplicate in a batch stores none of it.
	dup := []*survey.Interview{draft("uuid:new1"), draft("uuid:bA")}
	if err := s.Insert(ctx, dup); !errors.Is(err, survey.ErrExists) {
		t.Errorf("Insert with duplicate = %v, want ErrExists", err)
	}
	if _, err := s.Get(ctx, "uuid:new1"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("partial insert: Get(uuid:new1) = %v, want ErrNotFound", err)
	}
}

func TestMigrationsFromEmptyFile(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
	if err != nil {
		t.Fatalf("Open(empty file): %v", err)
	}
	mustUnlock(t, s)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, n int
	var mode string
	if err := db.QueryRow("SELECT max(version), count(*) FROM schema_version").Scan(&v, &n); err != nil {
		t.Fatal(err)
	}
	if v != sqlite.SchemaVersion() || n != sqlite.SchemaVersion() {
		t.Errorf("schema_version: max %d, %d rows; want %d", v, n, sqlite.SchemaVersion())
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Reopening an up-to-date database applies nothing and keeps the data.
	s = MustOpen(t, path)
	if err := s.Create(ctx, draft("uuid:m")); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefuses checks that files Sira must not touch are refused with a
// clear error and left byte-for-byte as they were.
func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	newer := func(t *testing.T, path string) {
		s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
		if err != nil {
			t.Fatal(err)
		}
		mustUnlock(t, s)
		if err := s.Create(ctx, draft("uuid:keep")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("INSERT INTO schema_version (version, name, applied) VALUES (?, 'future.sql', 0)", sqlite.SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
	}
	corrupt := func(t *testing.T, path string) {
		s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
		if err != nil {
			t.Fatal(err)
		}
		mustUnlock(t, s)
		for i := range 200 {
			iv := draft("uuid:c" + strings.Repeat("x", i))
			iv.Data = &survey.Record{Values: map[string]string{"/data/note": strings.Repeat("lorem ipsum ", 50)}}
			if err := s.Create(ctx, iv); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Keep the header, scribble over the b-tree pages.
		for i := 4096 + 100; i < len(b); i += 7 {
			b[i] ^= 0x5a
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	foreign := func(t *testing.T, path string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
	}{
		{"NewerSchema", newer, sqlite.ErrNewerSchema},
		{"Garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a database\n"), 500), 0o600)
		}, sqlite.ErrNotDatabase},
		{"ShortFile", func(t *testing.T, path string) { os.WriteFile(path, []byte("SQLite format 3\x00"), 0o600) }, sqlite.ErrNotDatabase},
		{"CorruptPages", corrupt, sqlite.ErrNotDatabase},
		{"OtherProgram", foreign, sqlite.ErrNotDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := newPath(t)
			tt.setup(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, openErr := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
			if openErr == nil {
				s.Close()
				t.Fatalf("Open succeeded, want %v", tt.want)
			}
			if !errors.Is(openErr, tt.want) {
				t.Errorf("Open = %v, want %v", openErr, tt.want)
			}
			if !strings.Contains(openErr.Error(), path) || !strings.Contains(openErr.Error(), "not changed") {
				t.Errorf("error %q should name the file and say it was not changed", openErr)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("file changed by a refused Open (%d → %d bytes)", len(before), len(after))
			}
			var se *sqlite.SchemaError
			if tt.want == sqlite.ErrNewerSchema && (!errors.As(openErr, &se) || se.Found != sqlite.SchemaVersion()+1) {
				t.Errorf("error %v: want a *SchemaError with Found %d", openErr, sqlite.SchemaVersion()+1)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"XDG_DATA_HOME": "/x/data", "HOME": "/home/a", "LOCALAPPDATA": `C:\Users\a\AppData\Local`}
	p, err := sqlite.DefaultPath(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(filepath.ToSlash(p), "sira/sira.db") {
		t.Errorf("DefaultPath = %q, want …/sira/sira.db", p)
	}
}

// TestTwoHandles writes through two Stores on one file at once, as the
// collector and a sync running beside it do: immediate transactions and the
// busy timeout serialise them without SQLITE_BUSY.
func TestTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	a, b := MustOpen(t, path), MustOpen(t, path)
	for _, id := range []string{"uuid:a", "uuid:b"} {
		if err := a.Create(ctx, draft(id)); err != nil {
			t.Fatal(err)
		}
	}
	const n = 100
	errc := make(chan error, 2)
	for _, w := range []struct {
		s  *sqlite.Store
		id string
	}{{a, "uuid:a"}, {b, "uuid:b"}} {
		go func() {
			for i := range n {
				if err := w.s.SaveAnswer(ctx, w.id, ref(fmt.Sprintf("/data/q%d", i)), "x"); err != nil {
					errc <- err
					return
				}
				if _, err := w.s.Get(ctx, "uuid:a"); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"uuid:a", "uuid:b"} {
		iv, err := a.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(iv.Data.Values); got != n {
			t.Errorf("%s: %d answers, want %d", id, got, n)
		}
	}
}

// TestUpgrade opens a database of schema version 1: the missing
// migrations are applied and the data kept (encrypted at the first
// sign-in: upgrade_test.go).
func TestUpgrade(t *testing.T) {
	ctx := context.Background()
	path := newPath(t)
	if err := sqlite.CreateAtVersion(ctx, path, 1); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO interviews (id, form_id, form_version, form_hash, enumerator, device_id, started, ended,
		status, revision, comment, updated, data, content_hash) VALUES ('uuid:up', 'returnee', '1', 'sha256:ab', 'E01', 'dev', 1, 2,
		'finalized', 1, '', 3, CAST('{"values":{"/data/a":"x"}}' AS BLOB), 'sha256:cd')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := MustOpen(t, path)
	if iv, err := s.Get(ctx, "uuid:up"); err != nil || iv.Data.Values["/data/a"] != "x" {
		t.Fatalf("after upgrade: %v, %v", iv, err)
	}
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("SELECT max(version) FROM schema_version").Scan(&v); err != nil || v != sqlite.SchemaVersion() {
		t.Errorf("schema version after upgrade = %d, %v; want %d", v, err, sqlite.SchemaVersion())
	}
	// The database itself now refuses to change a finalized interview.
	for _, q := range []string{`UPDATE interviews SET data = X'7B7D' WHERE id = 'uuid:up'`, `DELETE FROM interviews WHERE id = 'uuid:up'`} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "sira:") {
			t.Errorf("%s on a finalized interview: %v, want the trigger's refusal", q, err)
		}
	}
}

// TestPragmas checks the settings durability rests on, on a pooled connection.
func TestPragmas(t *testing.T) {
	s := MustOpen(t, newPath(t))
	tests := []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL: the WAL is synced at every commit
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"application_id", "1397314113"},
		{"secure_delete", "1"}, // freed content overwritten
		{"temp_store", "2"},    // MEMORY: no temporary files
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", tt.pragma, got, err, tt.want)
		}
	}
	// Bulk loading (sira simulate) relaxes only synchronous, still in WAL.
	b, err := sqlite.Open(context.Background(), newPath(t), sqlite.Options{BulkLoad: true, KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tt := range []struct{ pragma, want string }{{"journal_mode", "wal"}, {"synchronous", "1"}} {
		var got string
		if err := b.DB().QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("bulk load: PRAGMA %s = %q, %v; want %q", tt.pragma, got, err, tt.want)
		}
	}
}

// TestOddPaths opens databases in directories whose names need escaping in
// the read-only URI used to inspect existing files.
func TestOddPaths(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{"with space", "Traoré données", "100% sure", "a+b=c&d"} {
		t.Run(dir, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), dir, "sira.db")
			for range 2 { // create, then inspect and reopen
				s, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF})
				if err != nil {
					t.Fatal(err)
				}
				mustUnlock(t, s)
				if _, err := s.DeviceID(ctx); err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
		})
	}
	if _, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "what?.db"), sqlite.Options{}); err == nil {
		t.Error("Open(path with ?) succeeded, want a clear refusal")
	}
}

// TestLateSyncMarks: a receipt of revision 1 that lands after the
// interview was rejected (a second session, a slow response) must leave it
// rejected, and after Reopen must leave the enumerator's draft of revision
// 2 alone: neither sent nor acknowledged, so it is offered once finalized.
func TestLateSyncMarks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		reopen bool
		want   survey.Status
		rev    int
	}{
		{"rejected", false, survey.StatusRejected, 1},
		{"reopened", true, survey.StatusDraft, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpen(t, newPath(t))
			iv := draft("uuid:late")
			if err := s.Create(ctx, iv); err != nil {
				t.Fatal(err)
			}
			if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			h := mustPending(t, s)[0].Hash
			if err := s.Reject(ctx, iv.ID, "check", 1, ""); err != nil {
				t.Fatal(err)
			}
			if tc.reopen {
				if err := s.Reopen(ctx, iv.ID); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.MarkSent(ctx, iv.ID, 1, h); !errors.Is(err, survey.ErrConflict) {
				t.Errorf("late MarkSent = %v, want ErrConflict", err)
			}
			if err := s.MarkAcknowledged(ctx, iv.ID, 1, h); !errors.Is(err, survey.ErrConflict) {
				t.Errorf("late MarkAcknowledged = %v, want ErrConflict", err)
			}
			got, err := s.Get(ctx, iv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want || got.Revision != tc.rev {
				t.Errorf("after late marks: %s revision %d, want %s revision %d", got.Status, got.Revision, tc.want, tc.rev)
			}
			if !tc.reopen {
				return
			}
			if err := s.Finalize(ctx, iv.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			if p := mustPending(t, s); len(p) != 1 || p[0].Revision != 2 || p[0].Hash == h {
				t.Errorf("revision 2 not offered: %+v", p)
			}
		})
	}
}

// mustUnlock signs E01 in.
func mustUnlock(tb testing.TB, s *sqlite.Store) {
	tb.Helper()
	if err := s.Unlock(context.Background(), "E01", testPIN); err != nil {
		tb.Fatalf("Unlock(E01): %v", err)
	}
}
