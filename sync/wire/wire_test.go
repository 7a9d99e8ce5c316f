package wire_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"sira/forms"
	"sira/survey"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

type source map[string]*wire.Codec

func (s source) Codec(h string) (*wire.Codec, error) {
	if c, ok := s[h]; ok {
		return c, nil
	}
	return nil, wire.Errorf(wire.CodeUnknownForm, "unknown form %s", h)
}

func mustCodec(tb testing.TB, f *forms.Form) *wire.Codec {
	tb.Helper()
	c, err := wire.NewCodec(f)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestRoundTrip(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, f)
	ivs := wiretest.Interviews(f, 50, 1, "awa", "dev1")
	// Edge cases the content hash distinguishes: nil vs empty, unknown keys,
	// nil data, an empty repeat list, nanoseconds, attachments.
	ivs[1].Data = nil
	ivs[2].Data.Values["/data/not_in_form"] = "x"
	ivs[3].Data.Repeats["/data/legs"] = []*survey.Record{}
	ivs[4].Data.Repeats["/data/legs"] = nil
	ivs[5].Attachments = []survey.Attachment{{Field: "/data/photo", Name: "a.jpg", SHA256: "ab", Size: 12, Type: "image/jpeg"}}
	ivs[6].Attachments = []survey.Attachment{}
	ivs[7].Paradata = nil
	ivs[8].Revision = 3
	ivs[8].Comment = "âge à vérifier"
	ivs[9].Data.Repeats["/data/legs"][0].Repeats = map[string][]*survey.Record{"/data/legs/sub": {nil, {}}}

	frame, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.DecodeBatch(frame, wire.DefaultLimits, source{f.Hash: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ivs) {
		t.Fatalf("decoded %d interviews, want %d", len(got), len(ivs))
	}
	for i, d := range got {
		if want := ivs[i].ContentHash(); d.Hash != want || d.Interview.ContentHash() != want {
			t.Errorf("interview %d: hash %s, want %s", i, d.Hash, want)
		}
		// Everything, paradata and lifecycle included, survives.
		if a, b := mustJSON(t, ivs[i]), mustJSON(t, d.Interview); a != b {
			t.Errorf("interview %d differs:\n sent %s\n got  %s", i, a, b)
		}
	}
	// The encoding is canonical: encoding the decoded interviews gives the same frame.
	again := make([]*survey.Interview, len(got))
	for i, d := range got {
		again[i] = d.Interview
	}
	frame2, err := c.Encode(nil, again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(frame, frame2) {
		t.Error("re-encoding the decoded batch gives different bytes")
	}
}

func TestGenericCodec(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, nil)
	ivs := wiretest.Interviews(f, 5, 2, "awa", "dev1")
	frame, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.DecodeBatch(frame, wire.DefaultLimits, source{"": c})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[4].Hash != ivs[4].ContentHash() {
		t.Fatalf("generic codec round trip: %d interviews", len(got))
	}
	// A form codec refuses interviews of another form.
	other := mustCodec(t, wiretest.Form("2"))
	if _, err := other.Encode(nil, ivs); err == nil {
		t.Error("encoding interviews of another form: no error")
	}
}

// TestCompression checks that the form dictionary makes small batches cheap:
// a batch of 10 costs per interview close to what a batch of 500 costs, and
// far less than plain zstd.
func TestCompression(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, f)
	ivs := wiretest.Interviews(f, 500, 3, "awa", "dev1")
	per := func(n int) float64 {
		total := 0
		for i := 0; i+n <= len(ivs); i += n {
			fr, err := c.Encode(nil, ivs[i:i+n])
			if err != nil {
				t.Fatal(err)
			}
			total += len(fr)
		}
		return float64(total) / float64(len(ivs)/n*n)
	}
	jsonSize := len(mustJSON(t, ivs)) / len(ivs)
	enc, _ := zstd.NewWriter(nil)
	plain10 := len(enc.EncodeAll([]byte(mustJSON(t, ivs[:10])), nil)) / 10
	plain1 := len(enc.EncodeAll([]byte(mustJSON(t, ivs[0])), nil))
	p1, p10, p500 := per(1), per(10), per(500)
	t.Logf("bytes per interview: JSON %d, zstd JSON alone %d, in tens %d; wire batch of 1 %.0f, of 10 %.0f, of 500 %.0f", jsonSize, plain1, plain10, p1, p10, p500)
	// The frame header is a fixed cost per batch, not the dictionary's
	// business: it is allowed for on top.
	if p10 > 1.4*p500+float64(wire.HeaderSize)/10 {
		t.Errorf("batch of 10 costs %.0f bytes per interview, batch of 500 %.0f: the dictionary does not help", p10, p500)
	}
	if p1 > 0.6*float64(plain1) || p10 > 0.9*float64(plain10) {
		t.Errorf("wire costs %.0f bytes alone, %.0f in tens; plain zstd JSON %d, %d", p1, p10, plain1, plain10)
	}
}

func TestBadFrames(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, f)
	src := source{f.Hash: c}
	good, err := c.Encode(nil, wiretest.Interviews(f, 10, 4, "awa", "dev1"))
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(fn func(b []byte) []byte) []byte { return fn(bytes.Clone(good)) }
	// A bomb: a tiny payload that decodes to 200 MB, declared honestly
	// small, then declared large.
	bombEnc, _ := zstd.NewWriter(nil)
	bombPayload := bombEnc.EncodeAll(make([]byte, 200<<20), nil)
	bomb := func(declared int) []byte {
		fr := &wire.Frame{Version: 1, Kind: wire.KindInterviews, Flags: wire.FlagZstd, Count: 1, DecodedLen: declared, Payload: bombPayload}
		return fr.Append(nil)
	}
	unknown, _ := mustCodec(t, wiretest.Form("9")).Encode(nil, wiretest.Interviews(wiretest.Form("9"), 2, 1, "a", "d"))
	// A forged hash: encode with a wrong content hash by tampering the
	// decoded payload and re-framing it.
	fr, _ := wire.ParseFrame(good, wire.DefaultLimits)
	tests := []struct {
		name  string
		frame []byte
		src   wire.CodecSource
		code  wire.Code
	}{
		{"Empty", nil, src, wire.CodeCorrupt},
		{"TruncatedHeader", good[:30], src, wire.CodeCorrupt},
		{"TruncatedPayload", good[:len(good)-5], src, wire.CodeCorrupt},
		{"Trailing", append(bytes.Clone(good), 0), src, wire.CodeCorrupt},
		{"BadMagic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), src, wire.CodeCorrupt},
		{"Checksum", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), src, wire.CodeCorrupt},
		{"NewerProtocol", mutate(func(b []byte) []byte { b[5] = wire.ProtocolVersion + 1; return b }), src, wire.CodeProtocolVersion},
		{"Oversized", mutate(func(b []byte) []byte { b[48] = 0x7f; return b }), src, wire.CodeTooLarge},
		{"TooMany", mutate(func(b []byte) []byte { b[40] = 0x7f; return b }), src, wire.CodeTooLarge},
		{"BombDeclaredSmall", bomb(1000), source{"": mustCodec(t, nil)}, wire.CodeTooLarge},
		{"BombDeclaredLarge", bomb(200 << 20), source{"": mustCodec(t, nil)}, wire.CodeTooLarge},
		{"UnknownForm", unknown, src, wire.CodeUnknownForm},
		{"WrongCount", (&wire.Frame{Version: 1, Kind: wire.KindInterviews, Flags: fr.Flags, Subject: fr.Subject, Count: fr.Count + 1, DecodedLen: fr.DecodedLen, Payload: fr.Payload}).Append(nil), src, wire.CodeCorrupt},
		{"WrongDecodedLen", (&wire.Frame{Version: 1, Kind: wire.KindInterviews, Flags: fr.Flags, Subject: fr.Subject, Count: fr.Count, DecodedLen: fr.DecodedLen - 1, Payload: fr.Payload}).Append(nil), src, wire.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeBatch(tt.frame, wire.DefaultLimits, tt.src)
			var we *wire.Error
			if !errors.As(err, &we) {
				t.Fatalf("error %v is not a *wire.Error", err)
			}
			if we.Code != tt.code {
				t.Errorf("code %s (%v), want %s", we.Code, err, tt.code)
			}
		})
	}
}

func TestHashMismatch(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, f)
	ivs := wiretest.Interviews(f, 3, 5, "awa", "dev1")
	frame, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := wire.ParseFrame(frame, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.Decode(fr, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	// Change an answer, encode, then put the original hash back in the
	// record: a frame whose checksum is fine but whose content is not.
	ds[1].Interview.Data.Values["/data/age"] = "99"
	tampered, err := c.Encode(nil, []*survey.Interview{ds[0].Interview, ds[1].Interview, ds[2].Interview})
	if err != nil {
		t.Fatal(err)
	}
	// Swap the hash of record 1 back to the original inside the payload.
	tf, _ := wire.ParseFrame(tampered, wire.DefaultLimits)
	raw := decodePayload(t, c, tf)
	unhex := func(h string) []byte {
		b, err := hex.DecodeString(strings.TrimPrefix(h, "sha256:"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A version 2 record carries the first 8 bytes of its content hash.
	newHash, oldHash := unhex(ds[1].Interview.ContentHash())[:wire.HashPrefixLen], unhex(ivs[1].ContentHash())[:wire.HashPrefixLen]
	if !bytes.Contains(raw, newHash) {
		t.Fatal("hash not found in the payload")
	}
	raw = bytes.Replace(raw, newHash, oldHash, 1)
	tf.Payload, tf.Flags, tf.DecodedLen = raw, 0, len(raw)
	tf.Subject = fr.Subject
	_, err = wire.DecodeBatch(tf.Append(nil), wire.DefaultLimits, source{f.Hash: c})
	if got := wire.ErrorCode(err); got != wire.CodeHashMismatch {
		t.Fatalf("tampered answer: %v, want %s", err, wire.CodeHashMismatch)
	}
}

func decodePayload(t *testing.T, c *wire.Codec, f *wire.Frame) []byte {
	t.Helper()
	raw, err := wire.RawPayload(c, f)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBatchFile(t *testing.T) {
	f := wiretest.Form("1")
	c := mustCodec(t, f)
	var buf bytes.Buffer
	fw, err := wire.NewFileWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ivs := wiretest.Interviews(f, 25, 6, "awa", "dev1")
	for i := 0; i < 25; i += 10 {
		fr, err := c.Encode(nil, ivs[i:min(i+10, 25)])
		if err != nil {
			t.Fatal(err)
		}
		if err := fw.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
	}
	att, err := wire.AttachmentFrame("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", []byte("foo"))
	if err != nil {
		t.Fatal(err)
	}
	fw.WriteFrame(att)
	data := buf.Bytes()

	read := func(b []byte) (n int, atts int, err error) {
		fr, err := wire.NewFileReader(bytes.NewReader(b), wire.DefaultLimits)
		if err != nil {
			return 0, 0, err
		}
		for {
			frame, err := fr.Next()
			if err == io.EOF {
				return n, atts, nil
			}
			if err != nil {
				return n, atts, err
			}
			if frame.Kind == wire.KindAttachment {
				atts++
				continue
			}
			ds, err := wire.DecodeFrame(frame, wire.DefaultLimits, source{f.Hash: c})
			if err != nil {
				return n, atts, err
			}
			n += len(ds)
		}
	}
	n, atts, err := read(data)
	if err != nil || n != 25 || atts != 1 {
		t.Fatalf("read file: %d interviews, %d attachments, %v", n, atts, err)
	}
	if _, _, err := read(data[:len(data)-2]); wire.ErrorCode(err) != wire.CodeCorrupt {
		t.Errorf("truncated file: %v, want corrupt", err)
	}
	if _, _, err := read(data[:10]); wire.ErrorCode(err) != wire.CodeCorrupt {
		t.Errorf("truncated header: %v, want corrupt", err)
	}
	bad := bytes.Clone(data)
	bad[9] = 9
	if _, _, err := read(bad); wire.ErrorCode(err) != wire.CodeProtocolVersion {
		t.Errorf("newer file version: %v, want protocol_version", err)
	}
}

func TestStatusTable(t *testing.T) {
	for code, want := range map[wire.Code]int{
		wire.CodeUnauthorized: 401, wire.CodeTooLarge: 413, wire.CodeCorrupt: 400,
		wire.CodeProtocolVersion: 400, wire.CodeUnknownForm: 422, wire.CodeInternal: 500, "nonsense": 500,
	} {
		if got := wire.StatusOf(code); got != want {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want)
		}
	}
	if !wire.Stored.Acknowledged() || !wire.Conflict.Acknowledged() || wire.Invalid.Acknowledged() {
		t.Error("Acknowledged: wrong for stored, conflict or invalid")
	}
}

func TestMarshalInterview(t *testing.T) {
	f := wiretest.Form("1")
	for _, iv := range wiretest.Interviews(f, 5, 12, "awa", "dev1") {
		b := wire.MarshalInterview(iv)
		got, h, err := wire.UnmarshalInterview(b)
		if err != nil {
			t.Fatal(err)
		}
		if h != iv.ContentHash() || mustJSON(t, got) != mustJSON(t, iv) {
			t.Errorf("%s does not round-trip", iv.ID)
		}
		if _, _, err := wire.UnmarshalInterview(b[:len(b)-1]); wire.ErrorCode(err) != wire.CodeCorrupt {
			t.Errorf("truncated body: %v", err)
		}
	}
}

// TestDictionaryMismatch: a frame compressed with a dictionary the receiver
// does not derive (another Sira version) fails with CodeDictionary, never
// as misread data; the same interviews encoded without the dictionary
// decode.
func TestDictionaryMismatch(t *testing.T) {
	f1, f2 := wiretest.Form("1"), wiretest.Form("2")
	c1, c2 := mustCodec(t, f1), mustCodec(t, f2)
	if c1.DictID() == c2.DictID() {
		t.Fatal("two forms derive dictionaries with the same id")
	}
	ivs := wiretest.Interviews(f1, 4, 3, "awa", "dev1")
	frame, err := c1.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := wire.ParseFrame(frame, wire.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	// Hand c2 a frame compressed with c1's dictionary.
	if _, err := c2.Decode(&wire.Frame{Version: fr.Version, Kind: fr.Kind, Flags: fr.Flags, Subject: wireSubject(t, f2.Hash),
		Count: fr.Count, DecodedLen: fr.DecodedLen, Payload: fr.Payload}, wire.DefaultLimits); wire.ErrorCode(err) != wire.CodeDictionary {
		t.Fatalf("frame with another dictionary: %v, want %s", err, wire.CodeDictionary)
	}
	plain, err := c1.EncodeNoDict(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.DecodeBatch(plain, wire.DefaultLimits, source{f1.Hash: c1})
	if err != nil || len(got) != len(ivs) || got[3].Hash != ivs[3].ContentHash() {
		t.Fatalf("frame without dictionary: %d interviews, %v", len(got), err)
	}
	if len(plain) <= len(frame) {
		t.Errorf("without the dictionary %d bytes, with %d: the dictionary does not help", len(plain), len(frame))
	}
}

func wireSubject(t *testing.T, h string) [32]byte {
	t.Helper()
	var s [32]byte
	b, err := hex.DecodeString(strings.TrimPrefix(h, "sha256:"))
	if err != nil || len(b) != 32 {
		t.Fatalf("hash %q", h)
	}
	copy(s[:], b)
	return s
}
