package wire_test

import (
	"testing"
	"time"

	"sira/forms"
	"sira/internal/simtest"
	"sira/internal/testenv"
	"sira/survey"
	"sira/sync/wire"
)

// builtinBatch returns the built-in form, its codec and n interviews
// simulated from it the way the intake's server benchmark does.
func builtinBatch(tb testing.TB, n int) (*forms.Form, *wire.Codec, []*survey.Interview) {
	tb.Helper()
	f, _, ivs := simtest.BuiltinInterviews(tb, n, 3, 3, "dev-awa")
	return f, mustCodec(tb, f), ivs
}

// perInterview reports wall and CPU time per interview of a benchmark
// whose every op handles n interviews; cpu0 is testenv.CPUTime() at its start.
func perInterview(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/interview")
	b.ReportMetric(float64((testenv.CPUTime()-cpu0).Nanoseconds())/float64(b.N*n)/1e3, "cpu-µs/interview")
}

// BenchmarkBuiltin measures the intake's per-interview wire work on the
// built-in form, batches of 100: decoding a frame (zstd, typed records,
// content-hash verification), the content hash alone, and the stored
// body encoding.
func BenchmarkBuiltin(b *testing.B) {
	const n = 100
	f, c, ivs := builtinBatch(b, n)
	frame, err := c.Encode(nil, ivs)
	if err != nil {
		b.Fatal(err)
	}
	fr, err := wire.ParseFrame(frame, wire.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	hashes := make([]string, n)
	for i, iv := range ivs {
		hashes[i] = iv.ContentHash()
	}
	_ = f
	b.Run("Decode", func(b *testing.B) {
		cpu0 := testenv.CPUTime()
		for b.Loop() {
			if _, err := c.Decode(fr, wire.DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
		perInterview(b, n, cpu0)
	})
	b.Run("DecodeBodies", func(b *testing.B) {
		cpu0 := testenv.CPUTime()
		for b.Loop() {
			if _, err := c.DecodeBodies(fr, wire.DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
		perInterview(b, n, cpu0)
	})
	b.Run("ContentHash", func(b *testing.B) {
		cpu0 := testenv.CPUTime()
		for b.Loop() {
			for _, iv := range ivs {
				_ = iv.ContentHash()
			}
		}
		perInterview(b, n, cpu0)
	})
	b.Run("MarshalInterviewHash", func(b *testing.B) {
		cpu0 := testenv.CPUTime()
		for b.Loop() {
			for i, iv := range ivs {
				_ = wire.MarshalInterviewHash(iv, hashes[i])
			}
		}
		perInterview(b, n, cpu0)
	})
}
