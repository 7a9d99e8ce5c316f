package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

func TestIntakeTokenCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	code, out, errs := runMain(t, "intake", "token", "create", "--db", db, "--enumerator", "awa")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, "sira_") || strings.ContainsAny(tok, " \t") || len(tok) < 40 {
		t.Fatalf("last line %q is not the token alone", tok)
	}
	// Revoke it by value; revoking again finds nothing valid.
	if code, _, errs := runMain(t, "intake", "token", "revoke", "--db", db, tok); code != 0 {
		t.Fatalf("revoke: exit %d: %s", code, errs)
	}
	if code, _, _ := runMain(t, "intake", "token", "revoke", "--db", db, tok); code != 1 {
		t.Errorf("second revoke: exit %d, want 1", code)
	}
	// The database keeps only the hash.
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), tok) {
		t.Error("the token secret is stored in the database")
	}
	if code, _, _ := runMain(t, "intake", "token", "create", "--db", db); code != 2 {
		t.Errorf("create without --enumerator: exit %d, want 2", code)
	}
}

func TestIntakeImportTwice(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "intake.db")
	f := wiretest.Form("1")
	body, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	formPath := filepath.Join(dir, "form.json")
	if err := os.WriteFile(formPath, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runMain(t, "intake", "form", "publish", "--db", db, formPath); code != 0 || !strings.Contains(out, "published") {
		t.Fatalf("publish: exit %d: %s %s", code, out, errs)
	}

	// A batch file as `sira sync --out` writes it: two frames and an attachment.
	c, err := wire.NewCodec(f)
	if err != nil {
		t.Fatal(err)
	}
	ivs := wiretest.Interviews(f, 30, 9, "awa", "dev1")
	file := filepath.Join(dir, "batch.sira")
	fh, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := wire.NewFileWriter(fh)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range [][]int{{0, 20}, {20, 30}} {
		fr, err := c.Encode(nil, ivs[part[0]:part[1]])
		if err != nil {
			t.Fatal(err)
		}
		fw.WriteFrame(fr)
	}
	att, _ := wire.AttachmentFrame("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", []byte("foo"))
	if err := fw.WriteFrame(att); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	imp := func() intake.ImportResult {
		code, out, errs := runMain(t, "intake", "import", "--db", db, "--json", "--legacy", file)
		if code != 0 {
			t.Fatalf("import: exit %d: %s", code, errs)
		}
		var r intake.ImportResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("import --json: %v: %s", err, out)
		}
		return r
	}
	stats := func() map[string]int64 {
		code, out, errs := runMain(t, "intake", "stats", "--db", db, "--json")
		if code != 0 {
			t.Fatalf("stats: exit %d: %s", code, errs)
		}
		var m map[string]int64
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("stats --json: %v: %s", err, out)
		}
		for _, k := range []string{"submissions", "duplicates", "conflicts", "bytes_received"} {
			if _, ok := m[k]; !ok {
				t.Errorf("stats --json lacks %q", k)
			}
		}
		return m
	}
	// An old batch file proves nothing of its origin: refused unless
	// --legacy says the operator knows where it came from.
	if code, _, errs := runMain(t, "intake", "import", "--db", db, file); code != 1 || !strings.Contains(errs, "--legacy") {
		t.Fatalf("legacy file without --legacy: exit %d: %s", code, errs)
	}
	r1 := imp()
	if r1.Counts[wire.Stored] != 30 || r1.Attachments != 1 || r1.Frames != 3 {
		t.Fatalf("first import: %+v", r1.Counts)
	}
	s1 := stats()
	r2 := imp()
	if r2.Counts[wire.Duplicate] != 30 || len(r2.Counts) != 1 || r2.Attachments != 0 {
		t.Fatalf("second import: %+v", r2.Counts)
	}
	s2 := stats()
	for _, k := range []string{"submissions", "interviews", "conflicts", "attachments", "updated", "invalid"} {
		if s1[k] != s2[k] {
			t.Errorf("importing twice changed %s: %d → %d", k, s1[k], s2[k])
		}
	}
	if s2["submissions"] != 30 || s2["duplicates"] != 30 {
		t.Errorf("stats after two imports: %v", s2)
	}

	// A damaged file stores nothing and fails.
	raw, _ := os.ReadFile(file)
	bad := filepath.Join(dir, "bad.sira")
	os.WriteFile(bad, raw[:len(raw)-10], 0o600)
	db2 := filepath.Join(dir, "fresh.db")
	if code, _, errs := runMain(t, "intake", "form", "publish", "--db", db2, formPath); code != 0 {
		t.Fatalf("publish: %s", errs)
	}
	if code, _, errs := runMain(t, "intake", "import", "--db", db2, "--legacy", bad); code != 1 || !strings.Contains(errs, "truncated") {
		t.Errorf("truncated file: exit %d: %s", code, errs)
	}
	db = db2
	if s3 := stats(); s3["submissions"] != 0 {
		t.Errorf("a truncated file stored something: %v", s3)
	}
}

func TestIntakeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"intake"}, {"intake", "nope"}, {"intake", "stats"}, {"intake", "serve", "--db", "x", "--upstream", "http://x"},
		{"intake", "import", "--db", "x"},
	} {
		if code, _, _ := runMain(t, args...); code != 2 {
			t.Errorf("sira %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestIntakeServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "intake.db")
	code, out, errs := runMain(t, "intake", "token", "create", "--db", db, "--enumerator", "awa")
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: testGetenv}
	exited := make(chan int, 1)
	go func() { exited <- Main(ctx, env, []string{"intake", "serve", "--db", db, "--addr", "127.0.0.1:0"}) }()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, after, ok := strings.Cut(stderr.String(), "listening on "); ok {
			base = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", stderr.String())
	}
	post := func(tok string) (int, []byte) {
		req, _ := http.NewRequest("POST", base+wire.PathDownstream, strings.NewReader(`{"forms":[]}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := post(token)
	var d wire.Downstream
	if status != 200 || json.Unmarshal(body, &d) != nil {
		t.Fatalf("downstream: %d %s", status, body)
	}
	// The built-in forms (returnee survey, flow count) are known to every intake.
	if len(d.Forms) != 2 || d.Forms[0].Hash == "" || d.Forms[1].Hash == "" {
		t.Errorf("a fresh intake offers %d forms, want the two built-in ones", len(d.Forms))
	}
	status, body = post("sira_wrong")
	var eb wire.ErrorBody
	if status != 401 || json.Unmarshal(body, &eb) != nil || eb.Error.Code != wire.CodeUnauthorized || eb.Error.Message == "" {
		t.Errorf("wrong token: %d %s", status, body)
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}
