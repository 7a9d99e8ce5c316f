package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/survey"
	"sira/sync/client"
	"sira/sync/wire"
)

// TestUSBThenOnline: export to a batch file, import it twice, then sync the
// same laptop online: exactly one copy of each interview, nothing sent
// twice over the network, and every interview acknowledged.
func TestUSBThenOnline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 250, 3, "usb")
	l := newLaptop(t, dir, "usb", ivs)
	file := filepath.Join(dir, "stick", "batch.sira")
	if err := mkdirAll(filepath.Dir(file)); err != nil {
		t.Fatal(err)
	}
	res, err := client.Export(ctx, l.store, file)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Interviews, len(ivs); got != want {
		t.Fatalf("exported %d interviews, want %d", got, want)
	}
	counts, err := l.store.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["returnee"][survey.StatusSent]; got != len(ivs) {
		t.Errorf("%d interviews sent after export, want %d (counts %v)", got, len(ivs), counts)
	}

	for i, want := range []wire.ReceiptStatus{wire.Stored, wire.Duplicate} {
		imp, err := c.srv.ImportFile(ctx, file)
		if err != nil {
			t.Fatalf("import %d: %v", i+1, err)
		}
		if got := imp.Counts[want]; got != len(ivs) {
			t.Errorf("import %d: %v, want %d %s", i+1, imp.Counts, len(ivs), want)
		}
	}

	cl := newClient(t, "http://"+c.addr(), c.token(t, "usb"), true)
	sres, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if sres.Sent != 0 || sres.Acknowledged != len(ivs) || sres.Duplicates != len(ivs) {
		t.Errorf("online sync after import: sent %d, acknowledged %d (%d duplicates); want 0 sent, %d acknowledged as duplicates",
			sres.Sent, sres.Acknowledged, sres.Duplicates, len(ivs))
	}
	if got := l.pending(t); got != 0 {
		t.Errorf("%d pending after the online sync", got)
	}
	ids := map[string]bool{}
	for _, iv := range ivs {
		ids[iv.ID] = true
	}
	verifyCentral(t, c.store, ids)
}
