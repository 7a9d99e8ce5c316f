package e2e_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/wire/wiretest"
)

// TestDownstreamRejectionAndForm: in the same session as the upload, a new
// form version and a supervisor's rejection (with its comment) come back;
// the reopened interview goes up as revision 2 and the server keeps both.
func TestDownstreamRejectionAndForm(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 5, 7, "mariam")
	l := newLaptop(t, dir, "mariam", ivs)
	cl := newClient(t, "http://"+c.addr(), c.token(t, "mariam"), true)
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}

	newForm := wiretest.Form("2")
	if _, err := c.srv.Publish(ctx, newForm); err != nil {
		t.Fatal(err)
	}
	target := ivs[2]
	const comment = "age does not match the ID card; please check"
	if _, err := c.store.Reject(ctx, target.ID, comment, "supervisor", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejections != 1 || res.Forms != 1 {
		t.Errorf("second session received %d rejections and %d forms, want 1 and 1", res.Rejections, res.Forms)
	}
	got, err := l.store.Get(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != survey.StatusRejected || got.Comment != comment {
		t.Errorf("laptop copy: status %s, comment %q; want rejected with the supervisor's comment", got.Status, got.Comment)
	}
	if _, err := l.store.GetForm(ctx, newForm.Hash); err != nil {
		t.Errorf("new form version not stored on the laptop: %v", err)
	}
	// Delivered once: a third session brings nothing back.
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Rejections != 0 || res.Forms != 0 {
		t.Errorf("third session: %+v, %v; want nothing downstream", res, err)
	}

	// The enumerator corrects it: revision 2 goes up and is "updated".
	if err := l.store.Reopen(ctx, target.ID); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Finalize(ctx, target.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err = cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 1 || res.Acknowledged != 1 {
		t.Errorf("revision 2: sent %d, acknowledged %d; want 1, 1", res.Sent, res.Acknowledged)
	}
	subs, err := c.store.Submissions(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[1].Revision != 2 || !subs[1].Current {
		t.Errorf("server history of the corrected interview: %+v; want revisions 1 and 2, 2 current", subs)
	}
	if l.pending(t) != 0 {
		t.Errorf("%d pending", l.pending(t))
	}
}
