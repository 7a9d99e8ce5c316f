package intake

// GCPercent and MemoryLimit are the garbage collector's settings for a
// process that serves an intake (`sira intake serve` applies them unless
// GOGC or GOMEMLIMIT is set). An intake's live heap is small (forms,
// codecs, pooled validators; SQLite's pages are outside it) and its
// garbage is per batch: collecting at 400% growth instead of 100% took
// about a tenth off the CPU of each interview ingested (bench/sync
// BenchmarkIngest: 84 → 76 µs, 20,600 → 22,800 interviews/s). The soft
// limit makes the collector work harder, not the heap grow unbounded, when
// many large batches arrive at once.
const (
	GCPercent   = 400
	MemoryLimit = 1 << 30
)
