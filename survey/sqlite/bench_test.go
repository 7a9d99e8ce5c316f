package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"sira/survey"
)

// sampleRecord is an interview the size of the returnee survey: 60 answers
// at the root and 3 legs of 8 answers.
func sampleRecord(i int) *survey.Record {
	rec := &survey.Record{Values: map[string]string{}, Repeats: map[string][]*survey.Record{}}
	for q := range 60 {
		rec.Values["/data/section"+strconv.Itoa(q/10)+"/q"+strconv.Itoa(q)] = "answer " + strconv.Itoa(i*q%97)
	}
	for l := range 3 {
		leg := &survey.Record{Values: map[string]string{}}
		for q := range 8 {
			leg.Values["/data/legs/l"+strconv.Itoa(q)] = "leg " + strconv.Itoa(l*q)
		}
		rec.Repeats["/data/legs"] = append(rec.Repeats["/data/legs"], leg)
	}
	return rec
}

// BenchmarkSaveAnswer measures one autosave (a durable transaction) into an
// interview of realistic size and reports the 99th percentile latency.
func BenchmarkSaveAnswer(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, newPath(b))
	iv := draft("uuid:bench")
	iv.Data = sampleRecord(1)
	if err := s.Create(ctx, iv); err != nil {
		b.Fatal(err)
	}
	var durs []time.Duration
	i := 0
	for b.Loop() {
		r := ref("/data/section"+strconv.Itoa(i%6)+"/q"+strconv.Itoa(i%60), step("/data/legs", i%3+1))
		if i%2 == 0 {
			r = ref("/data/section" + strconv.Itoa(i%6) + "/q" + strconv.Itoa(i%60))
		}
		start := time.Now()
		if err := s.SaveAnswer(ctx, iv.ID, r, "v"+strconv.Itoa(i), survey.Event{At: start, Kind: "leave", Field: r.String()}); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
		i++
	}
	slices.Sort(durs)
	for _, q := range []struct {
		name string
		at   int
	}{{"p50-ms", 50}, {"p99-ms", 99}} {
		b.ReportMetric(float64(durs[len(durs)*q.at/100].Microseconds())/1000, q.name)
	}
}

// BenchmarkInsertFinalized measures bulk insertion of finalized interviews
// (what sira simulate does) in batches of 1000.
func BenchmarkInsertFinalized(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, newPath(b))
	const batch = 1000
	n := 0
	start := time.Now()
	for b.Loop() {
		ivs := make([]*survey.Interview, batch)
		for j := range ivs {
			iv := draft(fmt.Sprintf("uuid:%08d", n))
			iv.Status = survey.StatusFinalized
			iv.Ended = iv.Started.Add(40 * time.Minute)
			iv.Data = sampleRecord(n)
			iv.Paradata = []survey.Event{{At: iv.Started, Kind: "start"}, {At: iv.Ended, Kind: "finalize"}}
			ivs[j] = iv
			n++
		}
		if err := s.Insert(ctx, ivs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "interviews/s")
}
