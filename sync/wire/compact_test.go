package wire_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// TestCompactMessages: an offer, its answer and receipts survive the
// compact layouts, by position, ids and hashes carried once (in the offer).
func TestCompactMessages(t *testing.T) {
	form := wiretest.Form("1")
	ivs := wiretest.Interviews(form, 4, 11, "awa", "dev1")
	drafts := 3
	off := wire.Offer{Attachments: []string{strings.Repeat("0f", 32), strings.Repeat("a1", 32)}, Drafts: &drafts}
	for _, iv := range ivs {
		off.Items = append(off.Items, wire.ItemOf(iv))
	}
	off.Items[2].ID = "not-a-uuid" // any id travels, uuids as 16 bytes
	off.Items[3].Revision = 4
	b, err := wire.MarshalOffer(off)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.UnmarshalOffer(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, off) {
		t.Fatalf("offer round trip:\n got %+v\nwant %+v", got, off)
	}
	// An item: 17 bytes of uuid, 32 of hash, a revision and a form index;
	// the form hash and attachments once each.
	if max := 4*51 + 32 + 2*32 + 8; len(b) > max {
		t.Errorf("compact offer of 4 items costs %d bytes, more than %d", len(b), max)
	}

	rep := wire.OfferReply{
		Need: []wire.Item{off.Items[0], off.Items[3]},
		Receipts: []wire.Receipt{
			{ID: off.Items[1].ID, Revision: off.Items[1].Revision, Hash: off.Items[1].Hash, Status: wire.Duplicate},
			{ID: off.Items[2].ID, Revision: off.Items[2].Revision, Hash: off.Items[2].Hash, Status: wire.Invalid, Reason: "unknown form version x"},
		},
		Attachments: []wire.AttachmentState{{SHA256: off.Attachments[1], Offset: 4096}},
	}
	rb, err := wire.MarshalOfferReply(off, rep)
	if err != nil {
		t.Fatal(err)
	}
	grep, err := wire.UnmarshalOfferReply(off, rb)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*grep, rep) {
		t.Fatalf("offer answer round trip:\n got %+v\nwant %+v", *grep, rep)
	}

	var rs []wire.Receipt
	for i, st := range []wire.ReceiptStatus{wire.Stored, wire.Updated, wire.Invalid, wire.Conflict} {
		it := off.Items[i]
		r := wire.Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash, Status: st}
		if st == wire.Invalid {
			r.Reason = "failed validation: age"
		}
		rs = append(rs, r)
	}
	cb, err := wire.MarshalReceipts(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(cb) != 1+4+1+len("failed validation: age") {
		t.Errorf("receipts of 4 cost %d bytes", len(cb))
	}
	grs, err := wire.UnmarshalReceipts(off.Items, cb)
	if err != nil || !reflect.DeepEqual(grs, rs) {
		t.Fatalf("receipts round trip: %v\n got %+v\nwant %+v", err, grs, rs)
	}
	// Receipts for another number of items are refused, not misapplied.
	if _, err := wire.UnmarshalReceipts(off.Items[:3], cb); err == nil {
		t.Error("4 receipts applied to 3 items")
	}
}

// TestTypedValues: every answer survives the typed record layout exactly,
// canonical or not (a value not in its type's canonical shape travels as
// a string), so the content hash verifies.
func TestTypedValues(t *testing.T) {
	form := wiretest.Form("1")
	c, err := wire.NewCodec(form)
	if err != nil {
		t.Fatal(err)
	}
	base := wiretest.Interviews(form, 1, 12, "awa", "dev1")[0]
	var keys []string
	for k := range base.Data.Values {
		keys = append(keys, k)
	}
	odd := []string{"", "0", "-0", "007", "+5", "1.50", "-0.5", "1e3", "12345678901234567890", ".5", "5.",
		"2026-02-30", "2026-01-05", "1899-12-31", "2026-01-05T08:00:00.000Z", "2026-01-05T08:00:00Z",
		"2026-01-05T09:00:00.000+01:00", "yes", "no", "yes no", "no  yes", " yes", "unknown_choice", "dev1", "awa", "é"}
	for _, k := range keys {
		for _, v := range odd {
			iv := clone(t, base)
			iv.Data.Values[k] = v
			frame, err := c.Encode(nil, []*survey.Interview{iv})
			if err != nil {
				t.Fatal(err)
			}
			ds, err := wire.DecodeBatch(frame, wire.DefaultLimits, source{form.Hash: c})
			if err != nil {
				t.Fatalf("%s = %q: %v", k, v, err)
			}
			if got := ds[0].Interview.Data.Values[k]; got != v {
				t.Fatalf("%s = %q came back %q", k, v, got)
			}
		}
	}
	// Times far from the usual: zero end, sub-millisecond start.
	iv := clone(t, base)
	iv.Ended, iv.Started = time.Time{}, time.Date(2019, 3, 1, 1, 2, 3, 4567, time.UTC)
	frame, err := c.Encode(nil, []*survey.Interview{iv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.DecodeBatch(frame, wire.DefaultLimits, source{form.Hash: c}); err != nil {
		t.Fatal(err)
	}
}

func clone(t *testing.T, iv *survey.Interview) *survey.Interview {
	t.Helper()
	b := wire.MarshalInterview(iv)
	out, _, err := wire.UnmarshalInterview(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
