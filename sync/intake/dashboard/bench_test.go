package dashboard_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sira/sync/intake/dashboard"
	isqlite "sira/sync/intake/sqlite"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

const benchRows = 1_000_000

var benchPosts = []string{"gogui", "diboli", "kouremale", "heremakono", "zegoua", "benena", "koury", "faragouaran", "labbezanga", "bamako_airport", "sikasso_bus", "other"}

// benchDB generates benchRows interviews straight into the projection
// table of a fresh database, once per test binary (about a minute), with
// indexes built after the rows as a bulk load would.
func benchDB(tb testing.TB) string {
	tb.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "sira-dash-bench-*")
		if benchErr != nil {
			return
		}
		path := filepath.Join(benchDir, "intake.db")
		benchErr = generate(path)
	})
	if benchErr != nil {
		tb.Fatal(benchErr)
	}
	return filepath.Join(benchDir, "intake.db")
}

func generate(path string) error {
	ctx := context.Background()
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	st.Close()
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	// Indexes and triggers are dropped for the load and made again after,
	// as a bulk load would; the counts are then filled in one statement.
	rows, err := db.Query(`SELECT name, type, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'dash_interviews' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	var idx []string
	for rows.Next() {
		var name, typ, q string
		if err := rows.Scan(&name, &typ, &q); err != nil {
			return err
		}
		idx = append(idx, q)
		if _, err := db.Exec(`DROP ` + typ + ` ` + name); err != nil {
			return err
		}
	}
	rows.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	ins, err := tx.Prepare(`INSERT INTO dash_interviews (id, seq, revision, revisions, form, post, enumerator, device, status, review, review_rev, started, day, received, kx, kn)
		VALUES (?, ?, ?, ?, 'returnee', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	statuses := []string{"received", "received", "received", "received", "received", "received", "received", "received", "revised", "conflict"}
	reviews := []string{"pending", "pending", "pending", "approved", "approved", "approved", "approved", "approved", "approved", "rejected"}
	for i := range benchRows {
		post := benchPosts[rng.IntN(len(benchPosts))]
		enum := fmt.Sprintf("enq%03d", rng.IntN(300))
		started := base.Add(time.Duration(rng.Int64N(int64(330 * 24 * time.Hour))))
		st := statuses[rng.IntN(len(statuses))]
		rev := 1
		if st == "revised" {
			rev = 2
		}
		kx := fmt.Sprintf("%s\x1f%d\x1f%s", []string{"male", "female"}[rng.IntN(2)], rng.IntN(9), post)
		if _, err := ins.Exec(fmt.Sprintf("uuid:%08x-bench-%07d", rng.Uint32(), i), i+1, rev, rev, post, enum, "dev-"+enum, st,
			reviews[rng.IntN(len(reviews))], rev, started.Format("2006-01-02T15:04:05.000Z"), started.Format(time.DateOnly),
			started.Add(48*time.Hour).Format("2006-01-02T15:04:05.000Z"), kx, 15+rng.IntN(60)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, q := range idx {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	if _, err := db.Exec(`INSERT INTO dash_counts (day, form, post, enumerator, device, status, review, n, last_received)
		SELECT day, form, post, enumerator, device, status, review, count(*), max(received)
		FROM dash_interviews GROUP BY day, form, post, enumerator, device, status, review`); err != nil {
		return err
	}
	if _, err := db.Exec(`INSERT INTO dash_totals (form, post, enumerator, device, status, review, n, last_received)
		SELECT form, post, enumerator, device, status, review, count(*), max(received)
		FROM dash_interviews GROUP BY form, post, enumerator, device, status, review`); err != nil {
		return err
	}
	_, err = db.Exec(`ANALYZE`)
	return err
}

func benchDashboard(b *testing.B) (*dashboard.Dashboard, *sql.DB) {
	b.Helper()
	path := benchDB(b)
	ctx := context.Background()
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db, err := dashboard.OpenDB(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	d, err := dashboard.New(dashboard.Config{DB: db, Store: st, Office: openOffice(b, path), Logger: slogDiscard()})
	if err != nil {
		b.Fatal(err)
	}
	return d, db
}

// BenchmarkInterviewsPage is one page (50 rows) of the interviews table at
// a million projected interviews, for the filters the page offers; "deep"
// is page 200 of the unfiltered table (keyset paging: same cost).
func BenchmarkInterviewsPage(b *testing.B) {
	d, _ := benchDashboard(b)
	ctx := context.Background()
	admin := &dashboard.User{Name: "a", Role: dashboard.RoleAdmin}
	sup := &dashboard.User{Name: "s", Role: dashboard.RoleSupervisor, Posts: []string{"gogui", "diboli"}}
	cases := []struct {
		name string
		u    *dashboard.User
		f    dashboard.Filter
	}{
		{"all", admin, dashboard.Filter{}},
		{"form", admin, dashboard.Filter{Form: "returnee"}},
		{"post", admin, dashboard.Filter{Post: "zegoua"}},
		{"enumerator", admin, dashboard.Filter{Enumerator: "enq042"}},
		{"status=conflict", admin, dashboard.Filter{Status: "conflict"}},
		{"review=rejected", admin, dashboard.Filter{Review: "rejected"}},
		{"post+review", admin, dashboard.Filter{Post: "gogui", Review: "pending"}},
		{"enumerator+dates", admin, dashboard.Filter{Enumerator: "enq007", From: "2026-03-01", To: "2026-03-31"}},
		{"week", admin, dashboard.Filter{From: "2026-06-01", To: "2026-06-07"}},
		{"supervisor", sup, dashboard.Filter{}},
		{"supervisor+review", sup, dashboard.Filter{Review: "rejected"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := d.Interviews(ctx, c.u, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Rows) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
	b.Run("deep", func(b *testing.B) {
		f := dashboard.Filter{}
		for range 200 {
			p, err := d.Interviews(ctx, admin, f)
			if err != nil {
				b.Fatal(err)
			}
			f.After = p.Next
		}
		for b.Loop() {
			if _, err := d.Interviews(ctx, admin, f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInterviewsCount is the capped count shown above the table.
func BenchmarkInterviewsCount(b *testing.B) {
	d, _ := benchDashboard(b)
	ctx := context.Background()
	admin := &dashboard.User{Name: "a", Role: dashboard.RoleAdmin}
	for _, c := range []struct {
		name string
		f    dashboard.Filter
	}{{"all", dashboard.Filter{}}, {"enumerator", dashboard.Filter{Enumerator: "enq042"}}, {"post+review", dashboard.Filter{Post: "gogui", Review: "rejected"}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := d.Count(ctx, admin, c.f, 10000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompletion is the completion page's numbers at a million rows.
func BenchmarkCompletion(b *testing.B) {
	d, _ := benchDashboard(b)
	ctx := context.Background()
	admin := &dashboard.User{Name: "a", Role: dashboard.RoleAdmin}
	for b.Loop() {
		if _, err := d.Completion(ctx, admin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInterviewsHTTP is the whole interviews page as a browser gets
// it at a million interviews: session, role check, catch-up, the page of
// 50 rows, the count, the filter menus and the HTML.
func BenchmarkInterviewsHTTP(b *testing.B) {
	d, db := benchDashboard(b)
	ctx := context.Background()
	u := &dashboard.Users{DB: db, KDF: testKDF}
	if err := u.Add(ctx, dashboard.User{Name: "bench", Role: dashboard.RoleAdmin}, password); err != nil && !errors.Is(err, dashboard.ErrUserExists) {
		b.Fatal(err)
	}
	hs := httptest.NewServer(d)
	defer hs.Close()
	e := &env{t: b, ctx: ctx, hs: hs}
	br := e.signedIn("bench")
	for _, q := range []string{"", "?post=zegoua", "?post=gogui&review=rejected", "?from=2026-06-01&to=2026-06-30", "?enumerator=enq042&status=revised"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if p := br.get("/dashboard/interviews" + q); p.status != 200 {
					b.Fatalf("status %d", p.status)
				}
			}
		})
	}
	b.Run("completion", func(b *testing.B) {
		for b.Loop() {
			if p := br.get("/dashboard/"); p.status != 200 {
				b.Fatalf("status %d", p.status)
			}
		}
	})
}

// BenchmarkCatchUp projects 400 stored submissions from cursor 0 (the
// cost per interview of the indexer: read, decode, project, upsert).
func BenchmarkCatchUp(b *testing.B) {
	e := newEnv(b)
	for i := range 4 {
		e.ingest(e.simulate(100, uint64(40+i), fmt.Sprintf("enq%d", i), benchPosts[i], nil), "")
	}
	ds, err := e.d.DupSettings(e.ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := e.d.SetDupSettings(e.ctx, ds); err != nil { // cursor back to 0
			b.Fatal(err)
		}
		n, err := e.d.CatchUp(e.ctx, 0)
		if err != nil || n != 400 {
			b.Fatalf("caught up %d: %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*400), "µs/interview")
}

// BenchmarkDuplicates is the probable-duplicates query (first 200 pairs)
// at a million projected interviews whose keys collide often.
func BenchmarkDuplicates(b *testing.B) {
	d, _ := benchDashboard(b)
	ctx := context.Background()
	admin := &dashboard.User{Name: "a", Role: dashboard.RoleAdmin}
	for b.Loop() {
		pairs, _, err := d.Duplicates(ctx, admin, 200)
		if err != nil {
			b.Fatal(err)
		}
		if len(pairs) == 0 {
			b.Fatal("no pairs")
		}
	}
}
