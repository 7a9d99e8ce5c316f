package e2e_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidQuarantined: an interview the server refuses as invalid is
// not acknowledged, not stored, and not sent again unchanged; the others
// of its batch go through.
func TestInvalidQuarantined(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 20, 8, "bad")
	bad := ivs[7]
	for k := range bad.Data.Values {
		if strings.HasSuffix(k, "/consent") {
			delete(bad.Data.Values, k) // a required answer missing
		}
	}
	l := newLaptop(t, dir, "bad", ivs)
	cl := newClient(t, "http://"+c.addr(), c.token(t, "bad"), true)
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Quarantined) != 1 || res.Quarantined[0].ID != bad.ID || res.Acknowledged != len(ivs)-1 {
		t.Fatalf("first session: acknowledged %d, quarantined %+v; want %d and only %s", res.Acknowledged, res.Quarantined, len(ivs)-1, bad.ID)
	}
	t.Logf("refused: %s", res.Quarantined[0].Reason)
	res, err = cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 0 || len(res.Quarantined) != 1 {
		t.Errorf("second session sent %d and quarantined %d; want 0 sent, the same one held back", res.Sent, len(res.Quarantined))
	}
	if got := l.pending(t); got != 1 {
		t.Errorf("%d pending, want the refused one", got)
	}
	ids := map[string]bool{}
	for _, iv := range ivs {
		if iv != bad {
			ids[iv.ID] = true
		}
	}
	verifyCentral(t, c.store, ids)
}
