package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/sync/client"
	"sira/sync/wire"
)

// TestBatchTooLargeHalves: a server whose payload limit is below the
// client's batch answers 413; the client halves until batches fit and
// everything goes through, nothing quarantined.
func TestBatchTooLargeHalves(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lim := wire.DefaultLimits
	lim.MaxPayload = 8 << 10 // about 25 interviews of the built-in form
	c := startCentral(t, filepath.Join(dir, "central.db"), lim)
	ivs := simulated(t, 200, 10, "big")
	l := newLaptop(t, dir, "big", ivs)
	cl := newClient(t, "http://"+c.addr(), c.token(t, "big"), true, client.BatchPolicy{Start: 100, Max: 100})
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Acknowledged != len(ivs) || len(res.Quarantined) != 0 {
		t.Fatalf("acknowledged %d, quarantined %d; want %d and none", res.Acknowledged, len(res.Quarantined), len(ivs))
	}
	if res.Batches < len(ivs)/30 {
		t.Errorf("%d batches for %d interviews under an 8 KiB limit: the batches did not shrink", res.Batches, len(ivs))
	}
	ids := map[string]bool{}
	for _, iv := range ivs {
		ids[iv.ID] = true
	}
	verifyCentral(t, c.store, ids)
}
