package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/survey"
	"sira/survey/sqlite"
)

// runMain runs sira with args and returns its exit code and outputs.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: testGetenv}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// statusFixture stores interviews of two forms in several statuses.
func statusFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sira.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustUnlock(t, s, "E1")
	started := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	add := func(id, form string, st survey.Status) {
		iv := &survey.Interview{ID: id, FormID: form, FormVersion: "1", FormHash: "sha256:00", Enumerator: "E1", Started: started, Status: st}
		if st != survey.StatusDraft {
			iv.Ended = started.Add(time.Hour)
		}
		if err := s.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
	}
	add("uuid:1", "returnee", survey.StatusDraft)
	add("uuid:2", "returnee", survey.StatusFinalized)
	add("uuid:3", "returnee", survey.StatusFinalized)
	add("uuid:4", "returnee", survey.StatusSent)
	add("uuid:5", "returnee", survey.StatusAcknowledged)
	add("uuid:6", "returnee", survey.StatusRejected)
	add("uuid:7", "household", survey.StatusAcknowledged)
	return path
}

func TestStatusJSON(t *testing.T) {
	path := statusFixture(t)
	code, stdout, stderr := runMain(t, "status", "--db", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	// The shape is a contract for scripts: exact keys, integers, sorted by form.
	var got []map[string]any
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode %q: %v", stdout, err)
	}
	want := []map[string]any{
		{"form_id": "household", "draft": json.Number("0"), "finalized": json.Number("0"), "sent": json.Number("0"), "acknowledged": json.Number("1"), "rejected": json.Number("0")},
		{"form_id": "returnee", "draft": json.Number("1"), "finalized": json.Number("2"), "sent": json.Number("1"), "acknowledged": json.Number("1"), "rejected": json.Number("1")},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("status --json = %s\nwant %s", g, w)
	}
	// Every status name the model knows has its key.
	for _, st := range survey.Statuses {
		if _, ok := got[0][string(st)]; !ok {
			t.Errorf("status --json lacks key %q", st)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStatus(t *testing.T) {
	path := statusFixture(t)
	empty := filepath.Join(t.TempDir(), "empty.db")
	s, err := sqlite.Open(context.Background(), empty, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("x", 4096)), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.db")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     string
		noFileMade string
	}{
		{"Table", []string{"status", "--db", path}, 0, []string{"returnee", "household", "acknowledged", "all"}, "", ""},
		{"EmptyJSON", []string{"status", "--db", empty, "--json"}, 0, []string{"[]"}, "", ""},
		{"Garbage", []string{"status", "--db", garbage}, 1, nil, "not an SQLite database", ""},
		{"Missing", []string{"status", "--db", missing}, 1, nil, "no database at", missing},
		{"BadFlag", []string{"status", "--bogus"}, 2, nil, "try sira status -h", ""},
		{"ExtraArg", []string{"status", "--db", path, "extra"}, 2, nil, "unexpected argument", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %s)", code, tt.code, stderr)
			}
			for _, sub := range tt.stdout {
				if !strings.Contains(stdout, sub) {
					t.Errorf("stdout %q lacks %q", stdout, sub)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if tt.noFileMade != "" {
				if _, err := os.Stat(tt.noFileMade); err == nil {
					t.Errorf("status created %s", tt.noFileMade)
				}
			}
		})
	}
}
