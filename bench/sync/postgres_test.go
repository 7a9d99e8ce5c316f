package syncbench_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake/postgres"
)

// BenchmarkIngestStores measures ingest on SQLite and on PostgreSQL in one
// run, the same way (4 clients, batches of 100, the engine's validation):
// on PostgreSQL the CPU per interview counts the database server's
// processes too (read from /proc), since they share the machine.
//
//	go test -run '^$' -bench IngestStores -benchtime 1x -timeout 30m ./bench/sync
func BenchmarkIngestStores(b *testing.B) {
	const batch = 100
	frames, items := ingestFrames(b, 4*5000, batch)
	b.Run("store=sqlite", func(b *testing.B) { benchIngest(b, frames, items) })
	b.Run("store=postgres", func(b *testing.B) {
		d, sc := pgSchema(b)
		st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
		if err != nil {
			b.Fatal(err)
		}
		benchIngestOn(b, startCentralOn(b, st), frames, items, postgresCPU)
	})
}

// pgSchema returns the test database's DSN and a fresh schema dropped at
// the end, or skips when PostgreSQL is unreachable.
func pgSchema(tb testing.TB) (string, string) {
	d := os.Getenv("SIRA_TEST_POSTGRES")
	if d == "" {
		d = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		tb.Skipf("PostgreSQL unreachable: %v", err)
	}
	conn.Close(ctx)
	var r [6]byte
	rand.Read(r[:])
	sc := "sira_bench_" + hex.EncodeToString(r[:])
	tb.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), d)
		if err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{sc}.Sanitize()+" CASCADE")
			conn.Close(context.Background())
		}
	})
	return d, sc
}

// postgresCPU is the user+system CPU time of every process named postgres
// on this machine (the local test server), 0 where /proc cannot tell.
func postgresCPU() time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks int64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != "postgres" {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
		st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
		ticks += ut + st
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ is 100 on Linux
}
