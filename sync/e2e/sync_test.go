package e2e_test

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSyncDirect: one laptop, no faults: everything is stored once and
// acknowledged; a second session sends nothing.
func TestSyncDirect(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	l := newLaptop(t, dir, "awa", simulated(t, 50, 1, "awa"))
	cl := newClient(t, "http://"+c.addr(), c.token(t, "awa"), true)
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Acknowledged != 50 || res.Sent != 50 {
		t.Errorf("first session: %+v", res)
	}
	if got := l.pending(t); got != 0 {
		t.Errorf("%d pending after sync", got)
	}
	res, err = cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offered != 0 || res.Sent != 0 {
		t.Errorf("second session offered %d, sent %d; want nothing", res.Offered, res.Sent)
	}
	ids := map[string]bool{}
	for _, id := range l.ids {
		ids[id] = true
	}
	verifyCentral(t, c.store, ids)
}
