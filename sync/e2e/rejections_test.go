package e2e_test

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/survey"
)

// TestRejectedAgainAndReplayed: an interview rejected, corrected as
// revision 2, rejected again and corrected as revision 3 reaches the
// office as three revisions with only the last one current. Rejections
// delivered again (the laptop's cursor lost, say restored from an old
// backup) while the enumerator edits revision 3 leave the draft alone:
// a rejection applies only to the revision it names.
func TestRejectedAgainAndReplayed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 3, 12, "awa")
	l := newLaptop(t, dir, "awa", ivs)
	url := "http://" + c.addr()
	cl := newClient(t, url, c.token(t, "awa"), true)
	target := ivs[1].ID
	sync := func(what string) {
		t.Helper()
		if _, err := cl.Sync(ctx, l.store); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	sync("first upload")
	for rev, comment := range []string{"", "household size missing", "date of return after the interview"} {
		if rev == 0 {
			continue
		}
		if _, err := c.store.Reject(ctx, target, comment, "supervisor", time.Now()); err != nil {
			t.Fatal(err)
		}
		sync("rejection of revision " + string(rune('0'+rev)))
		got, err := l.store.Get(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != survey.StatusRejected || got.Revision != rev || got.Comment != comment {
			t.Fatalf("after rejection %d: status %s revision %d comment %q", rev, got.Status, got.Revision, got.Comment)
		}
		if err := l.store.Reopen(ctx, target); err != nil {
			t.Fatal(err)
		}
		if rev == 2 {
			break // revision 3 stays a draft for the replay below
		}
		if err := l.store.Finalize(ctx, target, time.Now()); err != nil {
			t.Fatal(err)
		}
		sync("revision 2")
	}

	// The enumerator edits revision 3 while both rejections come again.
	draft, err := l.store.Get(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.store.SaveData(ctx, target, draft.Data); err != nil {
		t.Fatal(err)
	}
	// The cursor is the office's (the server names its office), shared by
	// every address of it.
	off, err := l.store.Setting(ctx, "sync.office "+url)
	if err != nil {
		t.Fatalf("office of %s: %v", url, err)
	}
	key := "sync.rejections_after office:" + off
	if _, err := l.store.Setting(ctx, key); err != nil {
		t.Fatalf("rejection cursor %q: %v", key, err)
	}
	if err := l.store.SetSetting(ctx, key, "0"); err != nil {
		t.Fatal(err)
	}
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejections != 2 {
		t.Errorf("replay delivered %d rejections, want the 2 again", res.Rejections)
	}
	got, err := l.store.Get(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != survey.StatusDraft || got.Revision != 3 {
		t.Fatalf("a replayed rejection clobbered the draft: status %s revision %d", got.Status, got.Revision)
	}
	if err := l.store.Finalize(ctx, target, time.Now()); err != nil {
		t.Fatal(err)
	}
	sync("revision 3")
	if n := l.pending(t); n != 0 {
		t.Errorf("%d pending", n)
	}
	subs, err := c.store.Submissions(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	current := 0
	for i, s := range subs {
		if s.Revision != i+1 || s.Conflict {
			t.Errorf("submission %d: revision %d conflict %v", i, s.Revision, s.Conflict)
		}
		if s.Current {
			current++
			if s.Revision != 3 {
				t.Errorf("revision %d current, want 3", s.Revision)
			}
		}
	}
	if len(subs) != 3 || current != 1 {
		t.Errorf("office holds %d revisions, %d current; want 3 and 1", len(subs), current)
	}
}

// TestRejectionOnReplacementLaptop: the enumerator's replacement laptop
// receives rejections of interviews made on the old one. One cites a
// photo the new laptop does not hold, so the server's copy cannot be
// stored there; that must not stop the session, nor the rejections after
// it, for ever (the cursor would never move). The old laptop, which holds
// the photo, still applies it.
func TestRejectionOnReplacementLaptop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	var field string
	for _, n := range builtinForm(t).Nodes() {
		if n.Name == "certificate_scan" {
			field = n.Path
		}
	}
	var photo, plain *survey.Interview
	for _, iv := range simulated(t, 300, 16, "kadi") {
		switch {
		case photo == nil && hasValue(iv.Data, "certificate_obtained", "yes"):
			photo = iv
		case plain == nil && !hasValue(iv.Data, "certificate_obtained", "yes"):
			plain = iv
		}
	}
	if photo == nil || plain == nil {
		t.Skip("no simulated interview with a certificate")
	}
	old := newLaptop(t, dir, "old", []*survey.Interview{plain})
	photo.Status, photo.Ended = survey.StatusDraft, time.Time{}
	photo.Data.Values[field] = "cert.jpg"
	if err := old.store.Create(ctx, photo); err != nil {
		t.Fatal(err)
	}
	if _, err := old.store.PutAttachment(ctx, photo.ID, survey.Attachment{Field: field, Name: "cert.jpg", Type: "image/jpeg"}, strings.NewReader("a scan")); err != nil {
		t.Fatal(err)
	}
	if err := old.store.Finalize(ctx, photo.ID, photo.Started.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clOld := newClient(t, "http://"+c.addr(), c.token(t, "kadi"), true)
	if res, err := clOld.Sync(ctx, old.store); err != nil || res.Acknowledged != 2 {
		t.Fatalf("old laptop: %+v, %v", res, err)
	}
	for _, id := range []string{photo.ID, plain.ID} {
		if _, err := c.store.Reject(ctx, id, "please check", "supervisor", time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	repl := newLaptop(t, dir, "new", nil)
	if err := repl.store.Unlock(ctx, "kadi", "135790"); err != nil { // kadi signs in on the new laptop
		t.Fatal(err)
	}
	clNew := newClient(t, "http://"+c.addr(), c.token(t, "kadi"), true)
	res, err := clNew.Sync(ctx, repl.store)
	if err != nil {
		t.Fatalf("replacement laptop: %v", err)
	}
	if res.Rejections != 2 {
		t.Errorf("replacement laptop applied %d rejections, want 2", res.Rejections)
	}
	if got, err := repl.store.Get(ctx, plain.ID); err != nil || got.Status != survey.StatusRejected {
		t.Errorf("rejection after the unstorable one: %v, %v", got, err)
	}
	if res, err := clOld.Sync(ctx, old.store); err != nil || res.Rejections != 2 {
		t.Fatalf("old laptop: %+v, %v", res, err)
	}
	if got, err := old.store.Get(ctx, photo.ID); err != nil || got.Status != survey.StatusRejected {
		t.Errorf("old laptop's copy: %v, %v", got, err)
	}
}

// TestRejectionOfOneConflictingCopy: two laptops of one enumerator hold
// different content for the same interview at the same revision (a copy
// restored on a second laptop and edited there). The office keeps both as
// a conflict and rejects the current one; the rejection names its content
// hash, so only the laptop holding that content turns it into a rejected
// interview, and the other keeps its acknowledged copy.
func TestRejectionOfOneConflictingCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 2, 16, "awa")
	const comments = "/data/interview/main/intentions/enumerator_comments"
	if _, ok := ivs[0].Data.Values[comments]; !ok {
		t.Fatalf("the simulated interview has no %s to vary: the test cannot make a second content", comments)
	}
	other := *ivs[0]
	other.Data = &survey.Record{Values: maps.Clone(ivs[0].Data.Values), Repeats: ivs[0].Data.Repeats}
	other.Data.Values[comments] = "copied on the second laptop"
	a := newLaptop(t, dir, "awa-a", ivs)
	b := newLaptop(t, dir, "awa-b", []*survey.Interview{&other})
	url := "http://" + c.addr()
	clA := newClient(t, url, c.token(t, "awa"), true)
	clB := newClient(t, url, c.token(t, "awa"), true)
	syncBoth := func(what string) {
		t.Helper()
		if _, err := clA.Sync(ctx, a.store); err != nil {
			t.Fatalf("%s, laptop a: %v", what, err)
		}
		if _, err := clB.Sync(ctx, b.store); err != nil {
			t.Fatalf("%s, laptop b: %v", what, err)
		}
	}
	syncBoth("upload")
	subs, err := c.store.Submissions(ctx, ivs[0].ID)
	if err != nil || len(subs) != 2 || !subs[0].Conflict || !subs[1].Conflict {
		t.Fatalf("central: %d submissions of %s (%v), want 2 in conflict", len(subs), ivs[0].ID, err)
	}
	if _, err := c.store.Reject(ctx, ivs[0].ID, "two versions: which one is right?", "supervisor", time.Now()); err != nil {
		t.Fatal(err)
	}
	syncBoth("downstream")
	gotA, err := a.store.Get(ctx, ivs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	gotB, err := b.store.Get(ctx, ivs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	current := subs[0]
	if !subs[0].Current {
		current = subs[1]
	}
	holder, bystander := gotA, gotB
	if current.Hash != gotA.ContentHash() {
		holder, bystander = gotB, gotA
	}
	if holder.Status != survey.StatusRejected || holder.Comment != "two versions: which one is right?" {
		t.Errorf("the laptop holding the rejected content: %s %q, want rejected with the comment", holder.Status, holder.Comment)
	}
	if bystander.Status != survey.StatusAcknowledged {
		t.Errorf("the laptop holding the other content: %s, want still acknowledged", bystander.Status)
	}
}
