// Package intaketest is the conformance suite of intake.Store: every
// backend (intake/sqlite, intake/postgres) runs TestStore against a fresh
// store and so behaves the same to the server.
package intaketest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// TestStore runs the suite; open returns a new, empty store (closed by the
// suite).
func TestStore(t *testing.T, open func(t *testing.T) intake.Store) {
	fresh := func(t *testing.T) intake.Store {
		s := open(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("Forms", func(t *testing.T) { testForms(t, fresh(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, fresh(t)) })
	t.Run("Receipts", func(t *testing.T) { testReceipts(t, fresh(t)) })
	t.Run("ConcurrentOverlap", func(t *testing.T) { testConcurrent(t, fresh(t)) })
	t.Run("Attachments", func(t *testing.T) { testAttachments(t, fresh(t)) })
	t.Run("RejectionsAndOutbox", func(t *testing.T) { testRejections(t, fresh(t)) })
}

var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// Incoming returns iv ready for Store.Ingest, as the server prepares it.
func Incoming(iv *survey.Interview) intake.Incoming {
	h := iv.ContentHash()
	return intake.Incoming{Interview: iv, Hash: h, Body: wire.MarshalInterviewHash(iv, h), Size: 100}
}

func ingest(t *testing.T, s intake.Store, ivs ...*survey.Interview) []wire.ReceiptStatus {
	t.Helper()
	in := make([]intake.Incoming, len(ivs))
	for i, iv := range ivs {
		in[i] = Incoming(iv)
	}
	rs, err := s.Ingest(context.Background(), intake.BatchMeta{Source: "test", Bytes: 1000, Received: t0}, in)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]wire.ReceiptStatus, len(rs))
	for i, r := range rs {
		out[i] = r.Status
		if r.ID != ivs[i].ID || r.Hash != in[i].Hash || r.Revision != ivs[i].Revision {
			t.Errorf("receipt %d names %s r%d %s", i, r.ID, r.Revision, r.Hash)
		}
	}
	return out
}

func testForms(t *testing.T, s intake.Store) {
	ctx := context.Background()
	f := intake.PublishedForm{Hash: "sha256:aa", FormID: "f", Version: "1", Published: t0, JSON: []byte(`{"x":1}`)}
	for i, want := range []bool{true, false} {
		created, err := s.PutForm(ctx, f)
		if err != nil || created != want {
			t.Fatalf("PutForm #%d: created %v, %v; want %v", i+1, created, err, want)
		}
	}
	g := f
	g.Hash, g.Version, g.Published = "sha256:bb", "2", t0.Add(time.Hour)
	if _, err := s.PutForm(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := s.Form(ctx, "sha256:aa")
	if err != nil || got.FormID != "f" || string(got.JSON) != `{"x":1}` || !got.Published.Equal(t0) {
		t.Errorf("Form: %+v %v", got, err)
	}
	if _, err := s.Form(ctx, "sha256:cc"); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Form of an unknown hash: %v, want ErrNotFound", err)
	}
	all, err := s.Forms(ctx)
	if err != nil || len(all) != 2 || all[0].Hash != "sha256:aa" || all[1].Hash != "sha256:bb" {
		t.Errorf("Forms: %+v %v", all, err)
	}
}

func testTokens(t *testing.T, s intake.Store) {
	ctx := context.Background()
	a1, _, err := intake.CreateToken(ctx, s, "awa", t0)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := intake.CreateToken(ctx, s, "awa", t0)
	m, mt, _ := intake.CreateToken(ctx, s, "moussa", t0)
	got, err := s.TokenByHash(ctx, intake.HashToken(m))
	if err != nil || got.Enumerator != "moussa" || got.ID != mt.ID || !got.Revoked.IsZero() {
		t.Fatalf("TokenByHash: %+v %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, intake.HashToken("nope")); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if n, err := s.RevokeTokens(ctx, "", "awa", t0.Add(time.Hour)); n != 2 || err != nil {
		t.Errorf("revoke by enumerator: %d %v", n, err)
	}
	if n, _ := s.RevokeTokens(ctx, "", "awa", t0.Add(time.Hour)); n != 0 {
		t.Errorf("revoking again: %d", n)
	}
	if n, err := s.RevokeTokens(ctx, mt.ID, "", t0.Add(time.Hour)); n != 1 || err != nil {
		t.Errorf("revoke by id: %d %v", n, err)
	}
	for _, sec := range []string{a1, a2, m} {
		tok, err := s.TokenByHash(ctx, intake.HashToken(sec))
		if err != nil || tok.Revoked.IsZero() {
			t.Errorf("token not revoked: %+v %v", tok, err)
		}
	}
	ts, err := s.Tokens(ctx)
	if err != nil || len(ts) != 3 {
		t.Errorf("Tokens: %d %v", len(ts), err)
	}
}

func testReceipts(t *testing.T, s intake.Store) {
	ctx := context.Background()
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 4, 21, "awa", "dev1")
	if got := ingest(t, s, ivs[0], ivs[1]); !slices.Equal(got, []wire.ReceiptStatus{wire.Stored, wire.Stored}) {
		t.Fatalf("first: %v", got)
	}
	rev2 := *ivs[0]
	rev2.Revision = 2
	conf := *ivs[1]
	conf.Comment = "x"
	conf.Data = &survey.Record{Values: map[string]string{"/data/age": "7"}}
	rev3 := *ivs[2]
	rev3.Revision = 3
	bad := intake.Incoming{Interview: ivs[3], Hash: ivs[3].ContentHash(), Invalid: "failed validation: test"}
	// Within one batch: the same interview twice is stored then duplicate;
	// an older revision after a newer one is superseded.
	in := []intake.Incoming{Incoming(&rev2), Incoming(&conf), Incoming(&rev3), Incoming(ivs[2]), Incoming(&rev3), bad}
	rs, err := s.Ingest(ctx, intake.BatchMeta{Source: "test", Bytes: 500, Received: t0}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.ReceiptStatus{wire.Updated, wire.Conflict, wire.Stored, wire.Superseded, wire.Duplicate, wire.Invalid}
	got := make([]wire.ReceiptStatus, len(rs))
	for i, r := range rs {
		got[i] = r.Status
	}
	if !slices.Equal(got, want) {
		t.Fatalf("receipts %v, want %v", got, want)
	}
	if rs[5].Reason != "failed validation: test" {
		t.Errorf("invalid reason %q", rs[5].Reason)
	}
	// Held content is a duplicate even when the server now finds it invalid.
	again := Incoming(ivs[0])
	again.Invalid = "failed validation: a newer rule"
	if rs, err := s.Ingest(ctx, intake.BatchMeta{Source: "test", Received: t0}, []intake.Incoming{again}); err != nil || rs[0].Status != wire.Duplicate {
		t.Errorf("held content judged again: %+v %v", rs, err)
	}
	held, err := s.Held(ctx, []wire.Item{wire.ItemOf(ivs[0]), wire.ItemOf(&rev2), wire.ItemOf(ivs[3])})
	if err != nil || !slices.Equal(held, []bool{true, true, false}) {
		t.Errorf("Held: %v %v", held, err)
	}
	subs, err := s.Submissions(ctx, ivs[1].ID)
	if err != nil || len(subs) != 2 || !subs[0].Conflict || !subs[1].Conflict || !subs[0].Current || subs[1].Current {
		t.Errorf("conflict: %+v %v", subs, err)
	}
	subs, _ = s.Submissions(ctx, ivs[0].ID)
	if len(subs) != 2 || subs[0].Current || !subs[1].Current || subs[1].Revision != 2 {
		t.Errorf("history: %+v", subs)
	}
	back, err := subs[1].Interview()
	if err != nil || back.ContentHash() != rev2.ContentHash() {
		t.Errorf("stored body: %v", err)
	}
	n, err := s.CountSubmissions(ctx)
	if err != nil || n != 6 {
		t.Errorf("CountSubmissions: %d %v", n, err)
	}
	var seqs []int64
	if err := s.EachSubmission(ctx, func(x intake.StoredInterview) error { seqs = append(seqs, x.Seq); return nil }); err != nil || len(seqs) != 6 || !slices.IsSorted(seqs) {
		t.Errorf("EachSubmission: %v %v", seqs, err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSt := intake.Stats{Submissions: 6, Interviews: 3, Duplicates: 2, Updated: 1, Superseded: 1, Conflicts: 1, Invalid: 1,
		Batches: 3, BytesReceived: 1500, Unforwarded: 6}
	if st != wantSt {
		t.Errorf("Stats %+v, want %+v", st, wantSt)
	}
}

// testConcurrent sends overlapping batches from several goroutines: every
// interview is stored exactly once, the others are duplicates.
func testConcurrent(t *testing.T, s intake.Store) {
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 200, 22, "awa", "dev1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[wire.ReceiptStatus]int{}
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g * 10; i < len(ivs); i += 40 {
				batch := ivs[i:min(i+60, len(ivs))] // overlaps the next goroutines' batches
				in := make([]intake.Incoming, len(batch))
				for j, iv := range batch {
					in[j] = Incoming(iv)
				}
				rs, err := s.Ingest(context.Background(), intake.BatchMeta{Source: "test", Received: t0}, in)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, r := range rs {
					counts[r.Status]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n, err := s.CountSubmissions(context.Background())
	if err != nil || n != int64(len(ivs)) || counts[wire.Stored] != len(ivs) || len(counts) > 2 {
		t.Errorf("%d stored rows, receipts %v; want %d stored once", n, counts, len(ivs))
	}
}

func testAttachments(t *testing.T, s intake.Store) {
	ctx := context.Background()
	data := []byte("a photograph, or so we pretend")
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	size := int64(len(data))
	if off, complete, err := s.AttachmentState(ctx, sha); off != 0 || complete || err != nil {
		t.Fatalf("state of an unknown attachment: %d %v %v", off, complete, err)
	}
	if off, complete, err := s.AppendAttachment(ctx, sha, size, 0, data[:10]); off != 10 || complete || err != nil {
		t.Fatalf("first chunk: %d %v %v", off, complete, err)
	}
	_, _, err := s.AppendAttachment(ctx, sha, size, 5, data[5:])
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeOffsetMismatch || we.Offset == nil || *we.Offset != 10 {
		t.Errorf("wrong offset: %v", err)
	}
	if off, complete, err := s.AppendAttachment(ctx, sha, size, 10, data[10:]); off != size || !complete || err != nil {
		t.Fatalf("last chunk: %d %v %v", off, complete, err)
	}
	got, err := s.Attachment(ctx, sha)
	if err != nil || string(got) != string(data) {
		t.Errorf("Attachment: %q %v", got, err)
	}
	// Appending to a complete attachment changes nothing.
	if off, complete, err := s.AppendAttachment(ctx, sha, size, 0, data); off != size || !complete || err != nil {
		t.Errorf("append to complete: %d %v %v", off, complete, err)
	}
	// Bytes that do not hash to the name are discarded.
	wrong := hex.EncodeToString(make([]byte, 32))
	_, _, err = s.AppendAttachment(ctx, wrong, 3, 0, []byte("abc"))
	if wire.ErrorCode(err) != wire.CodeHashMismatch {
		t.Errorf("mismatch: %v", err)
	}
	if off, _, _ := s.AttachmentState(ctx, wrong); off != 0 {
		t.Errorf("mismatched upload kept %d bytes", off)
	}
	if _, err := s.Attachment(ctx, wrong); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("Attachment of an incomplete upload: %v", err)
	}
	st, _ := s.Stats(ctx)
	if st.Attachments != 1 || st.BytesReceived != size { // bytes of stored chunks and accepted batches
		t.Errorf("stats: %d attachments, %d bytes", st.Attachments, st.BytesReceived)
	}
}

func testRejections(t *testing.T, s intake.Store) {
	ctx := context.Background()
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 3, 23, "awa", "dev1")
	other := wiretest.Interviews(f, 1, 24, "moussa", "dev2")
	ingest(t, s, append(ivs, other...)...)
	if _, err := s.Reject(ctx, "uuid:none", "c", "sup", t0); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("reject unknown: %v", err)
	}
	s1, err := s.Reject(ctx, ivs[0].ID, "âge ?", "sup", t0)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := s.Reject(ctx, other[0].ID, "c", "sup", t0)
	s3, _ := s.Reject(ctx, ivs[2].ID, "c", "sup", t0)
	if !(s1 < s2 && s2 < s3) {
		t.Errorf("seqs not increasing: %d %d %d", s1, s2, s3)
	}
	rs, err := s.Rejections(ctx, "awa", 0, 10)
	if err != nil || len(rs) != 2 || rs[0].ID != ivs[0].ID || rs[0].Comment != "âge ?" || rs[1].ID != ivs[2].ID {
		t.Fatalf("Rejections: %+v %v", rs, err)
	}
	if rs[0].Interview == nil || rs[0].Interview.ContentHash() != ivs[0].ContentHash() || rs[0].Interview.Status != survey.StatusRejected {
		t.Errorf("rejected interview: %+v", rs[0].Interview)
	}
	if rs, _ := s.Rejections(ctx, "awa", s1, 10); len(rs) != 1 || rs[0].Seq != s3 {
		t.Errorf("Rejections after %d: %+v", s1, rs)
	}
	if rs, _ := s.Rejections(ctx, "awa", 0, 1); len(rs) != 1 {
		t.Errorf("limit: %d", len(rs))
	}

	out, err := s.Unforwarded(ctx, 3)
	if err != nil || len(out) != 3 {
		t.Fatalf("Unforwarded: %d %v", len(out), err)
	}
	if err := s.MarkForwarded(ctx, []int64{out[0].Seq, out[1].Seq}); err != nil {
		t.Fatal(err)
	}
	rest, _ := s.Unforwarded(ctx, 10)
	if len(rest) != 2 || rest[0].Seq != out[2].Seq {
		t.Errorf("after MarkForwarded: %v", seqsOf(rest))
	}
}

func seqsOf(xs []intake.StoredInterview) string {
	var s string
	for _, x := range xs {
		s += fmt.Sprint(x.Seq, " ")
	}
	return s
}
