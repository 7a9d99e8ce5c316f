package e2e_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sira/sync/client"
	"sira/sync/e2e/netproxy"
)

// TestFaultyLinkConverges: 2,000 interviews from 3 laptops through a proxy
// that cuts connections at random byte offsets (requests and responses),
// delays them and truncates responses. Every laptop syncs until nothing is
// pending; the central server then holds each interview exactly once.
func TestFaultyLinkConverges(t *testing.T) {
	total := 2000
	if testing.Short() {
		total = 300
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	px, err := netproxy.Start(c.addr(), 42)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	px.SetFaults(netproxy.Faults{Cut: 0.5, CutWithin: 4 << 10, Delay: 0.2, DelayMax: 50 * time.Millisecond})

	all := simulated(t, total, 2, "lap")
	ids := map[string]bool{}
	for _, iv := range all {
		ids[iv.ID] = true
	}
	var laps []*laptop
	for i := range 3 {
		part := all[i*total/3 : (i+1)*total/3]
		laps = append(laps, newLaptop(t, dir, fmt.Sprintf("lap%d", i), part))
	}
	var wg sync.WaitGroup
	for _, l := range laps {
		// One enumerator on three laptops: each laptop has its own token.
		cl := newClient(t, px.URL(), c.token(t, "lap"), false, client.BatchPolicy{Start: 5, Max: 25})
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := syncUntilDone(t, ctx, cl, l, 200)
			var retries int64
			for _, r := range rs {
				retries += r.Retries
			}
			t.Logf("%s: %d sessions, %d retries", l.name, len(rs), retries)
		}()
	}
	wg.Wait()
	if px.Cuts() == 0 {
		t.Error("the proxy cut no connection: the test proved nothing")
	}
	t.Logf("%d interviews, %d connections cut", total, px.Cuts())
	verifyCentral(t, c.store, ids)
}
