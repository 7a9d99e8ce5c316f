package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// TestGroupCommitIsolation: a group commit in which one batch fails (a
// trigger refuses one of its interviews, standing in for any database
// error) stores every other batch of the group, in full, with their
// receipts; the failing batch stores nothing; the counters count only what
// was stored. Then a group with a repeated interview across two batches:
// the later one is a duplicate, as if the batches had come one by one.
// (Grouping is the writer's choice; commitGroup is called directly so the
// test does not depend on timing.)
func TestGroupCommitIsolation(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.ExecContext(ctx, `CREATE TRIGGER poison BEFORE INSERT ON submissions WHEN NEW.id = 'uuid:poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned'); END`); err != nil {
		t.Fatal(err)
	}
	form := wiretest.Form("1")
	ivs := wiretest.Interviews(form, 20, 77, "awa", "dev1")
	ivs[12].ID = "uuid:poison"
	job := func(lo, hi int) *ingestJob {
		in := make([]intake.Incoming, 0, hi-lo)
		for _, iv := range ivs[lo:hi] {
			h := iv.ContentHash()
			in = append(in, intake.Incoming{Interview: iv, Hash: h, Body: wire.MarshalInterviewHash(iv, h), Size: 10})
		}
		return &ingestJob{meta: intake.BatchMeta{Source: "http", Bytes: 100, Received: time.Now()}, in: in}
	}
	group := []*ingestJob{job(0, 5), job(5, 10), job(10, 15), job(15, 20)}
	s.commitGroup(group)
	for i, j := range group {
		if i == 2 {
			if j.err == nil || j.receipts != nil {
				t.Errorf("poisoned batch: err %v, %d receipts; want an error and none", j.err, len(j.receipts))
			}
			continue
		}
		if j.err != nil || len(j.receipts) != 5 {
			t.Fatalf("batch %d: err %v, %d receipts", i, j.err, len(j.receipts))
		}
		for _, r := range j.receipts {
			if r.Status != wire.Stored {
				t.Errorf("batch %d: %s for %s", i, r.Status, r.ID)
			}
		}
	}
	n, err := s.CountSubmissions(ctx)
	if err != nil || n != 15 {
		t.Fatalf("%d stored (%v), want 15: the poisoned batch's neighbours in it must not be stored", n, err)
	}
	for _, iv := range ivs[10:15] {
		if rows, _ := s.Submissions(ctx, iv.ID); len(rows) != 0 {
			t.Errorf("%s of the failed batch stored", iv.ID)
		}
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Submissions != 15 || st.Batches != 3 {
		t.Errorf("stats %+v (%v): want 15 submissions in 3 batches", st, err)
	}

	// Within one group, a later batch sees the earlier ones: two of the
	// failed batch's interviews, then one of them again.
	again := []*ingestJob{job(10, 12), job(11, 12)}
	s.commitGroup(again)
	var got []string
	for _, j := range again {
		if j.err != nil {
			t.Fatal(j.err)
		}
		for _, r := range j.receipts {
			got = append(got, string(r.Status))
		}
	}
	if fmt.Sprint(got) != "[stored stored duplicate]" {
		t.Errorf("receipts %v, want [stored stored duplicate]", got)
	}
}
