package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// TestIngestRetriedAfterDroppedConnection: the server ends every
// connection of the store's pool between two batches (as a restart or a
// proxy would); the next batch is retried on a new connection and stored,
// without an error reaching the caller.
func TestIngestRetriedAfterDroppedConnection(t *testing.T) {
	ctx := context.Background()
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_test_")
	var b [4]byte
	rand.Read(b[:])
	app := "sira_drop_" + hex.EncodeToString(b[:])
	sep := "?"
	if strings.Contains(d, "?") {
		sep = "&"
	}
	st, err := postgres.Open(ctx, d+sep+"application_name="+app, postgres.Options{Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 20, 5, "awa", "dev1")
	in := func(lo, hi int) []intake.Incoming {
		var out []intake.Incoming
		for _, iv := range ivs[lo:hi] {
			h := iv.ContentHash()
			out = append(out, intake.Incoming{Interview: iv, Hash: h, Body: wire.MarshalInterviewHash(iv, h), Size: 100})
		}
		return out
	}
	if _, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, in(0, 10)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ended int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) x`, app).Scan(&ended); err != nil {
		t.Fatal(err)
	}
	if ended == 0 {
		t.Fatal("no connection of the store to end")
	}
	rs, err := st.Ingest(ctx, intake.BatchMeta{Source: "import", Received: time.Now()}, in(10, 20))
	if err != nil {
		t.Fatalf("the batch after %d dropped connections failed: %v", ended, err)
	}
	for _, r := range rs {
		if r.Status != wire.Stored {
			t.Errorf("receipt %s for %s, want stored", r.Status, r.ID)
		}
	}
	if n, err := st.CountSubmissions(ctx); err != nil || n != 20 {
		t.Errorf("%d submissions, %v; want 20", n, err)
	}
}
