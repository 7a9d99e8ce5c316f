package export_test

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/export"
	"sira/forms"
	"sira/survey"
)

// synthetic yields n generated interviews of f, one at a time, so that the
// benchmark measures the exporter's memory and not the data set's. Every
// leaf gets a plausible value; repeats get 0–3 instances (nested ones too).
func synthetic(f *forms.Form, n int, seed uint64) iter.Seq2[export.Row, error] {
	return func(yield func(export.Row, error) bool) {
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		for i := range n {
			iv := &survey.Interview{
				ID:          fmt.Sprintf("uuid:%08x-0000-4000-8000-%012x", i, i),
				FormID:      f.ID,
				FormVersion: f.Version,
				Enumerator:  "enq" + strconv.Itoa(i%40),
				DeviceID:    "laptop-" + strconv.Itoa(i%12),
				Started:     t0.Add(time.Duration(i) * time.Minute),
				Ended:       t0.Add(time.Duration(i)*time.Minute + 25*time.Minute),
				Status:      survey.StatusAcknowledged,
				Revision:    1,
				Data:        fill(f, f.Root.Children, rng, 0),
			}
			meta := export.Meta{Received: iv.Ended.Add(time.Hour), ReviewState: "received", Post: "gogui"}
			if !yield(export.Row{Interview: iv, Meta: meta}, nil) {
				return
			}
		}
	}
}

func fill(f *forms.Form, nodes []*forms.Node, rng *rand.Rand, depth int) *survey.Record {
	rec := &survey.Record{Values: map[string]string{}}
	var walk func([]*forms.Node)
	walk = func(nodes []*forms.Node) {
		for _, n := range nodes {
			switch n.Type {
			case forms.TypeGroup:
				walk(n.Children)
			case forms.TypeRepeat:
				if rec.Repeats == nil {
					rec.Repeats = map[string][]*survey.Record{}
				}
				for range rng.IntN(4 - depth) {
					rec.Repeats[n.Path] = append(rec.Repeats[n.Path], fill(f, n.Children, rng, min(depth+1, 2)))
				}
			case forms.TypeNote:
			case forms.TypeStart, forms.TypeEnd, forms.TypeDateTime:
				rec.Values[n.Path] = t0.Add(time.Duration(rng.IntN(1e6)) * time.Second).Format("2006-01-02T15:04:05.000Z07:00")
			case forms.TypeDate, forms.TypeToday:
				rec.Values[n.Path] = t0.AddDate(0, 0, -rng.IntN(3000)).Format("2006-01-02")
			case forms.TypeInteger:
				rec.Values[n.Path] = strconv.Itoa(15 + rng.IntN(60))
			case forms.TypeDecimal:
				rec.Values[n.Path] = strconv.FormatFloat(rng.Float64()*1e6, 'f', 2, 64)
			case forms.TypeGeopoint:
				rec.Values[n.Path] = fmt.Sprintf("%.6f %.6f 300 5", 10+rng.Float64()*10, -12+rng.Float64()*8)
			case forms.TypeSelectOne, forms.TypeSelectMulti:
				l := export.ListOf(f, n)
				if l == nil || len(l.Choices) == 0 {
					continue
				}
				v := l.Choices[rng.IntN(len(l.Choices))].Name
				if n.Type == forms.TypeSelectMulti && rng.IntN(2) == 0 {
					v += " " + l.Choices[rng.IntN(len(l.Choices))].Name
				}
				rec.Values[n.Path] = v
			default:
				rec.Values[n.Path] = "texte libre " + strconv.Itoa(rng.IntN(1000))
			}
		}
	}
	walk(nodes)
	return rec
}

// peakRSS reads the process's high-water resident set (VmHWM) from
// /proc/self/status; 0 where /proc is absent (Windows, macOS).
func peakRSS() int64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// heapPeak wraps rows to sample the live heap every 4096 interviews.
func heapPeak(rows iter.Seq2[export.Row, error], peak *uint64) iter.Seq2[export.Row, error] {
	return func(yield func(export.Row, error) bool) {
		var ms runtime.MemStats
		i := 0
		for r, err := range rows {
			if i++; i%4096 == 0 {
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapInuse)
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

// BenchmarkWriteCSVStream exports b.N synthetic interviews (with repeats)
// in one WriteCSV call. Run as
//
//	go test -run '^$' -bench WriteCSVStream -benchtime 100000x ./export/
//
// It reports the peak live heap sampled during the export and the process's
// peak RSS: both must stay flat as -benchtime grows.
func BenchmarkWriteCSVStream(b *testing.B) {
	f := nestedForm()
	dir := b.TempDir()
	var peak uint64
	runtime.GC()
	b.ResetTimer()
	sum, err := export.WriteCSV(context.Background(), f, heapPeak(synthetic(f, b.N, 1), &peak), dir, export.Options{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if sum.Interviews != b.N {
		b.Fatalf("exported %d interviews, want %d", sum.Interviews, b.N)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	var size int64
	for _, t := range sum.Tables {
		if st, err := os.Stat(t.File); err == nil {
			size += st.Size()
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "output-MiB")
}

// BenchmarkWriteXLSXStream is BenchmarkWriteCSVStream for the workbook
// (excelize's StreamWriter spills rows to temporary files). Excel's sheet
// limit caps it at 1,048,575 interviews per table.
func BenchmarkWriteXLSXStream(b *testing.B) {
	f := nestedForm()
	path := b.TempDir() + "/bench.xlsx"
	var peak uint64
	runtime.GC()
	b.ResetTimer()
	sum, err := export.WriteXLSX(context.Background(), f, heapPeak(synthetic(f, b.N, 1), &peak), path, export.Options{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if sum.Interviews != b.N {
		b.Fatalf("exported %d interviews, want %d", sum.Interviews, b.N)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "output-MiB")
	}
}

// benchTyped is BenchmarkWriteCSVStream for the Stata and SPSS writers,
// on the household form (nested repeats): rows are spooled to a temporary
// file and then written, so memory stays flat as -benchtime grows. Run as
//
//	go test -run '^$' -bench 'Write(DTA|SAV)Stream' -benchtime 1000000x ./export/
func benchTyped(b *testing.B, write func(context.Context, *forms.Form, iter.Seq2[export.Row, error], string, export.Options) (export.Summary, error)) {
	f, err := forms.CompileFile(context.Background(), "testdata/household.md")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var peak uint64
	runtime.GC()
	b.ResetTimer()
	sum, err := write(context.Background(), f, heapPeak(synthetic(f, b.N, 1), &peak), dir, export.Options{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if sum.Interviews != b.N {
		b.Fatalf("exported %d interviews, want %d", sum.Interviews, b.N)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	var size int64
	for _, t := range sum.Tables {
		if st, err := os.Stat(t.File); err == nil {
			size += st.Size()
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "output-MiB")
}

// BenchmarkWriteDTAStream: see benchTyped.
func BenchmarkWriteDTAStream(b *testing.B) { benchTyped(b, export.WriteDTA) }

// BenchmarkWriteSAVStream: see benchTyped.
func BenchmarkWriteSAVStream(b *testing.B) { benchTyped(b, export.WriteSAV) }
