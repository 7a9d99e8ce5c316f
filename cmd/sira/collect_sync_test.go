package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey/sqlite"
	"sira/survey/tui"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
)

// TestCollectSync presses F7 on the collector's home screen, on a
// simulation screen: the finalized interviews reach a real intake server,
// and the screen says how many were sent.
func TestCollectSync(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	central, err := isqlite.Open(ctx, filepath.Join(dir, "central.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer central.Close()
	srv, err := intake.New(ctx, intake.Config{Store: central, Builtin: []*forms.Form{f}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	secret, _, err := intake.CreateToken(ctx, central, "sim", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "laptop.db")
	if code, _, stderr := runMain(t, "simulate", "-n", "12", "--db", db); code != 0 {
		t.Fatalf("simulate: %s", stderr)
	}
	st, err := sqlite.Open(ctx, db, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := rememberTarget(ctx, st, hs.URL, secret); err != nil {
		t.Fatal(err)
	}
	b, err := tui.NewBackend(ctx, st, []*forms.Form{f}, tui.BackendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sim := tcell.NewSimulationScreen("UTF-8")
	app := tui.New(ctx, tui.Options{Backend: b, Screen: sim, Language: "en", Sync: collectSync(st, false)})
	sim.SetSize(80, 24)
	done := make(chan error, 1)
	go func() { done <- app.Run() }()
	defer func() {
		app.Stop()
		<-done
	}()
	screen := func() string {
		var out string
		app.QueueUpdateDraw(func() {
			cells, w, h := sim.GetContents()
			var sb strings.Builder
			for y := range h {
				for x := range w {
					if c := cells[y*w+x]; len(c.Runes) > 0 {
						sb.WriteString(string(c.Runes))
					} else {
						sb.WriteByte(' ')
					}
				}
				sb.WriteByte('\n')
			}
			out = sb.String()
		})
		return out
	}
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(screen(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q:\n%s", s, screen())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// simulate's interviews are sim's, sealed under the PIN it read from $SIRA_PIN.
	for _, r := range "sim" {
		sim.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	sim.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	for _, r := range testPIN {
		sim.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	sim.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	waitFor("Finalized 12")
	sim.InjectKey(tcell.KeyF7, 0, tcell.ModNone)
	waitFor("12 sent, 0 rejected back to you")
	waitFor("Finalized 0")
	if n, err := central.CountSubmissions(ctx); err != nil || n != 12 {
		t.Errorf("central holds %d submissions (%v), want 12", n, err)
	}
}
