package wire_test

import (
	"testing"

	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// BenchmarkEncode measures the laptop's side: hashing, record encoding and
// zstd with the form dictionary, batches of 100.
func BenchmarkEncode(b *testing.B) {
	f := wiretest.Form("1")
	c := mustCodec(b, f)
	ivs := wiretest.Interviews(f, 100, 1, "awa", "dev1")
	var buf []byte
	b.ResetTimer()
	for b.Loop() {
		var err error
		if buf, err = c.Encode(buf[:0], ivs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/interview")
}

// BenchmarkDecode measures the server's side: checksum, zstd, record
// decoding and content-hash verification, batches of 100.
func BenchmarkDecode(b *testing.B) {
	f := wiretest.Form("1")
	c := mustCodec(b, f)
	frame, err := c.Encode(nil, wiretest.Interviews(f, 100, 1, "awa", "dev1"))
	if err != nil {
		b.Fatal(err)
	}
	src := source{f.Hash: c}
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := wire.DecodeBatch(frame, wire.DefaultLimits, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/interview")
}
