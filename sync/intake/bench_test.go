package intake_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sira/internal/testenv"
	"sira/sync/intake"
)

// BenchmarkIngest measures the intake over real HTTP on loopback into a
// real SQLite file: 4 concurrent clients, batches of 100 new interviews.
// One iteration is one batch; interviews/s is reported. "engine" is the
// default validation, "structure" the cheap one.
func BenchmarkIngest(b *testing.B) {
	b.Run("engine", func(b *testing.B) { benchIngest(b, intake.Config{}) })
	b.Run("structure", func(b *testing.B) { benchIngest(b, intake.Config{Validate: intake.StructureValidation()}) })
}

func benchIngest(b *testing.B, cfg intake.Config) {
	e := newEnv(b, cfg)
	frames := make([][]byte, b.N)
	for i := range frames {
		frames[i] = e.frame(e.interviews(100, uint64(i)+1000))
	}
	var next atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	b.ResetTimer()
	start, cpu0 := time.Now(), testenv.CPUTime()
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
				rs, err := postBatch(client, e.http.URL, e.token, e.codec, frames[i])
				if err != nil || len(rs) != 100 {
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
		// CPU per interview, server and in-process HTTP clients together:
		// on a machine shared with other work this is the stable figure.
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*100), "cpu-µs/interview")
	}
	if n := e.count(); n != int64(b.N*100) {
		b.Fatalf("%d stored, want %d", n, b.N*100)
	}
}
