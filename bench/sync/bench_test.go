package syncbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	syncbench "sira/bench/sync"
	"sira/forms"
	"sira/internal/testenv"
	"sira/survey"
	"sira/sync/client"
	"sira/sync/e2e/netproxy"
	"sira/sync/intake"
	"sira/sync/wire"
)

// wireN is the number of interviews of the bytes benchmark.
const wireN = 1000

// BenchmarkWireBytes counts every HTTP byte (requests and responses,
// headers included, at the TCP level through a counting proxy) of a whole
// sync session of wireN built-in-form interviews in batches of 10 and 100,
// against the same interviews submitted as ODK Collect does and against
// the whole set compressed at once with zstd -19.
func BenchmarkWireBytes(b *testing.B) {
	ivs := simulate(b, wireN, wireN, 1)
	f := builtinForm(b)

	// ODK Collect: one multipart POST per interview, counted the same way.
	odk := &syncbench.ODKServer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: odk}
	go hs.Serve(ln)
	defer hs.Close()
	px, err := netproxy.Start(ln.Addr().String(), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer px.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	var xmlAll, jsonAll bytes.Buffer
	for _, iv := range ivs {
		x := syncbench.ODKInstance(f, iv)
		xmlAll.Write(x)
		if err := syncbench.ODKSubmit(hc, px.URL(), strings.TrimPrefix(iv.ID, "uuid:"), x); err != nil {
			b.Fatal(err)
		}
		js, _ := json.Marshal(iv)
		jsonAll.Write(js)
	}
	up, down := px.Bytes()
	odkPer := float64(up+down) / wireN
	xmlZ, tool := zstd19(b, xmlAll.Bytes())
	jsZ, _ := zstd19(b, jsonAll.Bytes())
	b.Logf("ODK Collect: %.0f B/interview on the wire (instance XML %.0f B on average); whole set %s: XML %.0f B/interview, JSON %.0f B/interview",
		odkPer, float64(xmlAll.Len())/wireN, tool, float64(xmlZ)/wireN, float64(jsZ)/wireN)
	limit := float64(min(xmlZ, jsZ)) / wireN

	for _, batch := range []int{10, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var per float64
			for b.Loop() {
				dir := b.TempDir()
				c := startCentral(b, dir)
				lap := newLaptop(b, dir, ivs)
				px, err := netproxy.Start(c.addr, 2)
				if err != nil {
					b.Fatal(err)
				}
				cl, err := client.New(client.Config{URL: px.URL(), Token: c.token(b),
					Batch: client.BatchPolicy{Start: batch, Min: batch, Max: batch}})
				if err != nil {
					b.Fatal(err)
				}
				res, err := cl.Sync(context.Background(), lap)
				if err != nil {
					b.Fatal(err)
				}
				if res.Acknowledged != wireN {
					b.Fatalf("acknowledged %d of %d", res.Acknowledged, wireN)
				}
				up, down := px.Bytes()
				px.Close()
				per = float64(up+down) / wireN
				b.Logf("batch %d: %.0f B/interview (up %.0f, down %.0f; bodies %d up, %d down)", batch, per,
					float64(up)/wireN, float64(down)/wireN, res.BytesSent, res.BytesReceived)
			}
			b.ReportMetric(per, "B/interview")
			b.ReportMetric(odkPer, "odk-B/interview")
			b.ReportMetric(per/odkPer, "ratio-to-odk")
			b.ReportMetric(per/limit, "ratio-to-zstd19")
		})
	}
}

// BenchmarkIngest measures the intake server's ingest rate on SQLite: 4
// concurrent clients posting pre-encoded batches of 100 interviews over
// loopback HTTP (the client's encoding is not the server's work), with
// the server's default validation (the survey engine) and with the
// structural check only, to show what validation costs.
func BenchmarkIngest(b *testing.B) {
	const batch = 100
	frames, items := ingestFrames(b, 4*5000, batch)
	b.Run("validate=engine", func(b *testing.B) { benchIngest(b, frames, items) })
	b.Run("validate=structure", func(b *testing.B) { benchIngest(b, frames, items, intake.StructureValidation()) })
}

// ingestFrames encodes n simulated interviews into frames of batch, as
// the laptops would send them, with each frame's offer items. The
// interviews themselves are dropped: a server holds only what it is sent,
// and 20,000 decoded interviews in the benchmark's heap would make every
// garbage collection during the measure scan them.
func ingestFrames(b *testing.B, n, batch int) ([][]byte, [][]wire.Item) {
	ivs := simulate(b, n, 500, 3)
	codec, err := wire.NewCodec(builtinForm(b))
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]byte
	var items [][]wire.Item
	for i := 0; i < len(ivs); i += batch {
		fr, err := codec.Encode(nil, ivs[i:i+batch])
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, fr)
		its := make([]wire.Item, 0, batch)
		for _, iv := range ivs[i : i+batch] {
			its = append(its, wire.ItemOf(iv))
		}
		items = append(items, its)
	}
	return frames, items
}

func benchIngest(b *testing.B, frames [][]byte, items [][]wire.Item, validate ...func(*forms.Form, *survey.Interview) []string) {
	benchIngestOn(b, startCentral(b, b.TempDir(), validate...), frames, items, nil)
}

// benchIngestOn runs the ingest benchmark on c; otherCPU, when set, is the
// CPU time of processes outside this one that the ingest uses (PostgreSQL's
// server processes), counted in cpu-µs/interview.
func benchIngestOn(b *testing.B, c *central, frames [][]byte, items [][]wire.Item, otherCPU func() time.Duration) {
	const clients = 4
	n := 0
	for _, its := range items {
		n += len(its)
	}
	// The collector's settings of `sira intake serve`.
	defer debug.SetGCPercent(debug.SetGCPercent(intake.GCPercent))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(intake.MemoryLimit))
	runtime.GC() // the setup's garbage is not the server's
	tok := c.token(b)
	var rate, cpuPer float64
	round := 0
	for b.Loop() {
		round++
		if round > 1 {
			b.Fatal("run with -benchtime 1x: a second round would only count duplicates")
		}
		var wg sync.WaitGroup
		errs := make([]error, clients)
		t0, cpu0 := time.Now(), testenv.CPUTime()
		var other0 time.Duration
		if otherCPU != nil {
			other0 = otherCPU()
		}
		for w := range clients {
			cl, err := client.New(client.Config{URL: "http://" + c.addr, Token: tok})
			if err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(frames); i += clients {
					rs, _, err := cl.SendFrame(context.Background(), frames[i], items[i])
					if err != nil {
						errs[w] = err
						return
					}
					for _, r := range rs {
						if r.Status != wire.Stored {
							errs[w] = fmt.Errorf("receipt %s for %s", r.Status, r.ID)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		el, cpu := time.Since(t0), testenv.CPUTime()-cpu0
		if otherCPU != nil {
			cpu += otherCPU() - other0
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		rate = float64(n) / el.Seconds()
		cpuPer = float64(cpu.Microseconds()) / float64(n)
	}
	stored, err := c.store.CountSubmissions(context.Background())
	if err != nil || stored != int64(n) {
		b.Fatalf("stored %d of %d (%v)", stored, n, err)
	}
	b.ReportMetric(rate, "interviews/s")
	if cpuPer > 0 {
		// Server and in-process clients together: the figure that holds
		// on a shared machine (20,000/s on 2 cores is 100 µs).
		b.ReportMetric(cpuPer, "cpu-µs/interview")
	}
}

// BenchmarkShapedLink syncs 2,000 interviews through a link shaped to
// 64 kbit/s each way with a 600 ms round trip, and compares the session's
// time with the time the bytes need on that link plus a few round trips.
func BenchmarkShapedLink(b *testing.B) {
	const n = 2000
	const rate = 64000 / 8
	const rtt = 600 * time.Millisecond
	ivs := simulate(b, n, n, 4)
	var ratio, secs, ideal float64
	for b.Loop() {
		dir := b.TempDir()
		c := startCentral(b, dir)
		lap := newLaptop(b, dir, ivs)
		px, err := netproxy.Start(c.addr, 3)
		if err != nil {
			b.Fatal(err)
		}
		px.SetLink(netproxy.Link{Rate: rate, RTT: rtt})
		cl, err := client.New(client.Config{URL: px.URL(), Token: c.token(b)})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		res, err := cl.Sync(context.Background(), lap)
		el := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if res.Acknowledged != n {
			b.Fatalf("acknowledged %d of %d", res.Acknowledged, n)
		}
		up, down := px.Bytes()
		px.Close()
		// The link is full duplex: the busier direction bounds the time;
		// "a few round trips": connection, offer, downstream.
		ideal = float64(max(up, down))/rate + 3*rtt.Seconds()
		secs = el.Seconds()
		ratio = secs / ideal
		b.Logf("%d interviews: %.1f s; %s up, %s down; ideal %.1f s; %d batches", n, secs, kib(up), kib(down), ideal, res.Batches)
	}
	b.ReportMetric(secs, "s")
	b.ReportMetric(ideal, "ideal-s")
	b.ReportMetric(ratio, "ratio-to-ideal")
}
