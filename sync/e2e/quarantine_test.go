package e2e_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sira/sync/wire/wiretest"
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

// TestUnknownFormWaits: interviews of a form version the server does not
// know are refused at the offer (no bytes sent) and not remembered as
// invalid: once the form is published, the next sync sends them.
func TestUnknownFormWaits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	f := wiretest.Form("9")
	ivs := wiretest.Interviews(f, 12, 1, "new", "dev-new")
	l := newLaptop(t, dir, "new", nil)
	js, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.store.PutForm(ctx, f.ID, f.Version, f.Hash, js); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Insert(ctx, ivs); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, "http://"+c.addr(), c.token(t, "new"), true)
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 0 || len(res.Quarantined) != len(ivs) || res.Acknowledged != 0 {
		t.Fatalf("unknown form: sent %d, quarantined %d, acknowledged %d; want 0, %d, 0", res.Sent, len(res.Quarantined), res.Acknowledged, len(ivs))
	}
	if _, err := c.srv.Publish(ctx, f); err != nil {
		t.Fatal(err)
	}
	res, err = cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != len(ivs) || res.Acknowledged != len(ivs) {
		t.Errorf("after publishing: sent %d, acknowledged %d; want %d", res.Sent, res.Acknowledged, len(ivs))
	}
}
