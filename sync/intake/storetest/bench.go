package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// BenchIngest measures a store alone: clients goroutines ingest batches of
// 100 new interviews, one batch per iteration; interviews/s and the
// process's CPU µs per interview are reported.
// open returns an empty store for the benchmark.
func BenchIngest(b *testing.B, clients int, open func(b *testing.B) intake.Store) {
	st := open(b)
	batches := make([][]intake.Incoming, b.N)
	for i := range batches {
		ivs := wiretest.Interviews(form, 100, uint64(i)+5000, "awa", "dev1")
		batches[i] = make([]intake.Incoming, len(ivs))
		for j, iv := range ivs {
			batches[i][j] = incoming(iv)
		}
	}
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	start, cpu0 := time.Now(), testenv.CPUTime()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(batches)) {
					return
				}
				rs, err := st.Ingest(ctx, meta(), batches[i])
				if err != nil || len(rs) != 100 || rs[0].Status != wire.Stored {
					b.Errorf("batch %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el, cpu := time.Since(start), testenv.CPUTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N*100)/el.Seconds(), "interviews/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*100), "cpu-µs/interview")
	}
	if n, err := st.CountSubmissions(ctx); err != nil || n != int64(b.N*100) {
		b.Fatalf("%d stored (%v), want %d", n, err, b.N*100)
	}
}
