package report_test

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"sira/export"
	"sira/forms"
	"sira/report"
	"sira/survey"
)

// synthetic yields n interviews of the built-in form with random answers
// to the fields the report reads, one at a time.
func synthetic(f *forms.Form, n int) iter.Seq2[export.Row, error] {
	paths := pathsByName(f)
	lists := map[string][]string{}
	for _, name := range handFields {
		var vals []string
		var walk func([]*forms.Node)
		walk = func(ns []*forms.Node) {
			for _, nd := range ns {
				if nd.Name == name && nd.Type == forms.TypeSelectOne {
					for _, c := range f.Lists[nd.TypeArg].Choices {
						vals = append(vals, c.Name)
					}
				}
				walk(nd.Children)
			}
		}
		walk(f.Root.Children)
		lists[name] = vals
	}
	return func(yield func(export.Row, error) bool) {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			vals := map[string]string{}
			for _, name := range handFields {
				switch {
				case name == "age":
					vals[paths[name]] = strconv.Itoa(15 + rng.IntN(60))
				case name == "consent":
					vals[paths[name]] = "yes"
				case len(lists[name]) > 0 && rng.IntN(10) > 0:
					vals[paths[name]] = lists[name][rng.IntN(len(lists[name]))]
				}
			}
			iv := &survey.Interview{ID: fmt.Sprintf("uuid:%d", i), FormID: f.ID, Data: &survey.Record{Values: vals}}
			if !yield(export.Row{Interview: iv}, nil) {
				return
			}
		}
	}
}

// BenchmarkCompute counts b.N interviews in one Compute call:
//
//	go test -run '^$' -bench Compute -benchtime 1000000x ./report/
func BenchmarkCompute(b *testing.B) {
	f := builtinForm(b)
	runtime.GC()
	b.ResetTimer()
	r, err := report.Compute(context.Background(), f, synthetic(f, b.N), report.Options{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Universe != b.N {
		b.Fatalf("universe %d, want %d", r.Universe, b.N)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-after-MiB")
	b.ReportMetric(float64(len(r.Cube.Cells)), "cube-cells")
}
