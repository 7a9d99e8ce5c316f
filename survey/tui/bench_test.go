package tui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey/sqlite"
)

// BenchmarkOpenFirstQuestion measures what the enumerator waits for between
// choosing "new interview" on a fresh start and seeing the first question:
// open the store, compile the built-in form, build the backend and the app,
// create the draft, draw the first page on an 80×24 simulation screen.
// Sign-in is left out: its PIN hash is slow on purpose.
func BenchmarkOpenFirstQuestion(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "sira.db")
	if st, err := sqlite.Open(ctx, path, sqlite.Options{KDF: testKDF}); err != nil {
		b.Fatal(err)
	} else {
		if err := st.Unlock(ctx, "bench", "123400"); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	sim := tcell.NewSimulationScreen("UTF-8")
	sim.SetSize(80, 24)
	for b.Loop() {
		st, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer() // sign-in is measured by survey/sqlite BenchmarkUnlock
		if err := st.Unlock(ctx, "bench", "123400"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		f, err := builtin.Frozen(ctx) // fixed version: comparable figures
		if err != nil {
			b.Fatal(err)
		}
		be, err := NewBackend(ctx, st, []*forms.Form{f}, BackendOptions{Language: "English (en)"})
		if err != nil {
			b.Fatal(err)
		}
		a := New(ctx, Options{Backend: be, Screen: sim})
		a.user = "bench"
		a.reset(newHome(a))
		if err := a.cur.(*home).newInterview(); err != nil {
			b.Fatal(err)
		}
		a.tv.ForceDraw()
		if !strings.Contains(simText(sim), "Hello. I work for") {
			b.Fatalf("first question not drawn:\n%s", simText(sim))
		}
		st.Close()
	}
}

// BenchmarkInterview drives whole built-in interviews, sign-in to finalize,
// and reports the resident memory sampled on every page (max-RSS-MB) and
// the process's peak including sign-in's memory-hard PIN hash
// (peak-RSS-MB), on Linux.
func BenchmarkInterview(b *testing.B) {
	maxRSS := 0
	h := newHarness(b, harnessOpts{language: "English (en)", onPage: func(string, bool) {
		maxRSS = max(maxRSS, procStatusKB("VmRSS"))
	}})
	h.signIn("bench", "123400")
	for b.Loop() {
		h.key(tcell.KeyEnter)
		h.drive(nil, nil)
		h.key(tcell.KeyF9)
		h.key(tcell.KeyF9)
		if h.screenName() != "home" {
			b.Fatalf("not finalized:\n%s", h.text())
		}
	}
	if kb := procStatusKB("VmHWM"); kb > 0 {
		b.ReportMetric(float64(maxRSS)/1024, "max-RSS-MB")
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	}
}

// procStatusKB reads a kB field of /proc/self/status; 0 where there is none.
func procStatusKB(field string) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
