package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"sira/forms/builtin"
	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/intake/sqlite"
	"sira/sync/wire"
)

// BenchmarkStoreIngestBuiltin is the store's share of the ingest path alone: one
// batch of 100 new interviews of the built-in form per iteration, bodies
// already encoded, straight into Store.Ingest on a real file with
// synchronous=FULL. It reports the process's CPU µs per interview, the
// figure the 100 µs budget of BenchmarkServerIngest is split by.
func BenchmarkStoreIngestBuiltin(b *testing.B) {
	ctx := context.Background()
	f, err := builtin.Frozen(ctx) // fixed version: comparable figures
	if err != nil {
		b.Fatal(err)
	}
	bases := simulateBuiltin(b, f, 100)
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "intake.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	batches := make([][]intake.Incoming, b.N)
	for i := range batches {
		in := make([]intake.Incoming, len(bases))
		for j, base := range bases {
			cp := *base
			// Random ids, as laptops make them (UUIDv4): each lands in its
			// own place of the (id, hash) index.
			cp.ID = "uuid:" + uuid.NewString()
			h := cp.ContentHash()
			in[j] = intake.Incoming{Interview: &cp, Hash: h, Body: wire.MarshalInterviewHash(&cp, h), Size: 200}
		}
		batches[i] = in
	}
	meta := intake.BatchMeta{TokenID: "t1", Enumerator: "awa", Source: "http", Bytes: 20000, Received: time.Now()}
	b.ResetTimer()
	cpu0 := testenv.CPUTime()
	for i := range b.N {
		rs, err := st.Ingest(ctx, meta, batches[i])
		if err != nil {
			b.Fatal(err)
		}
		if rs[0].Status != wire.Stored {
			b.Fatalf("receipt %s", rs[0].Status)
		}
	}
	cpu := testenv.CPUTime() - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*len(bases)), "cpu-µs/interview")
}
