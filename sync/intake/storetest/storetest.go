// Package storetest is the behaviour every intake.Store backend must have,
// as one test suite: receipts and history, idempotent and atomic batches,
// concurrent batches, tokens, forms, resumable attachments, rejections, the
// relay outbox and the counters. A backend's test calls Run with a function
// that opens an empty store.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// Open returns a new, empty store for one test; it registers its own
// cleanup (closing the store, removing its file or schema) with t.
type Open func(t *testing.T) intake.Store

// Run runs the contract tests on stores from open, one store per subtest.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, Open)
	}{
		{"Receipts", testReceipts},
		{"Invalid", testInvalid},
		{"Idempotent", testIdempotent},
		{"Atomic", testAtomic},
		{"History", testHistory},
		{"Many", testMany},
		{"LargeMixedBatch", testLargeMixedBatch},
		{"ConcurrentSame", testConcurrentSame},
		{"ConcurrentConflict", testConcurrentConflict},
		{"Tokens", testTokens},
		{"Forms", testForms},
		{"Attachments", testAttachments},
		{"AttachmentErrors", testAttachmentErrors},
		{"AttachmentHashMismatch", testAttachmentHashMismatch},
		{"Rejections", testRejections},
		{"Outbox", testOutbox},
		{"Stats", testStats},
		{"OfficeKeys", testOfficeKeys},
		{"Devices", testDevices},
		{"Recovery", testRecovery},
		{"Enrolments", testEnrolments},
		{"PINResets", testPINResets},
		{"KeyEvents", testKeyEvents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// received is the batches' arrival time: whole microseconds, which every
// backend stores exactly.
var received = time.Date(2026, 11, 20, 9, 30, 15, 123456000, time.UTC)

var form = wiretest.Form("1")

// kit builds interviews and batches for one test.
type kit struct {
	t    *testing.T
	ctx  context.Context
	st   intake.Store
	base []*survey.Interview
}

func newKit(t *testing.T, open Open) *kit {
	t.Helper()
	return &kit{t: t, ctx: context.Background(), st: open(t), base: wiretest.Interviews(form, 26, 7, "awa", "dev1")}
}

// iv returns interview n (0…25) at revision rev; variant 0 is the
// original content, another variant the same id and revision with a
// different answer.
func (k *kit) iv(n, rev, variant int) *survey.Interview {
	b := *k.base[n]
	b.Revision = rev
	b.Data = &survey.Record{Values: maps.Clone(b.Data.Values), Repeats: b.Data.Repeats}
	if variant != 0 {
		b.Data.Values["/data/post"] = fmt.Sprintf("variant %d", variant)
	}
	return &b
}

func incoming(iv *survey.Interview) intake.Incoming {
	h := iv.ContentHash()
	body := wire.MarshalInterviewHash(iv, h)
	return intake.Incoming{Interview: iv, Hash: h, Body: body, Size: len(body)}
}

func meta() intake.BatchMeta {
	return intake.BatchMeta{TokenID: "tok1", Enumerator: "awa", Source: "http", Bytes: 1000, Received: received}
}

func (k *kit) ingest(ivs ...*survey.Interview) []wire.Receipt {
	k.t.Helper()
	in := make([]intake.Incoming, len(ivs))
	for i, iv := range ivs {
		in[i] = incoming(iv)
	}
	return k.ingestIn(in)
}

func (k *kit) ingestIn(in []intake.Incoming) []wire.Receipt {
	k.t.Helper()
	return k.ingestMeta(meta(), in)
}

// ingestMeta is ingestIn with another origin than a device's HTTP batch.
func (k *kit) ingestMeta(m intake.BatchMeta, in []intake.Incoming) []wire.Receipt {
	k.t.Helper()
	rs, err := k.st.Ingest(k.ctx, m, in)
	if err != nil {
		k.t.Fatalf("ingest: %v", err)
	}
	if len(rs) != len(in) {
		k.t.Fatalf("ingest: %d receipts for %d interviews", len(rs), len(in))
	}
	for i, r := range rs {
		iv := in[i].Interview
		if r.ID != iv.ID || r.Revision != iv.Revision || r.Hash != in[i].Hash {
			k.t.Errorf("receipt %d names %s r%d %s, want %s r%d %s", i, r.ID, r.Revision, r.Hash, iv.ID, iv.Revision, in[i].Hash)
		}
	}
	return rs
}

func statuses(rs []wire.Receipt) []wire.ReceiptStatus {
	out := make([]wire.ReceiptStatus, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

func (k *kit) submissions(id string) []intake.StoredInterview {
	k.t.Helper()
	xs, err := k.st.Submissions(k.ctx, id)
	if err != nil {
		k.t.Fatal(err)
	}
	return xs
}

func (k *kit) count() int64 {
	k.t.Helper()
	n, err := k.st.CountSubmissions(k.ctx)
	if err != nil {
		k.t.Fatal(err)
	}
	return n
}

func (k *kit) stats() intake.Stats {
	k.t.Helper()
	s, err := k.st.Stats(k.ctx)
	if err != nil {
		k.t.Fatal(err)
	}
	return s
}

// sub is a submission of the receipts table: interview n, revision, variant.
type sub struct{ n, rev, variant int }

// row is what the history of an id should hold, in order.
type row struct {
	sub
	current, conflict bool
}

func testReceipts(t *testing.T, open Open) {
	tests := []struct {
		name    string
		batches [][]sub // each inner slice is one batch
		want    [][]wire.ReceiptStatus
		history []row // of interview 0
	}{
		{"Stored", [][]sub{{{0, 1, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}},
			[]row{{sub{0, 1, 0}, true, false}}},
		{"Duplicate", [][]sub{{{0, 1, 0}}, {{0, 1, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Duplicate}},
			[]row{{sub{0, 1, 0}, true, false}}},
		{"Updated", [][]sub{{{0, 1, 0}}, {{0, 2, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Updated}},
			[]row{{sub{0, 1, 0}, false, false}, {sub{0, 2, 0}, true, false}}},
		{"Superseded", [][]sub{{{0, 2, 0}}, {{0, 3, 0}}, {{0, 1, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Updated}, {wire.Superseded}},
			[]row{{sub{0, 2, 0}, false, false}, {sub{0, 3, 0}, true, false}, {sub{0, 1, 0}, false, false}}},
		// Revisions advance one at a time: revision 3 over revision 1 is
		// refused (an id locked far ahead would leave its laptop superseded).
		{"SkipsAhead", [][]sub{{{0, 1, 0}}, {{0, 3, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Invalid}},
			[]row{{sub{0, 1, 0}, true, false}}},
		{"FarAheadFirst", [][]sub{{{0, 65, 0}}}, [][]wire.ReceiptStatus{{wire.Invalid}}, nil},
		{"SupersededFirst", [][]sub{{{0, 2, 0}}, {{0, 1, 0}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Superseded}},
			[]row{{sub{0, 2, 0}, true, false}, {sub{0, 1, 0}, false, false}}},
		{"Conflict", [][]sub{{{0, 1, 0}}, {{0, 1, 1}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Conflict}},
			[]row{{sub{0, 1, 0}, true, true}, {sub{0, 1, 1}, false, true}}},
		{"ConflictOldRevision", [][]sub{{{0, 1, 0}}, {{0, 2, 0}}, {{0, 1, 1}}}, [][]wire.ReceiptStatus{{wire.Stored}, {wire.Updated}, {wire.Conflict}},
			[]row{{sub{0, 1, 0}, false, true}, {sub{0, 2, 0}, true, false}, {sub{0, 1, 1}, false, true}}},
		{"ConflictThenDuplicate", [][]sub{{{0, 1, 0}}, {{0, 1, 1}}, {{0, 1, 1}, {0, 1, 0}}},
			[][]wire.ReceiptStatus{{wire.Stored}, {wire.Conflict}, {wire.Duplicate, wire.Duplicate}},
			[]row{{sub{0, 1, 0}, true, true}, {sub{0, 1, 1}, false, true}}},
		{"SupersededWithinOneBatch", [][]sub{{{0, 3, 0}, {0, 1, 0}, {0, 3, 0}}},
			[][]wire.ReceiptStatus{{wire.Stored, wire.Superseded, wire.Duplicate}},
			[]row{{sub{0, 3, 0}, true, false}, {sub{0, 1, 0}, false, false}}},
		{"WithinOneBatch", [][]sub{{{0, 1, 0}, {0, 1, 0}, {0, 2, 0}, {1, 1, 0}, {0, 1, 1}}},
			[][]wire.ReceiptStatus{{wire.Stored, wire.Duplicate, wire.Updated, wire.Stored, wire.Conflict}},
			[]row{{sub{0, 1, 0}, false, true}, {sub{0, 2, 0}, true, false}, {sub{0, 1, 1}, false, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newKit(t, open)
			for i, b := range tc.batches {
				var ivs []*survey.Interview
				for _, s := range b {
					ivs = append(ivs, k.iv(s.n, s.rev, s.variant))
				}
				if got := statuses(k.ingest(ivs...)); !slices.Equal(got, tc.want[i]) {
					t.Errorf("batch %d: receipts %v, want %v", i, got, tc.want[i])
				}
			}
			xs := k.submissions(k.base[0].ID)
			if len(xs) != len(tc.history) {
				t.Fatalf("history of %d rows, want %d", len(xs), len(tc.history))
			}
			for i, x := range xs {
				w := tc.history[i]
				wiv := k.iv(w.n, w.rev, w.variant)
				if x.ID != wiv.ID || x.Revision != w.rev || x.Hash != wiv.ContentHash() || x.Current != w.current || x.Conflict != w.conflict {
					t.Errorf("history[%d] = %s r%d current=%v conflict=%v (%s), want r%d variant %d current=%v conflict=%v",
						i, x.ID, x.Revision, x.Current, x.Conflict, x.Hash, w.rev, w.variant, w.current, w.conflict)
				}
			}
		})
	}
}

func testInvalid(t *testing.T, open Open) {
	k := newKit(t, open)
	bad := incoming(k.iv(1, 1, 0))
	bad.Invalid, bad.Body = "unknown form version: x", nil
	for round := range 2 { // resending the same content gives the same answer
		rs := k.ingestIn([]intake.Incoming{incoming(k.iv(0, 1, 0)), bad})
		if rs[1].Status != wire.Invalid || rs[1].Reason != bad.Invalid {
			t.Errorf("round %d: receipt %+v, want invalid with reason %q", round, rs[1], bad.Invalid)
		}
	}
	if xs := k.submissions(k.base[1].ID); len(xs) != 0 {
		t.Errorf("an invalid interview was stored: %d rows", len(xs))
	}
	held, err := k.st.Held(k.ctx, []wire.Item{wire.ItemOf(k.iv(1, 1, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if held[0] {
		t.Error("Held reports an invalid interview as held")
	}
	// Held content is a duplicate whatever the verdict now (a newer
	// validation rule): a retry is never judged anew.
	again := incoming(k.iv(0, 1, 0))
	again.Invalid = "failed validation: a newer rule"
	if rs := k.ingestIn([]intake.Incoming{again}); rs[0].Status != wire.Duplicate {
		t.Errorf("held content sent again and found invalid: %s (%s), want duplicate", rs[0].Status, rs[0].Reason)
	}
	// Not held, it is invalid, even when another revision of it is held.
	newer := incoming(k.iv(0, 2, 0))
	newer.Invalid = "failed validation: age"
	if rs := k.ingestIn([]intake.Incoming{newer}); rs[0].Status != wire.Invalid {
		t.Errorf("an invalid new revision: %s, want invalid", rs[0].Status)
	}
	if xs := k.submissions(k.base[0].ID); len(xs) != 1 || !xs[0].Current {
		t.Errorf("interview 0 after its invalid revision: %d rows", len(xs))
	}
	if got := k.stats(); got.Invalid != 3 || got.Duplicates != 2 || got.Submissions != 1 {
		t.Errorf("stats invalid=%d duplicates=%d submissions=%d, want 3, 2 and 1", got.Invalid, got.Duplicates, got.Submissions)
	}
}

func testIdempotent(t *testing.T, open Open) {
	k := newKit(t, open)
	var ivs []*survey.Interview
	for n := range 20 {
		ivs = append(ivs, k.iv(n, 1, 0))
	}
	first := k.ingest(ivs...)
	for i, r := range first {
		if r.Status != wire.Stored {
			t.Fatalf("first send: receipt %d is %s", i, r.Status)
		}
	}
	for i, r := range k.ingest(ivs...) {
		if r.Status != wire.Duplicate {
			t.Errorf("resend: receipt %d is %s, want duplicate", i, r.Status)
		}
	}
	if got := k.count(); got != 20 {
		t.Errorf("%d submissions stored after a resend, want 20", got)
	}
	items := []wire.Item{wire.ItemOf(ivs[0]), wire.ItemOf(k.iv(0, 1, 1)), wire.ItemOf(k.iv(21, 1, 0)), wire.ItemOf(ivs[19])}
	held, err := k.st.Held(k.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false, true}; !slices.Equal(held, want) {
		t.Errorf("Held = %v, want %v", held, want)
	}
	if held, err := k.st.Held(k.ctx, nil); err != nil || len(held) != 0 {
		t.Errorf("Held(nil) = %v, %v", held, err)
	}
}

// testAtomic sends a batch whose last interview the store cannot write (no
// body: the column is NOT NULL). Nothing of it may remain.
func testAtomic(t *testing.T, open Open) {
	k := newKit(t, open)
	k.ingest(k.iv(0, 1, 0))
	before := k.stats()
	bad := incoming(k.iv(3, 1, 0))
	bad.Body = nil
	in := []intake.Incoming{incoming(k.iv(1, 1, 0)), incoming(k.iv(0, 2, 0)), incoming(k.iv(2, 1, 0)), bad}
	if _, err := k.st.Ingest(k.ctx, meta(), in); err == nil {
		t.Fatal("a batch with an unwritable interview was accepted")
	}
	if got := k.count(); got != 1 {
		t.Errorf("%d submissions after a failed batch, want 1", got)
	}
	xs := k.submissions(k.base[0].ID)
	if len(xs) != 1 || !xs[0].Current || xs[0].Revision != 1 {
		t.Errorf("the failed batch changed interview 0's history: %+v", xs)
	}
	if after := k.stats(); after != before {
		t.Errorf("stats changed by a failed batch:\n%+v\nwant\n%+v", after, before)
	}
	// The same batch, repaired, is then decided as if the failure never happened.
	in[3] = incoming(k.iv(3, 1, 0))
	got := statuses(k.ingestIn(in))
	if want := []wire.ReceiptStatus{wire.Stored, wire.Updated, wire.Stored, wire.Stored}; !slices.Equal(got, want) {
		t.Errorf("repaired batch: %v, want %v", got, want)
	}
}

func testHistory(t *testing.T, open Open) {
	k := newKit(t, open)
	k.ingest(k.iv(0, 1, 0), k.iv(1, 1, 0))
	// An import has no token: the history still names the interview's
	// enumerator and device.
	k.ingestMeta(intake.BatchMeta{Source: "import", Bytes: 500, Received: received}, []intake.Incoming{incoming(k.iv(0, 2, 0))})
	if xs := k.submissions("uuid:unknown"); len(xs) != 0 {
		t.Errorf("Submissions of an unknown id: %d rows", len(xs))
	}
	xs := k.submissions(k.base[0].ID)
	if len(xs) != 2 {
		t.Fatalf("history of %d rows, want 2", len(xs))
	}
	for i, x := range xs {
		want := k.iv(0, i+1, 0)
		if !x.Received.Equal(received) {
			t.Errorf("history[%d].Received = %v, want %v", i, x.Received, received)
		}
		if x.FormHash != want.FormHash || x.Enumerator != "awa" || x.DeviceID != "dev1" {
			t.Errorf("history[%d] = form %s enumerator %s device %s", i, x.FormHash, x.Enumerator, x.DeviceID)
		}
		iv, err := x.Interview()
		if err != nil {
			t.Fatalf("history[%d]: %v", i, err)
		}
		if iv.ContentHash() != x.Hash || !bytes.Equal(x.Body, wire.MarshalInterview(want)) {
			t.Errorf("history[%d]: the body does not round-trip", i)
		}
	}
	var seqs []int64
	var ids []string
	err := k.st.EachSubmission(k.ctx, func(x intake.StoredInterview) error {
		seqs = append(seqs, x.Seq)
		ids = append(ids, fmt.Sprintf("%s r%d", x.ID, x.Revision))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{k.base[0].ID + " r1", k.base[1].ID + " r1", k.base[0].ID + " r2"}
	if !slices.Equal(ids, want) || !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != 3 {
		t.Errorf("EachSubmission: %v (seqs %v), want %v in increasing seq", ids, seqs, want)
	}
	if xs[0].Seq >= xs[1].Seq {
		t.Errorf("history seqs %d, %d: not increasing", xs[0].Seq, xs[1].Seq)
	}
	stop := errors.New("stop")
	calls := 0
	if err := k.st.EachSubmission(k.ctx, func(intake.StoredInterview) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("EachSubmission after fn failed: %v after %d calls, want the error after 1", err, calls)
	}
}

// testMany stores more submissions than a page or a query list of a
// backend might hold and reads them back every way.
func testMany(t *testing.T, open Open) {
	k := newKit(t, open)
	const batches, per = 12, 100
	var items []wire.Item
	for i := range batches {
		ivs := wiretest.Interviews(form, per, uint64(100+i), "awa", "dev1")
		for _, r := range k.ingest(ivs...) {
			if r.Status != wire.Stored {
				t.Fatalf("batch %d: %s is %s", i, r.ID, r.Status)
			}
		}
		for _, iv := range ivs {
			items = append(items, wire.ItemOf(iv))
		}
	}
	const n = batches * per
	if got := k.count(); got != n {
		t.Errorf("CountSubmissions = %d, want %d", got, n)
	}
	var last int64
	seen := 0
	err := k.st.EachSubmission(k.ctx, func(x intake.StoredInterview) error {
		if x.Seq <= last {
			return fmt.Errorf("seq %d after %d", x.Seq, last)
		}
		if x.ID != items[seen].ID {
			return fmt.Errorf("submission %d is %s, want %s (insertion order)", seen, x.ID, items[seen].ID)
		}
		last = x.Seq
		seen++
		return nil
	})
	if err != nil || seen != n {
		t.Errorf("EachSubmission: %d of %d, %v", seen, n, err)
	}
	held, err := k.st.Held(k.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if c := countTrue(held); c != n {
		t.Errorf("Held: %d of %d held", c, n)
	}
	out, err := k.st.Unforwarded(k.ctx, 0, 1000)
	if err != nil || len(out) != 1000 || out[999].ID != items[999].ID {
		t.Errorf("Unforwarded(1000): %d rows, %v", len(out), err)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// concurrent runs clients goroutines, each sending batch(i) once, and
// returns their receipts.
func (k *kit) concurrent(clients int, batch func(i int) []intake.Incoming) [][]wire.Receipt {
	out := make([][]wire.Receipt, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = k.st.Ingest(k.ctx, meta(), batch(i))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			k.t.Fatalf("client %d: %v", i, err)
		}
	}
	return out
}

// testConcurrentSame: four clients send overlapping batches of the same
// interviews at once. Each interview is stored exactly once; every other
// receipt for it is a duplicate.
func testConcurrentSame(t *testing.T, open Open) {
	k := newKit(t, open)
	const clients, n = 4, 24
	all := make([]intake.Incoming, n)
	for i := range all {
		all[i] = incoming(k.iv(i, 1, 0))
	}
	for round := range 3 {
		out := k.concurrent(clients, func(c int) []intake.Incoming {
			// Client c sends a window of 16 of the 24, rotated: every
			// interview is in two to four batches, in different orders.
			var b []intake.Incoming
			for j := range 16 {
				b = append(b, all[(c*4+j*(1+c%2)+round)%n])
			}
			return b
		})
		stored := map[string]int{}
		for _, rs := range out {
			for _, r := range rs {
				switch r.Status {
				case wire.Stored:
					stored[r.ID]++
				case wire.Duplicate:
				default:
					t.Errorf("round %d: %s got %s", round, r.ID, r.Status)
				}
			}
		}
		// The windows of round 0 cover all 24: each is stored then, once.
		for _, x := range all {
			want := 1
			if round > 0 {
				want = 0
			}
			if c := stored[x.Interview.ID]; c != want {
				t.Errorf("round %d: %s stored %d times, want %d", round, x.Interview.ID, c, want)
			}
		}
	}
	total := k.count()
	if total != n || len(k.distinct()) != n {
		t.Errorf("%d rows for %d distinct ids, want %d", total, len(k.distinct()), n)
	}
	for _, x := range all {
		if xs := k.submissions(x.Interview.ID); len(xs) > 1 || (len(xs) == 1 && !xs[0].Current) {
			t.Errorf("%s: %d rows (current %v), want one current", x.Interview.ID, len(xs), len(xs) == 1 && xs[0].Current)
		}
	}
	if s := k.stats(); s.Submissions != total || s.Interviews != total || s.Batches != 3*clients {
		t.Errorf("stats: submissions %d interviews %d batches %d; want %d, %d, %d", s.Submissions, s.Interviews, s.Batches, total, total, 3*clients)
	}
}

// distinct lists the ids stored.
func (k *kit) distinct() map[string]bool {
	k.t.Helper()
	ids := map[string]bool{}
	if err := k.st.EachSubmission(k.ctx, func(x intake.StoredInterview) error { ids[x.ID] = true; return nil }); err != nil {
		k.t.Fatal(err)
	}
	return ids
}

// testConcurrentConflict: four clients send different content for the same
// ids and revision at once. Exactly one is stored and current per id; the
// others are conflicts, kept beside it.
func testConcurrentConflict(t *testing.T, open Open) {
	k := newKit(t, open)
	const clients, n = 4, 10
	out := k.concurrent(clients, func(c int) []intake.Incoming {
		var b []intake.Incoming
		for i := range n {
			b = append(b, incoming(k.iv((i+c*3)%n, 1, c+1)))
		}
		return b
	})
	count := map[string]map[wire.ReceiptStatus]int{}
	for _, rs := range out {
		for _, r := range rs {
			if count[r.ID] == nil {
				count[r.ID] = map[wire.ReceiptStatus]int{}
			}
			count[r.ID][r.Status]++
		}
	}
	for i := range n {
		id := k.base[i].ID
		if c := count[id]; c[wire.Stored] != 1 || c[wire.Conflict] != clients-1 {
			t.Errorf("%s: receipts %v, want 1 stored and %d conflicts", id, c, clients-1)
		}
		xs := k.submissions(id)
		current := 0
		for _, x := range xs {
			if x.Current {
				current++
			}
			if !x.Conflict {
				t.Errorf("%s: a row of a conflict is not flagged", id)
			}
		}
		if len(xs) != clients || current != 1 {
			t.Errorf("%s: %d rows, %d current; want %d rows, 1 current", id, len(xs), current, clients)
		}
	}
}

func testTokens(t *testing.T, open Open) {
	k := newKit(t, open)
	created := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	mk := func(i int, enum string) intake.Token {
		h := intake.HashToken(fmt.Sprintf("secret-%d", i))
		return intake.Token{ID: h[:12], Hash: h, Enumerator: enum, Created: created.Add(time.Duration(i) * time.Hour), Kind: intake.TokenDevice}
	}
	relay := func(i int, name string, posts ...string) intake.Token {
		h := intake.HashToken(fmt.Sprintf("secret-%d", i))
		return intake.Token{ID: h[:12], Hash: h, Created: created.Add(time.Duration(i) * time.Hour), Kind: intake.TokenRelay, Relay: name, Posts: posts}
	}
	toks := []intake.Token{mk(0, "awa"), mk(1, "awa"), mk(2, "bina"), mk(3, "awa"), relay(4, "gogui", "gogui", "diboli")}
	for _, tk := range toks {
		if err := k.st.CreateToken(k.ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.st.CreateToken(k.ctx, toks[0]); err == nil {
		t.Error("a token with an existing id and hash was created again")
	}
	got, err := k.st.TokenByHash(k.ctx, toks[2].Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, toks[2]) {
		t.Errorf("TokenByHash = %+v, want %+v", *got, toks[2])
	}
	if _, err := k.st.TokenByHash(k.ctx, intake.HashToken("nope")); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("TokenByHash of an unknown token: %v, want ErrNotFound", err)
	}
	at := created.Add(48 * time.Hour)
	for _, c := range []struct {
		name, key, enum string
		want            int
	}{
		{"ByID", toks[0].ID, "", 1},
		{"AgainByID", toks[0].ID, "", 0},
		{"ByHash", toks[2].Hash, "", 1},
		{"ByEnumerator", "", "awa", 2}, // toks[0] is already revoked
		{"AgainByEnumerator", "", "awa", 0},
		{"Unknown", "", "nobody", 0},
	} {
		n, err := k.st.RevokeTokens(k.ctx, c.key, c.enum, at)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != c.want {
			t.Errorf("%s: revoked %d, want %d", c.name, n, c.want)
		}
		at = at.Add(time.Minute)
	}
	list, err := k.st.Tokens(k.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(toks) {
		t.Fatalf("Tokens: %d, want %d", len(list), len(toks))
	}
	wantRevoked := []time.Time{created.Add(48 * time.Hour), created.Add(48*time.Hour + 3*time.Minute),
		created.Add(48*time.Hour + 2*time.Minute), created.Add(48*time.Hour + 3*time.Minute), {}}
	for i, tk := range list {
		w := toks[i]
		w.Revoked = wantRevoked[i]
		if !reflect.DeepEqual(tk, w) {
			t.Errorf("Tokens[%d] = %+v, want %+v", i, tk, w)
		}
		// The server tells a revoked token from an unknown one: TokenByHash
		// still finds it.
		if got, err := k.st.TokenByHash(k.ctx, w.Hash); err != nil || !reflect.DeepEqual(*got, w) {
			t.Errorf("TokenByHash of revoked token %d = %+v, %v; want %+v", i, got, err, w)
		}
	}
	// A token made by intake.CreateToken is found by its secret's hash.
	secret, made, err := intake.CreateToken(k.ctx, k.st, "dede", created)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.st.TokenByHash(k.ctx, intake.HashToken(secret)); err != nil || !reflect.DeepEqual(*got, made) || !got.Revoked.IsZero() {
		t.Errorf("TokenByHash of a new token = %+v, %v; want %+v", got, err, made)
	}
}

func testForms(t *testing.T, open Open) {
	k := newKit(t, open)
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	fs := []intake.PublishedForm{
		{Hash: "sha256:bb", FormID: "returnee", Version: "2", Published: t0.Add(time.Hour), JSON: []byte(`{"v":2}`)},
		{Hash: "sha256:aa", FormID: "returnee", Version: "1", Published: t0, JSON: []byte(`{"v":1}`)},
		{Hash: "sha256:cc", FormID: "other", Version: "1", Published: t0.Add(time.Hour), JSON: []byte(`{"o":1}`)},
	}
	for _, f := range fs {
		created, err := k.st.PutForm(k.ctx, f)
		if err != nil || !created {
			t.Fatalf("PutForm %s: created=%v, %v", f.Hash, created, err)
		}
	}
	again := fs[0]
	again.JSON = []byte(`{"changed":true}`)
	if created, err := k.st.PutForm(k.ctx, again); err != nil || created {
		t.Errorf("PutForm of a known hash: created=%v, %v; want false, nil", created, err)
	}
	got, err := k.st.Form(k.ctx, "sha256:bb")
	if err != nil {
		t.Fatal(err)
	}
	if got.FormID != "returnee" || got.Version != "2" || !got.Published.Equal(fs[0].Published) || string(got.JSON) != `{"v":2}` {
		t.Errorf("Form = %+v, want %+v", *got, fs[0])
	}
	if _, err := k.st.Form(k.ctx, "sha256:none"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Form of an unknown hash: %v, want ErrNotFound", err)
	}
	list, err := k.st.Forms(k.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, f := range list {
		hashes = append(hashes, f.Hash)
	}
	// Oldest first; equal times in publication order.
	if want := []string{"sha256:aa", "sha256:bb", "sha256:cc"}; !slices.Equal(hashes, want) {
		t.Errorf("Forms: %v, want %v", hashes, want)
	}
	if s := k.stats(); s.Forms != 3 {
		t.Errorf("stats forms %d, want 3", s.Forms)
	}
}

func file(n int) ([]byte, string) {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

func (k *kit) appendChunk(sha string, size, off int64, data []byte) (int64, bool, error) {
	return k.st.AppendAttachment(k.ctx, sha, size, off, data)
}

func wantCode(t *testing.T, what string, err error, code wire.Code) *wire.Error {
	t.Helper()
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != code {
		t.Fatalf("%s: %v, want a *wire.Error %s", what, err, code)
	}
	return we
}

func testAttachments(t *testing.T, open Open) {
	k := newKit(t, open)
	data, sha := file(100_000)
	size := int64(len(data))
	if off, complete, err := k.st.AttachmentState(k.ctx, sha); err != nil || off != 0 || complete {
		t.Fatalf("state of an unknown attachment: %d %v %v", off, complete, err)
	}
	if _, err := k.st.Attachment(k.ctx, sha); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Attachment of an unknown file: %v, want ErrNotFound", err)
	}
	off := int64(0)
	for _, n := range []int64{30_000, 0, 30_000} {
		got, complete, err := k.appendChunk(sha, size, off, data[off:off+n])
		if err != nil || got != off+n || complete {
			t.Fatalf("append %d at %d: %d %v %v", n, off, got, complete, err)
		}
		off = got
	}
	// A resumed client that believes it is elsewhere is told where to go.
	_, _, err := k.appendChunk(sha, size, 10_000, data[10_000:20_000])
	if we := wantCode(t, "append at a wrong offset", err, wire.CodeOffsetMismatch); we.Offset == nil || *we.Offset != 60_000 {
		t.Errorf("offset mismatch carries offset %v, want 60000", we.Offset)
	}
	if got, complete, err := k.st.AttachmentState(k.ctx, sha); err != nil || got != 60_000 || complete {
		t.Errorf("state after 60000 bytes: %d %v %v", got, complete, err)
	}
	if _, err := k.st.Attachment(k.ctx, sha); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Attachment of an incomplete file: %v, want ErrNotFound", err)
	}
	got, complete, err := k.appendChunk(sha, size, off, data[off:])
	if err != nil || got != size || !complete {
		t.Fatalf("last chunk: %d %v %v", got, complete, err)
	}
	b, err := k.st.Attachment(k.ctx, sha)
	if err != nil || !bytes.Equal(b, data) {
		t.Fatalf("Attachment: %d bytes (%v), want the %d uploaded", len(b), err, len(data))
	}
	// A second upload of a complete file is told it is complete.
	if got, complete, err := k.appendChunk(sha, size, 0, data[:10]); err != nil || got != size || !complete {
		t.Errorf("append to a complete file: %d %v %v, want %d true nil", got, complete, err, size)
	}
	if s := k.stats(); s.Attachments != 1 || s.BytesReceived != size {
		t.Errorf("stats attachments %d bytes %d, want 1 and %d", s.Attachments, s.BytesReceived, size)
	}
	// An empty file is complete with one empty chunk.
	empty, esha := file(0)
	if got, complete, err := k.appendChunk(esha, 0, 0, empty); err != nil || got != 0 || !complete {
		t.Errorf("empty file: %d %v %v", got, complete, err)
	}
}

func testAttachmentErrors(t *testing.T, open Open) {
	k := newKit(t, open)
	data, sha := file(1000)
	if _, _, err := k.appendChunk(sha, 1000, 0, data[:400]); err != nil {
		t.Fatal(err)
	}
	_, _, err := k.appendChunk(sha, 2000, 400, data[400:])
	wantCode(t, "another size", err, wire.CodeBadRequest)
	_, _, err = k.appendChunk(sha, 1000, 400, append(slices.Clone(data[400:]), 1, 2, 3))
	wantCode(t, "a chunk past the size", err, wire.CodeBadRequest)
	if off, complete, err := k.st.AttachmentState(k.ctx, sha); err != nil || off != 400 || complete {
		t.Errorf("state after refused chunks: %d %v %v, want 400", off, complete, err)
	}
}

func testAttachmentHashMismatch(t *testing.T, open Open) {
	k := newKit(t, open)
	data, sha := file(5000)
	bad := slices.Clone(data)
	bad[4000] ^= 0xff
	if _, _, err := k.appendChunk(sha, 5000, 0, bad[:2500]); err != nil {
		t.Fatal(err)
	}
	_, _, err := k.appendChunk(sha, 5000, 2500, bad[2500:])
	wantCode(t, "corrupt upload", err, wire.CodeHashMismatch)
	if off, complete, err := k.st.AttachmentState(k.ctx, sha); err != nil || off != 0 || complete {
		t.Errorf("state after a hash mismatch: %d %v %v, want discarded (0)", off, complete, err)
	}
	if _, err := k.st.Attachment(k.ctx, sha); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Attachment after a hash mismatch: %v, want ErrNotFound", err)
	}
	// The upload starts again from zero and succeeds.
	if got, complete, err := k.appendChunk(sha, 5000, 0, data); err != nil || got != 5000 || !complete {
		t.Fatalf("re-upload: %d %v %v", got, complete, err)
	}
	if b, err := k.st.Attachment(k.ctx, sha); err != nil || !bytes.Equal(b, data) {
		t.Errorf("Attachment after the re-upload: %d bytes, %v", len(b), err)
	}
	// A whole file in one chunk whose bytes do not hash to its name.
	wrong := hex.EncodeToString(make([]byte, 32))
	_, _, err = k.appendChunk(wrong, 3, 0, []byte("abc"))
	wantCode(t, "a one-chunk upload under another name", err, wire.CodeHashMismatch)
	if off, complete, err := k.st.AttachmentState(k.ctx, wrong); err != nil || off != 0 || complete {
		t.Errorf("state after a one-chunk mismatch: %d %v %v, want discarded (0)", off, complete, err)
	}
	if _, err := k.st.Attachment(k.ctx, wrong); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Attachment after a one-chunk mismatch: %v, want ErrNotFound", err)
	}
	// The chunks that failed verification are not counted as received.
	if s := k.stats(); s.Attachments != 1 || s.BytesReceived != 2500+5000 {
		t.Errorf("stats attachments %d bytes %d, want 1 and %d", s.Attachments, s.BytesReceived, 2500+5000)
	}
}

func testRejections(t *testing.T, open Open) {
	k := newKit(t, open)
	other := wiretest.Interviews(form, 1, 99, "bina", "dev2")[0]
	k.ingest(k.iv(0, 1, 0), k.iv(1, 1, 0), other)
	k.ingest(k.iv(1, 2, 0))
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	reject := func(id, comment string) int64 {
		t.Helper()
		seq, err := k.st.Reject(k.ctx, id, comment, "sup", at)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	s0 := reject(k.base[0].ID, "âge ? vérifier")
	s1 := reject(other.ID, "missing legs")
	s2 := reject(k.base[1].ID, "check post")
	if !(s0 < s1 && s1 < s2) {
		t.Errorf("rejection seqs %d, %d, %d: not increasing", s0, s1, s2)
	}
	if _, err := k.st.Reject(k.ctx, "uuid:unknown", "x", "sup", at); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Reject of an unknown interview: %v, want ErrNotFound", err)
	}
	rs, err := k.st.Rejections(k.ctx, "awa", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d rejections for awa, want 2", len(rs))
	}
	for i, c := range []struct {
		seq     int64
		iv      *survey.Interview
		comment string
	}{{s0, k.iv(0, 1, 0), "âge ? vérifier"}, {s2, k.iv(1, 2, 0), "check post"}} {
		r := rs[i]
		if r.Seq != c.seq || r.ID != c.iv.ID || r.Revision != c.iv.Revision || r.Hash != c.iv.ContentHash() ||
			r.Comment != c.comment || r.By != "sup" || !r.At.Equal(at) {
			t.Errorf("rejection %d = seq %d %s r%d %q by %q at %v", i, r.Seq, r.ID, r.Revision, r.Comment, r.By, r.At)
		}
		if r.Interview == nil || r.Interview.ContentHash() != c.iv.ContentHash() ||
			r.Interview.Status != survey.StatusRejected || r.Interview.Comment != c.comment {
			t.Errorf("rejection %d: the interview is not the rejected submission marked rejected", i)
		}
	}
	// Delivery resumes after the highest seq the laptop holds, a page at a time.
	for _, c := range []struct {
		enum  string
		after int64
		limit int
		want  []int64
	}{
		{"awa", s0, 10, []int64{s2}},
		{"awa", 0, 1, []int64{s0}},
		{"awa", s2, 10, nil},
		{"bina", 0, 10, []int64{s1}},
		{"nobody", 0, 10, nil},
	} {
		rs, err := k.st.Rejections(k.ctx, c.enum, c.after, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range rs {
			got = append(got, r.Seq)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Rejections(%s, %d, %d) = %v, want %v", c.enum, c.after, c.limit, got, c.want)
		}
	}
	if s := k.stats(); s.Rejections != 3 {
		t.Errorf("stats rejections %d, want 3", s.Rejections)
	}
}

func testOutbox(t *testing.T, open Open) {
	k := newKit(t, open)
	k.ingest(k.iv(0, 1, 0), k.iv(1, 1, 0), k.iv(2, 1, 0))
	k.ingest(k.iv(0, 2, 0), k.iv(3, 1, 0))
	first, err := k.st.Unforwarded(k.ctx, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 || first[0].ID != k.base[0].ID || first[2].ID != k.base[2].ID {
		t.Fatalf("Unforwarded(3): %d rows, want the first three stored", len(first))
	}
	var seqs []int64
	for _, x := range first {
		seqs = append(seqs, x.Seq)
		if _, err := x.Interview(); err != nil {
			t.Errorf("outbox body: %v", err)
		}
	}
	// The upstream acknowledged only two of the three sent: the third is
	// sent again, before what came after it.
	if err := k.st.MarkForwarded(k.ctx, seqs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := k.st.MarkForwarded(k.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if s := k.stats(); s.Unforwarded != 3 {
		t.Errorf("stats unforwarded %d, want 3", s.Unforwarded)
	}
	rest, err := k.st.Unforwarded(k.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 3 || rest[0].Seq != seqs[2] || rest[1].ID != k.base[0].ID || rest[1].Revision != 2 || rest[2].ID != k.base[3].ID || rest[1].Seq <= seqs[2] {
		t.Errorf("Unforwarded after marking two: %d rows, want interview 2, r2 of interview 0, then interview 3", len(rest))
	}
	// A page after a cursor: what waits before it is passed over.
	past, err := k.st.Unforwarded(k.ctx, rest[0].Seq, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(past) != 1 || past[0].Seq != rest[1].Seq {
		t.Errorf("Unforwarded(after %d, 1): %d rows, want r2 of interview 0 (seq %d)", rest[0].Seq, len(past), rest[1].Seq)
	}
	if last, err := k.st.Unforwarded(k.ctx, rest[2].Seq, 10); err != nil || len(last) != 0 {
		t.Errorf("Unforwarded after the last row: %d rows, %v", len(last), err)
	}
	if err := k.st.MarkForwarded(k.ctx, []int64{rest[0].Seq, rest[1].Seq, rest[2].Seq}); err != nil {
		t.Fatal(err)
	}
	if rest, err := k.st.Unforwarded(k.ctx, 0, 10); err != nil || len(rest) != 0 {
		t.Errorf("Unforwarded with everything forwarded: %d rows, %v", len(rest), err)
	}
}

func testStats(t *testing.T, open Open) {
	k := newKit(t, open)
	if s := k.stats(); s != (intake.Stats{}) {
		t.Errorf("stats of an empty store: %+v", s)
	}
	bad := incoming(k.iv(5, 1, 0))
	bad.Invalid, bad.Body = "failed validation: age", nil
	k.ingest(k.iv(0, 1, 0), k.iv(1, 1, 0), k.iv(2, 1, 0))            // 3 stored
	k.ingest(k.iv(0, 1, 0), k.iv(1, 2, 0), k.iv(2, 1, 1))            // duplicate, updated, conflict
	k.ingestIn([]intake.Incoming{incoming(k.iv(1, 1, 1)), bad, bad}) // conflict (r1 variant), 2 invalid
	k.ingest(k.iv(3, 3, 0), k.iv(3, 2, 0), k.iv(3, 1, 0))            // stored, superseded, superseded
	if _, err := k.st.Reject(k.ctx, k.base[0].ID, "x", "sup", received); err != nil {
		t.Fatal(err)
	}
	data, sha := file(300)
	if _, _, err := k.appendChunk(sha, 300, 0, data); err != nil {
		t.Fatal(err)
	}
	if _, err := k.st.PutForm(k.ctx, intake.PublishedForm{Hash: "sha256:f", FormID: "f", Version: "1", Published: received, JSON: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if err := k.st.MarkForwarded(k.ctx, []int64{k.submissions(k.base[0].ID)[0].Seq}); err != nil {
		t.Fatal(err)
	}
	want := intake.Stats{
		Submissions: 9, Interviews: 4, Duplicates: 1, Updated: 1, Superseded: 2, Conflicts: 2, Invalid: 2,
		Batches: 4, BytesReceived: 4*1000 + 300, Attachments: 1, Forms: 1, Rejections: 1, Unforwarded: 8,
	}
	if got := k.stats(); got != want {
		t.Errorf("stats:\n got %+v\nwant %+v", got, want)
	}
}

// testLargeMixedBatch: one batch long enough for a store to write its rows
// in groups (25 new interviews), then, in the same batch, a new revision of
// the first, a conflicting version of the last and a duplicate of the
// tenth: every decision sees the batch's earlier rows, and the history is
// in batch order.
func testLargeMixedBatch(t *testing.T, open Open) {
	k := newKit(t, open)
	var ivs []*survey.Interview
	var want []wire.ReceiptStatus
	for n := range 25 {
		ivs = append(ivs, k.iv(n, 1, 0))
		want = append(want, wire.Stored)
	}
	ivs = append(ivs, k.iv(0, 2, 0), k.iv(24, 1, 1), k.iv(9, 1, 0), k.iv(25, 1, 0))
	want = append(want, wire.Updated, wire.Conflict, wire.Duplicate, wire.Stored)
	if got := statuses(k.ingest(ivs...)); !slices.Equal(got, want) {
		t.Fatalf("receipts %v, want %v", got, want)
	}
	if got := k.count(); got != 28 {
		t.Errorf("%d submissions, want 28", got)
	}
	checks := []struct {
		n    int
		rows []row
	}{
		{0, []row{{sub{0, 1, 0}, false, false}, {sub{0, 2, 0}, true, false}}},
		{24, []row{{sub{24, 1, 0}, true, true}, {sub{24, 1, 1}, false, true}}},
		{9, []row{{sub{9, 1, 0}, true, false}}},
	}
	for _, c := range checks {
		xs := k.submissions(k.base[c.n].ID)
		if len(xs) != len(c.rows) {
			t.Fatalf("interview %d: %d rows, want %d", c.n, len(xs), len(c.rows))
		}
		for i, x := range xs {
			w := c.rows[i]
			if x.Revision != w.rev || x.Hash != k.iv(w.n, w.rev, w.variant).ContentHash() || x.Current != w.current || x.Conflict != w.conflict {
				t.Errorf("interview %d history[%d] = r%d current=%v conflict=%v, want r%d variant %d current=%v conflict=%v",
					c.n, i, x.Revision, x.Current, x.Conflict, w.rev, w.variant, w.current, w.conflict)
			}
		}
	}
	var last int64
	var order []string
	if err := k.st.EachSubmission(k.ctx, func(x intake.StoredInterview) error {
		if x.Seq <= last {
			return fmt.Errorf("seq %d after %d", x.Seq, last)
		}
		last = x.Seq
		order = append(order, x.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{}
	for _, iv := range ivs {
		if iv != ivs[27] {
			wantOrder = append(wantOrder, iv.ID)
		}
	}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("rows not in batch order:\n%v\nwant\n%v", order, wantOrder)
	}
}
