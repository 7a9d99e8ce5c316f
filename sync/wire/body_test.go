package wire

import (
	"bytes"
	"testing"

	"sira/survey"
	"sira/sync/wire/wiretest"
)

// legacyBody is iv's body as Sira wrote it before front-coded keys: the
// same layout with every key whole, and no leading tag.
func legacyBody(iv *survey.Interview, hash string) []byte {
	e := encoder{}
	e.interview(iv, hash)
	return e.b
}

// TestBodyLegacy: bodies stored before front coding still read back as the
// same interview, and the front-coded body is the smaller one.
func TestBodyLegacy(t *testing.T) {
	form := wiretest.Form("1")
	for _, iv := range wiretest.Interviews(form, 20, 4, "awa", "dev1") {
		h := iv.ContentHash()
		old := legacyBody(iv, h)
		now := MarshalInterviewHash(iv, h)
		if now[0] != bodyFront || old[0] == bodyFront {
			t.Fatalf("tags: new body opens with %d, legacy with %d", now[0], old[0])
		}
		if len(now) >= len(old) {
			t.Errorf("front-coded body %d bytes, legacy %d: no saving", len(now), len(old))
		}
		fromOld, h1, err := UnmarshalInterview(old)
		if err != nil {
			t.Fatalf("legacy body: %v", err)
		}
		fromNew, h2, err := UnmarshalInterview(now)
		if err != nil {
			t.Fatalf("body: %v", err)
		}
		if h1 != h || h2 != h {
			t.Fatalf("hashes %s, %s; want %s", h1, h2, h)
		}
		// Equal interviews marshal equally (the encoding is canonical).
		if a, b := MarshalInterviewHash(fromOld, h), MarshalInterviewHash(fromNew, h); !bytes.Equal(a, b) || !bytes.Equal(a, now) {
			t.Fatal("legacy and front-coded bodies decode to different interviews")
		}
		if fromNew.ContentHash() != h || len(fromNew.Paradata) != len(iv.Paradata) {
			t.Fatal("decoded body lost content")
		}
	}
}

// TestBodyFrontCorrupt: a front-coded key that claims more of the previous
// key than it has, or is cut short, is a CodeCorrupt error, never a panic
// or a wrong key.
func TestBodyFrontCorrupt(t *testing.T) {
	form := wiretest.Form("1")
	iv := wiretest.Interviews(form, 1, 5, "awa", "dev1")[0]
	body := MarshalInterview(iv)
	// The first key of the answers shares 0 bytes with "" before it;
	// claim 200 instead. Find it: the first occurrence of its path.
	first := -1
	for k := range iv.Data.Values {
		if i := bytes.Index(body, append([]byte{0, byte(len(k))}, k...)); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first < 0 {
		t.Fatal("no whole first key in the body: the test cannot aim")
	}
	bad := bytes.Clone(body)
	bad[first] = 120
	if _, _, err := UnmarshalInterview(bad); ErrorCode(err) != CodeCorrupt {
		t.Errorf("key sharing 120 bytes of an empty one: %v, want CodeCorrupt", err)
	}
	for _, n := range []int{1, first + 1, len(body) / 2, len(body) - 1} {
		if _, _, err := UnmarshalInterview(body[:n]); ErrorCode(err) != CodeCorrupt {
			t.Errorf("body cut at %d of %d: %v, want CodeCorrupt", n, len(body), err)
		}
	}
}

// TestBodyRoom: the room made for a frame's bodies follows the first
// interview's ratio, but never past twice the payload left, whatever that
// ratio (TestDecodeBodiesMemory measures the allocation itself).
func TestBodyRoom(t *testing.T) {
	for _, c := range []struct{ body, first, rest, want int }{
		{1000, 1000, 10000, 11000},       // ratio 1: the estimate, with a tenth to spare
		{1500, 1000, 10000, 16500},       // ratio 1.5
		{6000, 1000, 10000, 20000},       // ratio 6: capped at twice the rest
		{6000, 0, 10000, 20000},          // an empty first record cannot divide by zero
		{100, 1000, 0, 0},                // nothing left
		{5000, 100, 64 << 20, 128 << 20}, // a maximal frame after a tiny interview
	} {
		if got := bodyRoom(c.body, c.first, c.rest); got != c.want {
			t.Errorf("bodyRoom(%d, %d, %d) = %d, want %d", c.body, c.first, c.rest, got, c.want)
		}
	}
}
