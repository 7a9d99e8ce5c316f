package postgres_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sira/sync/intake"
	"sira/sync/intake/storetest"
)

// BenchmarkIngestPostgres measures the intake over real HTTP on loopback
// into PostgreSQL, as BenchmarkIngest (sync/intake) does into SQLite: 4
// concurrent clients, batches of 100 new interviews. One iteration is one
// batch; interviews/s is reported.
func BenchmarkIngestPostgres(b *testing.B) {
	s := newServer(b)
	frames := s.f(b.N, 1000)
	var next atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(frames)) {
					return
				}
				rs, err := s.post(client, frames[i])
				if err != nil || len(rs) != 100 {
					b.Errorf("batch %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N*100)/el.Seconds(), "interviews/s")
	if n, err := s.st.CountSubmissions(b.Context()); err != nil || n != int64(b.N*100) {
		b.Fatalf("%d stored (%v), want %d", n, err, b.N*100)
	}
}

// BenchmarkStoreIngestPostgres measures the PostgreSQL store alone (no
// HTTP, no decoding): 4 clients, batches of 100.
func BenchmarkStoreIngestPostgres(b *testing.B) {
	storetest.BenchIngest(b, 4, func(b *testing.B) intake.Store { return open(b) })
}
