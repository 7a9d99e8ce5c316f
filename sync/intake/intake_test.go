package intake_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"sira/forms"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

func TestReceipts(t *testing.T) {
	e := newEnv(t, intake.Config{})
	ctx := context.Background()
	ivs := e.interviews(4, 1)

	// Stored, then the same batch again: duplicates, nothing added.
	if got := statuses(e.batch(e.frame(ivs[:2]))); !slices.Equal(got, []wire.ReceiptStatus{wire.Stored, wire.Stored}) {
		t.Fatalf("first batch: %v", got)
	}
	if got := statuses(e.batch(e.frame(ivs[:2]))); !slices.Equal(got, []wire.ReceiptStatus{wire.Duplicate, wire.Duplicate}) {
		t.Fatalf("retry: %v", got)
	}
	if got, want := e.count(), int64(2); got != want {
		t.Fatalf("after retry: %d submissions, want %d", got, want)
	}

	// Updated: revision 2 of ivs[0]; the history keeps revision 1.
	rev2 := *ivs[0]
	rev2.Revision = 2
	rev2.Data = &survey.Record{Values: map[string]string{"/data/age": "41"}}
	// Conflict: ivs[1] revision 1 with different content.
	conf := *ivs[1]
	conf.Data = &survey.Record{Values: map[string]string{"/data/age": "99"}}
	// Superseded: revision 1 content variant arriving after revision 2... use
	// ivs[2]: store rev 3 first, then rev 2.
	rev3 := *ivs[2]
	rev3.Revision = 3
	old2 := *ivs[2]
	old2.Revision = 2
	// Invalid: an answer to a field the form does not have.
	bad := *ivs[3]
	bad.Data = &survey.Record{Values: map[string]string{"/data/nope": "1"}}
	// Invalid: the required age missing (the survey engine's check).
	noAge := *ivs[3]
	noAge.Data = &survey.Record{Values: map[string]string{"/data/post": "Gao"}}

	got := e.batch(e.frame([]*survey.Interview{&rev2, &conf, &rev3, &old2, &bad, &noAge}))
	want := []wire.ReceiptStatus{wire.Updated, wire.Conflict, wire.Stored, wire.Superseded, wire.Invalid, wire.Invalid}
	if !slices.Equal(statuses(got), want) {
		t.Fatalf("receipts %v, want %v", statuses(got), want)
	}
	if !strings.Contains(got[4].Reason, "/data/nope") {
		t.Errorf("invalid receipt for an unknown field: reason %q", got[4].Reason)
	}
	if !strings.Contains(got[5].Reason, "failed validation") || !strings.Contains(got[5].Reason, "age") {
		t.Errorf("invalid receipt for a missing required answer: reason %q", got[5].Reason)
	}
	for i, iv := range []*survey.Interview{&rev2, &conf, &rev3, &old2, &bad} {
		if got[i].ID != iv.ID || got[i].Revision != iv.Revision || got[i].Hash != iv.ContentHash() {
			t.Errorf("receipt %d names %s r%d %s", i, got[i].ID, got[i].Revision, got[i].Hash)
		}
	}

	// History of ivs[0]: revision 1 then 2, only 2 current.
	subs, err := e.store.Submissions(ctx, ivs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Revision != 1 || subs[0].Current || subs[1].Revision != 2 || !subs[1].Current {
		t.Errorf("history of an updated interview: %+v", subs)
	}
	// Conflict: both kept, both flagged, the first still current.
	subs, err = e.store.Submissions(ctx, ivs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || !subs[0].Conflict || !subs[1].Conflict || !subs[0].Current || subs[1].Current ||
		subs[0].Hash != ivs[1].ContentHash() || subs[1].Hash != conf.ContentHash() {
		t.Errorf("conflict not kept side by side: %+v", subs)
	}
	// Superseded: rev 3 stays current.
	subs, err = e.store.Submissions(ctx, ivs[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || !subs[0].Current || subs[0].Revision != 3 || subs[1].Current {
		t.Errorf("superseded revision became current: %+v", subs)
	}
	// Invalid: not stored.
	if subs, _ := e.store.Submissions(ctx, ivs[3].ID); len(subs) != 0 {
		t.Errorf("invalid interview stored: %+v", subs)
	}
	// The stored body is the interview, verifying its hash.
	back, err := subs0(t, e, ivs[0].ID).Interview()
	if err != nil || back.ContentHash() != ivs[0].ContentHash() {
		t.Errorf("stored body does not verify: %v", err)
	}

	st, err := e.store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSt := intake.Stats{Submissions: 6, Interviews: 3, Duplicates: 2, Updated: 1, Superseded: 1, Conflicts: 1, Invalid: 2,
		Batches: 3, Forms: 1, Unforwarded: 6}
	gotSt := st
	gotSt.BytesReceived = 0
	if gotSt != wantSt {
		t.Errorf("stats %+v, want %+v", gotSt, wantSt)
	}
	if st.BytesReceived <= 0 {
		t.Error("bytes_received not counted")
	}
}

func subs0(t *testing.T, e *env, id string) intake.StoredInterview {
	t.Helper()
	subs, err := e.store.Submissions(context.Background(), id)
	if err != nil || len(subs) == 0 {
		t.Fatalf("submissions of %s: %v", id, err)
	}
	return subs[0]
}

func TestUnknownFormInGenericBatch(t *testing.T) {
	e := newEnv(t, intake.Config{})
	g, err := wire.NewCodec(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := wiretest.Form("2") // never published
	ivs := append(e.interviews(1, 2), wiretest.Interviews(other, 1, 3, "awa", "dev1")...)
	frame, err := g.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := intaketest.PostFrame(http.DefaultClient, e.http.URL, e.token, g, frame)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(statuses(got), []wire.ReceiptStatus{wire.Stored, wire.Invalid}) {
		t.Fatalf("receipts %v", statuses(got))
	}
	if got[1].Reason == "" {
		t.Error("no reason for the unknown form")
	}
}

func TestOffer(t *testing.T) {
	e := newEnv(t, intake.Config{})
	ivs := e.interviews(3, 4)
	e.batch(e.frame(ivs[:1]))
	other := wiretest.Interviews(wiretest.Form("2"), 1, 5, "awa", "dev1")[0]
	att := sha256.Sum256([]byte("photo"))
	rep, r := e.offer(wire.Offer{
		Items:       []wire.Item{wire.ItemOf(ivs[0]), wire.ItemOf(ivs[1]), wire.ItemOf(ivs[2]), wire.ItemOf(other)},
		Attachments: []string{hex.EncodeToString(att[:])},
	})
	if rep == nil {
		t.Fatalf("offer: %d %s", r.status, r.body)
	}
	if len(rep.Need) != 2 || rep.Need[0].ID != ivs[1].ID || rep.Need[1].ID != ivs[2].ID {
		t.Errorf("need %+v", rep.Need)
	}
	byID := map[string]wire.ReceiptStatus{}
	for _, rc := range rep.Receipts {
		byID[rc.ID] = rc.Status
	}
	if byID[ivs[0].ID] != wire.Duplicate || byID[other.ID] != wire.Invalid || len(rep.Receipts) != 2 {
		t.Errorf("offer receipts %+v", rep.Receipts)
	}
	if len(rep.Attachments) != 1 || rep.Attachments[0].Offset != 0 {
		t.Errorf("attachments %+v", rep.Attachments)
	}
	if e.count() != 1 {
		t.Error("an offer stored something")
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t, intake.Config{Limits: wire.Limits{MaxPayload: 64 << 10, MaxDecoded: 1 << 20, MaxCount: 500}})
	ctx := context.Background()
	good := e.frame(e.interviews(5, 6))
	mut := func(fn func([]byte)) []byte { b := slices.Clone(good); fn(b); return b }

	enc, _ := zstd.NewWriter(nil)
	bombPayload := enc.EncodeAll(make([]byte, 50<<20), nil)
	bomb := (&wire.Frame{Version: 1, Kind: wire.KindInterviews, Flags: wire.FlagZstd, Count: 1, DecodedLen: 1000, Payload: bombPayload}).Append(nil)
	unknown, _ := mustCodec(t, wiretest.Form("9")).Encode(nil, wiretest.Interviews(wiretest.Form("9"), 2, 1, "a", "d"))
	big := make([]byte, 70<<10)

	revoked, rtok, err := intake.CreateToken(ctx, e.store, "moussa", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.RevokeTokens(ctx, rtok.ID, "", time.Now()); n != 1 || err != nil {
		t.Fatalf("revoke: %d %v", n, err)
	}

	tests := []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		code   wire.Code
	}{
		{"Truncated", good[:len(good)/2], nil, 400, wire.CodeCorrupt},
		{"Empty", nil, nil, 400, wire.CodeCorrupt},
		{"CorruptChecksum", mut(func(b []byte) { b[len(b)-3] ^= 0xff }), nil, 400, wire.CodeCorrupt},
		{"BadMagic", mut(func(b []byte) { b[1] = 'X' }), nil, 400, wire.CodeCorrupt},
		{"Oversized", big, nil, 413, wire.CodeTooLarge},
		{"OversizedHeader", mut(func(b []byte) { b[48] = 0x10 }), nil, 413, wire.CodeTooLarge},
		{"Bomb", bomb, nil, 413, wire.CodeTooLarge},
		{"UnknownForm", unknown, nil, 422, wire.CodeUnknownForm},
		{"NoToken", good, map[string]string{"Authorization": ""}, 401, wire.CodeUnauthorized},
		{"WrongToken", good, map[string]string{"Authorization": "Bearer sira_nope"}, 401, wire.CodeUnauthorized},
		{"RevokedToken", good, map[string]string{"Authorization": "Bearer " + revoked}, 401, wire.CodeUnauthorized},
		{"NewerProtocolHeader", good, map[string]string{wire.HeaderProtocol: fmt.Sprint(wire.ProtocolVersion + 1)}, 400, wire.CodeProtocolVersion},
		{"NewerProtocolFrame", mut(func(b []byte) { b[5] = wire.ProtocolVersion + 1 }), nil, 400, wire.CodeProtocolVersion},
		{"TamperedHash", tamper(t, e, good), nil, 400, wire.CodeHashMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", wire.PathBatchV2, tt.body, tt.hdr)
			if r.status != tt.status || r.errCode() != tt.code {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.status, tt.code)
			}
			var eb wire.ErrorBody
			if err := json.Unmarshal(r.body, &eb); err != nil || eb.Error == nil || eb.Error.Message == "" {
				t.Errorf("error body %q is not {\"error\":{code,message}}", r.body)
			}
			if n := e.count(); n != 0 {
				t.Errorf("%d submissions stored", n)
			}
		})
	}
	// The server still serves, and the good batch goes through.
	if got := statuses(e.batch(good)); len(got) != 5 || got[0] != wire.Stored {
		t.Fatalf("good batch after bad input: %v", got)
	}
	// Other endpoints: bad JSON, unknown path, revoked token on offer.
	if r := e.do("POST", wire.PathOfferV2, []byte{0xff}, nil); r.status != 400 || r.errCode() != wire.CodeBadRequest {
		t.Errorf("bad offer: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/nothing", nil, nil); r.status != 404 || r.errCode() != wire.CodeNotFound {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
	if r := e.do("POST", wire.PathOfferV2, []byte{0, 0, 0, 0}, map[string]string{"Authorization": "Bearer " + revoked}); r.status != 401 {
		t.Errorf("revoked token on offer: %d", r.status)
	}
}

func mustCodec(tb testing.TB, f *forms.Form) *wire.Codec {
	tb.Helper()
	c, err := wire.NewCodec(f)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// tamper returns good with one interview's answer changed under its original
// content hash (the frame checksum recomputed, so only the hash catches it).
func tamper(t *testing.T, e *env, good []byte) []byte {
	t.Helper()
	fr, err := wire.ParseFrame(good, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.codec.Decode(fr, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ivs := make([]*survey.Interview, len(ds))
	for i, d := range ds {
		ivs[i] = d.Interview
	}
	// Same length answer so the raw substitution below keeps the layout.
	old := ivs[0].Data.Values["/data/post"]
	ivs[0].Data.Values["/data/post"] = fmt.Sprintf("%-*s", len(old), "X")[:len(old)]
	return hashSwapped(t, e, ivs, 0, ds[0].Hash)
}

func hashSwapped(t *testing.T, e *env, ivs []*survey.Interview, i int, oldHash string) []byte {
	t.Helper()
	// Encode uncompressed by hand: the generic path of the codec's Encode
	// cannot be told to lie, so re-frame a payload in which the new hash's
	// bytes are replaced by the old.
	frame := e.frame(ivs)
	fr, _ := wire.ParseFrame(frame, wire.DefaultLimits)
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(dictID(e), e.codec.Dict()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dec.DecodeAll(fr.Payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A version 2 record carries a prefix of its content hash.
	newB, _ := hex.DecodeString(ivs[i].ContentHash()[7:])
	oldB, _ := hex.DecodeString(oldHash[7:])
	newB, oldB = newB[:wire.HashPrefixLen], oldB[:wire.HashPrefixLen]
	j := indexOf(raw, newB)
	if j < 0 {
		t.Fatal("hash not in payload")
	}
	copy(raw[j:], oldB)
	fr.Flags, fr.Payload, fr.DecodedLen = 0, raw, len(raw)
	return fr.Append(nil)
}

func dictID(e *env) uint32 { return e.codec.DictID() }

func indexOf(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}

func TestAttachments(t *testing.T) {
	e := newEnv(t, intake.Config{MaxChunk: 1 << 10})
	data := make([]byte, 2500)
	for i := range data {
		data[i] = byte(i * 7)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	put := func(off int, chunk []byte) response {
		return e.do("PUT", fmt.Sprintf("%s%s?offset=%d&size=%d", wire.PathAttachment, sha, off, len(data)), chunk, nil)
	}
	bad := hex.EncodeToString(make([]byte, 32))
	// Offered first: only an offered attachment may be uploaded.
	if rep, r := e.offer(wire.Offer{Items: []wire.Item{}, Attachments: []string{sha, bad}}); rep == nil || len(rep.Attachments) != 2 {
		t.Fatalf("offer: %d %s", r.status, r.body)
	}
	if r := put(0, data[:1000]); r.status != 200 {
		t.Fatalf("first chunk: %d %s", r.status, r.body)
	}
	// Interrupted: the client asks where to resume.
	r := e.do("HEAD", wire.PathAttachment+sha, nil, nil)
	if r.header.Get(wire.HeaderOffset) != "1000" || r.header.Get(wire.HeaderComplete) != "false" {
		t.Fatalf("HEAD: %v", r.header)
	}
	// A chunk at the wrong offset: 409 with the server's offset.
	r = put(500, data[500:1500])
	if r.status != 409 || r.errCode() != wire.CodeOffsetMismatch {
		t.Fatalf("wrong offset: %d %s", r.status, r.body)
	}
	var eb wire.ErrorBody
	json.Unmarshal(r.body, &eb)
	if eb.Error.Offset == nil || *eb.Error.Offset != 1000 {
		t.Errorf("offset mismatch body %s", r.body)
	}
	// Chunk over the chunk limit: 413.
	if r := put(1000, data[1000:2500]); r.status != 413 {
		t.Errorf("oversized chunk: %d %s", r.status, r.body)
	}
	put(1000, data[1000:2000])
	r = put(2000, data[2000:])
	var ar wire.AttachmentReply
	json.Unmarshal(r.body, &ar)
	if r.status != 200 || !ar.Complete || ar.Offset != 2500 {
		t.Fatalf("last chunk: %d %s", r.status, r.body)
	}
	got, err := e.store.Attachment(context.Background(), sha)
	if err != nil || string(got) != string(data) {
		t.Fatalf("stored attachment differs: %v", err)
	}
	// Offered again (another interview shares it): not needed.
	if rep, _ := e.offer(wire.Offer{Items: []wire.Item{}, Attachments: []string{sha}}); rep == nil || len(rep.Attachments) != 0 {
		t.Errorf("a complete attachment is asked for again: %+v", rep)
	}
	// Wrong bytes under a hash: discarded at the end.
	r = e.do("PUT", wire.PathAttachment+bad+"?offset=0&size=3", []byte("abc"), nil)
	if r.status != 400 || r.errCode() != wire.CodeHashMismatch {
		t.Errorf("wrong content: %d %s", r.status, r.body)
	}
	if off, complete, _ := e.store.AttachmentState(context.Background(), bad); off != 0 || complete {
		t.Errorf("mismatched upload kept: %d %v", off, complete)
	}
}

func TestDownstream(t *testing.T) {
	e := newEnv(t, intake.Config{})
	ctx := context.Background()
	ivs := e.interviews(3, 7)
	e.batch(e.frame(ivs))
	// A laptop holding nothing gets the form; holding it, gets nothing.
	var d wire.Downstream
	if r := e.postJSON(wire.PathDownstream, wire.DownstreamRequest{}, &d); r.status != 200 {
		t.Fatalf("downstream: %d %s", r.status, r.body)
	}
	if len(d.Forms) != 1 || d.Forms[0].Hash != e.form.Hash || len(d.Rejections) != 0 {
		t.Fatalf("downstream for an empty laptop: %d forms, %d rejections", len(d.Forms), len(d.Rejections))
	}
	// A new version: the laptop with version 1 receives version 2 only.
	v2 := wiretest.Form("2")
	if _, err := e.srv.Publish(ctx, v2); err != nil {
		t.Fatal(err)
	}
	e.postJSON(wire.PathDownstream, wire.DownstreamRequest{Forms: []string{e.form.Hash}}, &d)
	if len(d.Forms) != 1 || d.Forms[0].Hash != v2.Hash || d.Forms[0].Version != "2" {
		t.Fatalf("new version not sent: %+v", d.Forms)
	}
	// Rejections: for the token's enumerator, after the laptop's last seq.
	seq, err := e.store.Reject(ctx, ivs[1].ID, "l'âge ne correspond pas", "sup1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.postJSON(wire.PathDownstream, wire.DownstreamRequest{Forms: []string{v2.Hash}}, &d)
	if len(d.Rejections) != 1 || d.Rejections[0].ID != ivs[1].ID || d.Rejections[0].Comment == "" ||
		d.Rejections[0].Interview == nil || d.Rejections[0].Interview.ContentHash() != ivs[1].ContentHash() {
		t.Fatalf("rejection not sent: %+v", d.Rejections)
	}
	e.postJSON(wire.PathDownstream, wire.DownstreamRequest{Forms: []string{v2.Hash}, RejectionsAfter: seq}, &d)
	if len(d.Rejections) != 0 {
		t.Errorf("rejection sent again after its seq")
	}
	// Another enumerator's token sees none.
	other, _, _ := intake.CreateToken(ctx, e.store, "moussa", time.Now())
	b, _ := json.Marshal(wire.DownstreamRequest{})
	r := e.do("POST", wire.PathDownstream, b, map[string]string{"Authorization": "Bearer " + other})
	json.Unmarshal(r.body, &d)
	if len(d.Rejections) != 0 {
		t.Errorf("another enumerator received the rejection")
	}
	if r.header.Get(wire.HeaderProtocol) != fmt.Sprint(wire.ProtocolVersion) {
		t.Errorf("no %s header on responses", wire.HeaderProtocol)
	}
}
