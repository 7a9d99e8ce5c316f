package e2e_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

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
	c.enrolOffline(t, l, "usb")
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

// TestUSBAfterOnline: the stick is carried to the office only after the
// laptop has synced online, and after one interview came back rejected and
// went up again as revision 2. The stale file then adds nothing: every
// receipt a duplicate, revision 2 still the current one, no interview
// counted twice.
func TestUSBAfterOnline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 30, 13, "late")
	l := newLaptop(t, dir, "late", ivs)
	file := filepath.Join(dir, "batch.sira")
	if _, err := client.Export(ctx, l.store, file); !errors.Is(err, client.ErrNoRecipient) {
		t.Fatalf("export before any enrolment: %v, want ErrNoRecipient", err)
	}
	cl := newClient(t, "http://"+c.addr(), c.token(t, "late"), true)
	// The online enrolment (the first sync) gives the laptop the office
	// key: the file written now is encrypted to it.
	if _, err := cl.Enrol(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Export(ctx, l.store, file); err != nil {
		t.Fatal(err)
	}
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != len(ivs) || res.Acknowledged != len(ivs) {
		t.Fatalf("online sync: sent %d, acknowledged %d; want %d each", res.Sent, res.Acknowledged, len(ivs))
	}
	target := ivs[4].ID
	if _, err := c.store.Reject(ctx, target, "check the age", "supervisor", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Reopen(ctx, target); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Finalize(ctx, target, time.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Acknowledged != 1 {
		t.Fatalf("revision 2: %+v, %v", res, err)
	}

	imp, err := c.srv.ImportFile(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if got := imp.Counts[wire.Duplicate]; got != len(ivs) || len(imp.Counts) != 1 {
		t.Errorf("stale file imported: %v, want %d duplicates only", imp.Counts, len(ivs))
	}
	n, err := c.store.CountSubmissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(ivs) + 1); n != want {
		t.Errorf("%d submissions, want %d (every interview once, plus revision 2 of one)", n, want)
	}
	subs, err := c.store.Submissions(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Current || !subs[1].Current || subs[1].Revision != 2 {
		t.Errorf("history of the corrected interview after the stale import: %+v", subs)
	}
}
