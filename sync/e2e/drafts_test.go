package e2e_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sira/forms/builtin"
	"sira/survey"
	"sira/sync/intake"
)

// TestDraftsReported: a session tells the office, through intake's OnSync,
// how many drafts wait on the laptop — with interviews to send (the first
// offer carries the count) and with none (an empty offer carries it) — and
// downstream requests report the sync without a count.
func TestDraftsReported(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	type call struct {
		enumerator string
		drafts     int // -1: none reported
	}
	var mu sync.Mutex
	var calls []call
	c := startCentralWith(t, filepath.Join(dir, "central.db"), func(cfg *intake.Config) {
		cfg.OnSync = func(_ context.Context, tok *intake.Token, drafts *int) {
			mu.Lock()
			defer mu.Unlock()
			d := -1
			if drafts != nil {
				d = *drafts
			}
			calls = append(calls, call{tok.Enumerator, d})
		}
	})
	l := newLaptop(t, dir, "oumou", simulated(t, 4, 11, "oumou"))
	f, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		iv, err := survey.NewInterview(f, "oumou", "dev-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.store.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
	}
	cl := newClient(t, "http://"+c.addr(), c.token(t, "oumou"), true)
	reported := func() []int {
		mu.Lock()
		defer mu.Unlock()
		var out []int
		for _, c := range calls {
			if c.enumerator != "oumou" {
				t.Errorf("OnSync for %q, want oumou", c.enumerator)
			}
			if c.drafts >= 0 {
				out = append(out, c.drafts)
			}
		}
		calls = nil
		return out
	}

	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	if got := reported(); len(got) != 1 || got[0] != 2 {
		t.Errorf("first session reported drafts %v, want [2]", got)
	}
	// Nothing left to send: the count still travels, in an empty offer.
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	if got := reported(); len(got) != 1 || got[0] != 2 {
		t.Errorf("second session reported drafts %v, want [2]", got)
	}
}
