package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/intake/postgres"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

func TestIsDSN(t *testing.T) {
	for _, c := range []struct {
		db   string
		want bool
	}{
		{"postgres://postgres@127.0.0.1/test", true},
		{"postgresql://u:p@db.example/sira?sslmode=require", true},
		{"POSTGRES://host/db", true},
		{"intake.db", false},
		{"/srv/sira/intake.db", false},
		{`C:\sira\postgres.db`, false},
		{"postgres.db", false},
		{"", false},
	} {
		if got := postgres.IsDSN(c.db); got != c.want {
			t.Errorf("IsDSN(%q) = %v, want %v", c.db, got, c.want)
		}
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://sira:s3cret@[::1/test", postgres.Options{})
	if err == nil {
		t.Fatal("an invalid DSN was accepted")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// exec runs sql on the test database, outside any store.
func exec(t *testing.T, d, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_test_")
	st, err := postgres.Open(ctx, d, postgres.Options{Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	tok := intake.Token{ID: "abc", Hash: intake.HashToken("x"), Enumerator: "awa", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Kind: intake.TokenDevice}
	if err := st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Reopened through the DSN's search_path, as `sira intake --db` does:
	// nothing is applied twice and the data is there.
	st, err = postgres.Open(ctx, d+"&search_path="+sc, postgres.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if got, err := st.TokenByHash(ctx, tok.Hash); err != nil || !reflect.DeepEqual(*got, tok) {
		t.Errorf("token after reopening: %+v, %v", got, err)
	}
	var versions int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM intake_schema").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if versions != len(files) {
		t.Errorf("%d versions recorded, want %d (one per migration)", versions, len(files))
	}
	st.Close()

	// A schema from a newer Sira is refused, untouched.
	exec(t, d, fmt.Sprintf("INSERT INTO %s.intake_schema VALUES (99, '0099_future.sql', now())", pgx.Identifier{sc}.Sanitize()))
	_, err = postgres.Open(ctx, d, postgres.Options{Schema: sc})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v, want refused as newer", err)
	}
}

func TestNotIntake(t *testing.T) {
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_test_")
	exec(t, d, fmt.Sprintf("CREATE SCHEMA %[1]s; CREATE TABLE %[1]s.tokens (x int)", pgx.Identifier{sc}.Sanitize()))
	_, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
	if !errors.Is(err, postgres.ErrNotIntake) {
		t.Errorf("Open of another program's schema: %v, want ErrNotIntake", err)
	}
}

// TestOpenConcurrent: intake processes starting together on a new schema
// migrate it once.
func TestOpenConcurrent(t *testing.T) {
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_test_")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
}

// TestRejectionsDelivery: a laptop polling while supervisors reject
// concurrently receives every rejection exactly once, by seq.
func TestRejectionsDelivery(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 40, 3, "awa", "dev1")
	in := make([]intake.Incoming, len(ivs))
	for i, iv := range ivs {
		h := iv.ContentHash()
		in[i] = intake.Incoming{Interview: iv, Hash: h, Body: wire.MarshalInterviewHash(iv, h), Size: 100}
	}
	if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, in); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ivs); i += 4 {
				if _, err := st.Reject(ctx, ivs[i].ID, "check", "sup", time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var after int64
	poll := func() {
		rs, err := st.Rejections(ctx, "awa", after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Seq <= after || seen[r.ID] {
				t.Fatalf("rejection %d of %s delivered out of order or twice", r.Seq, r.ID)
			}
			seen[r.ID], after = true, r.Seq
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		poll()
	}
	poll() // what committed after the last poll of the loop
	for len(seen) < len(ivs) {
		n := len(seen)
		poll()
		if len(seen) == n {
			break
		}
	}
	if len(seen) != len(ivs) {
		t.Errorf("the laptop received %d of %d rejections", len(seen), len(ivs))
	}
}

// server is an intake server on a PostgreSQL store behind a real loopback
// HTTP listener, with the test form published and a device token.
type server struct {
	st    *postgres.Store
	http  *httptest.Server
	codec *wire.Codec
	form  *intake.PublishedForm
	token string
	f     func(n int, seed uint64) [][]byte
}

func newServer(tb testing.TB) *server {
	tb.Helper()
	ctx := context.Background()
	st := open(tb)
	srv, err := intake.New(ctx, intake.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	f := wiretest.Form("1")
	if _, err := srv.Publish(ctx, f); err != nil {
		tb.Fatal(err)
	}
	codec, err := srv.Codec(f.Hash)
	if err != nil {
		tb.Fatal(err)
	}
	secret, _, err := intake.CreateToken(ctx, st, "awa", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	s := &server{st: st, http: hs, codec: codec, token: secret}
	s.f = func(n int, seed uint64) [][]byte {
		var frames [][]byte
		for i := range n {
			b, err := codec.Encode(nil, wiretest.Interviews(f, 100, seed+uint64(i), "awa", "dev1"))
			if err != nil {
				tb.Fatal(err)
			}
			frames = append(frames, b)
		}
		return frames
	}
	return s
}

func (s *server) post(c *http.Client, frame []byte) ([]wire.Receipt, error) {
	rs, _, err := intaketest.PostFrame(c, s.http.URL, s.token, s.codec, frame)
	return rs, err
}

// TestServer runs the intake server on PostgreSQL over HTTP: a batch is
// stored, its retry is a duplicate.
func TestServer(t *testing.T) {
	s := newServer(t)
	frame := s.f(1, 42)[0]
	for round, want := range []wire.ReceiptStatus{wire.Stored, wire.Duplicate} {
		rs, err := s.post(http.DefaultClient, frame)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(rs) != 100 {
			t.Fatalf("round %d: %d receipts", round, len(rs))
		}
		for _, r := range rs {
			if r.Status != want {
				t.Fatalf("round %d: %s is %s (%s), want %s", round, r.ID, r.Status, r.Reason, want)
			}
		}
	}
	st, err := s.st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Submissions != 100 || st.Duplicates != 100 || st.Batches != 2 || st.Forms < 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestUnstorableText: an interview whose identity PostgreSQL text cannot
// hold (NUL, invalid UTF-8) is refused as invalid; the rest of its batch is
// stored.
func TestUnstorableText(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	ivs := wiretest.Interviews(wiretest.Form("1"), 4, 11, "awa", "dev1")
	ivs[1].ID = "uuid:\x00bad"
	ivs[2].Enumerator = "a\xffwa"
	in := make([]intake.Incoming, len(ivs))
	for i, iv := range ivs {
		h := iv.ContentHash()
		in[i] = intake.Incoming{Interview: iv, Hash: h, Body: wire.MarshalInterviewHash(iv, h), Size: 100}
	}
	rs, err := st.Ingest(ctx, intake.BatchMeta{Source: "http", Received: time.Now()}, in)
	if err != nil {
		t.Fatal(err)
	}
	var got []wire.ReceiptStatus
	for _, r := range rs {
		got = append(got, r.Status)
	}
	if want := []wire.ReceiptStatus{wire.Stored, wire.Invalid, wire.Invalid, wire.Stored}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("receipts %v, want %v", got, want)
	}
	if n, err := st.CountSubmissions(ctx); err != nil || n != 2 {
		t.Errorf("%d stored (%v), want 2", n, err)
	}
	var items []wire.Item
	for _, iv := range ivs {
		items = append(items, wire.ItemOf(iv))
	}
	held, err := st.Held(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false, true}; fmt.Sprint(held) != fmt.Sprint(want) {
		t.Errorf("Held = %v, want %v", held, want)
	}
	// Lookups by such keys find nothing rather than fail.
	if _, err := st.Form(ctx, "sha256:\x00"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Form: %v, want ErrNotFound", err)
	}
	if _, err := st.TokenByHash(ctx, "\xff"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("TokenByHash: %v, want ErrNotFound", err)
	}
	if xs, err := st.Submissions(ctx, ivs[1].ID); err != nil || len(xs) != 0 {
		t.Errorf("Submissions: %d, %v", len(xs), err)
	}
	if rs, err := st.Rejections(ctx, ivs[2].Enumerator, 0, 10); err != nil || len(rs) != 0 {
		t.Errorf("Rejections: %d, %v", len(rs), err)
	}
}
