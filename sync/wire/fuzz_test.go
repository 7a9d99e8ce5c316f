package wire_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// FuzzDecodeBatch feeds arbitrary bytes to the batch decoder: it must return
// a *wire.Error or interviews whose hashes verify, never panic or hang.
func FuzzDecodeBatch(f *testing.F) {
	form := wiretest.Form("1")
	c, err := wire.NewCodec(form)
	if err != nil {
		f.Fatal(err)
	}
	g, err := wire.NewCodec(nil)
	if err != nil {
		f.Fatal(err)
	}
	ivs := wiretest.Interviews(form, 3, 7, "awa", "dev1")
	for _, n := range []int{0, 1, 3} {
		fr, err := c.Encode(nil, ivs[:n])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fr)
		gr, _ := g.Encode(nil, ivs[:n])
		f.Add(gr)
	}
	f.Add([]byte("SIRB"))
	f.Add([]byte{})
	src := source{form.Hash: c, "": g}
	lim := wire.Limits{MaxPayload: 1 << 20, MaxDecoded: 4 << 20, MaxCount: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := wire.DecodeBatch(b, lim, src)
		if err != nil {
			if wire.ErrorCode(err) == wire.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for _, d := range ds {
			if d.Interview.ContentHash() != d.Hash {
				t.Fatal("decoded an interview whose hash does not verify")
			}
		}
	})
}

// FuzzRecord fuzzes the record decoder directly, behind a valid frame, so
// the fuzzer does not have to find the CRC.
func FuzzRecord(f *testing.F) {
	form := wiretest.Form("1")
	c, err := wire.NewCodec(form)
	if err != nil {
		f.Fatal(err)
	}
	fr, _ := c.Encode(nil, wiretest.Interviews(form, 2, 8, "awa", "dev1"))
	frame, _ := wire.ParseFrame(fr, wire.DefaultLimits)
	raw, err := wire.RawPayload(c, frame)
	if err != nil {
		f.Fatal(err)
	}
	// Version 2 records (frames), version 1 records (the storage layout
	// is version 1's without a key table).
	f.Add(raw, uint8(2), uint8(2))
	f.Add([]byte{0}, uint8(1), uint8(2))
	f.Add(wire.MarshalInterview(wiretest.Interviews(form, 1, 9, "awa", "dev1")[0]), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, count, version uint8) {
		fr := &wire.Frame{Version: int(version%2) + 1, Kind: wire.KindInterviews, Subject: frame.Subject, Count: int(count), DecodedLen: len(raw), Payload: raw}
		ds, err := c.Decode(fr, wire.DefaultLimits)
		if err != nil {
			if wire.ErrorCode(err) == wire.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(ds) != int(count) {
			t.Fatalf("%d interviews, header said %d", len(ds), count)
		}
	})
}

// FuzzBody feeds arbitrary bytes to UnmarshalInterview, as a damaged
// stored submission would: a CodeCorrupt error or an interview, never a
// panic; and an interview it accepts marshals to a body that reads back as
// the same interview.
func FuzzBody(f *testing.F) {
	form := wiretest.Form("1")
	for _, iv := range wiretest.Interviews(form, 3, 10, "awa", "dev1") {
		f.Add(wire.MarshalInterview(iv))
	}
	f.Add([]byte{2})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		iv, h, err := wire.UnmarshalInterview(b)
		if err != nil {
			if wire.ErrorCode(err) != wire.CodeCorrupt {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		again := wire.MarshalInterviewHash(iv, h)
		iv2, h2, err := wire.UnmarshalInterview(again)
		if err != nil {
			t.Fatalf("a body MarshalInterviewHash wrote does not read: %v", err)
		}
		if h2 != h || !bytes.Equal(wire.MarshalInterviewHash(iv2, h2), again) {
			t.Fatal("body does not read back as the interview it was written from")
		}
	})
}

// FuzzCompact feeds arbitrary bytes to the compact message decoders (offer,
// offer answer, receipts): a typed error or a message, never a panic, and
// an answer never names more items than were offered.
func FuzzCompact(f *testing.F) {
	form := wiretest.Form("1")
	ivs := wiretest.Interviews(form, 3, 5, "awa", "dev1")
	off := wire.Offer{Attachments: []string{strings.Repeat("ab", 32)}}
	for _, iv := range ivs {
		off.Items = append(off.Items, wire.ItemOf(iv))
	}
	ob, err := wire.MarshalOffer(off)
	if err != nil {
		f.Fatal(err)
	}
	rep := wire.OfferReply{
		Receipts:    []wire.Receipt{{ID: ivs[1].ID, Hash: off.Items[1].Hash, Status: wire.Invalid, Reason: "unknown form version"}},
		Attachments: []wire.AttachmentState{{SHA256: off.Attachments[0], Offset: 7}},
	}
	rb, err := wire.MarshalOfferReply(off, rep)
	if err != nil {
		f.Fatal(err)
	}
	cb, err := wire.MarshalReceipts([]wire.Receipt{{Status: wire.Stored}, {Status: wire.Duplicate}, {Status: wire.Invalid, Reason: "failed validation"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ob)
	f.Add(rb)
	f.Add(cb)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if o, err := wire.UnmarshalOffer(b); err != nil {
			if wire.ErrorCode(err) == wire.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
		} else if _, err := wire.MarshalOffer(o); err != nil && len(o.Items) > 0 && o.Items[0].Hash != "" {
			t.Logf("decoded offer does not re-encode: %v", err)
		}
		if r, err := wire.UnmarshalOfferReply(off, b); err == nil && len(r.Need)+len(r.Receipts) != len(off.Items) {
			t.Fatalf("answer for %d items, offered %d", len(r.Need)+len(r.Receipts), len(off.Items))
		}
		if rs, err := wire.UnmarshalReceipts(off.Items, b); err == nil && len(rs) != len(off.Items) {
			t.Fatalf("%d receipts for %d items", len(rs), len(off.Items))
		}
	})
}

// FuzzFileReader reads arbitrary bytes as a batch file: frames or a typed
// error, never a panic, and never more frames than the bytes could hold.
func FuzzFileReader(f *testing.F) {
	form := wiretest.Form("1")
	c, err := wire.NewCodec(form)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	fw, _ := wire.NewFileWriter(&buf)
	fr, _ := c.Encode(nil, wiretest.Interviews(form, 2, 9, "awa", "dev1"))
	fw.WriteFrame(fr)
	att, _ := wire.AttachmentFrame("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", []byte("foo"))
	fw.WriteFrame(att)
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:wire.FileHeaderSize])
	f.Add([]byte("SIRABATC"))
	lim := wire.Limits{MaxPayload: 1 << 20, MaxDecoded: 4 << 20, MaxCount: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := wire.NewFileReader(bytes.NewReader(b), lim)
		if err != nil {
			if wire.ErrorCode(err) == wire.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		for n := 0; ; n++ {
			if n*wire.HeaderSize > len(b) {
				t.Fatal("more frames than bytes")
			}
			_, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if wire.ErrorCode(err) == wire.CodeInternal {
					t.Fatalf("untyped error: %v", err)
				}
				return
			}
		}
	})
}
