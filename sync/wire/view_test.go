package wire

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"sira/forms/builtin"

	"sira/survey"
	"sira/sync/wire/wiretest"
)

// edgeInterviews are interviews of wiretest.Form with the shapes the view
// must write as Record.AppendJSON and MarshalInterview do: no data, an
// empty record, literal keys, nil and empty repeat lists, nil instances,
// nested repeats, values to escape.
func edgeInterviews() []*survey.Interview {
	f := wiretest.Form("1")
	ivs := wiretest.Interviews(f, 12, 3, "awa", "dev1")
	ivs[1].Data = nil
	ivs[2].Data.Values["/data/not_in_form"] = "x"
	ivs[3].Data.Repeats["/data/legs"] = []*survey.Record{}
	ivs[4].Data.Repeats["/data/legs"] = nil
	ivs[5].Data = &survey.Record{}
	ivs[6].Data.Repeats["/data/legs"] = append(ivs[6].Data.Repeats["/data/legs"], nil, &survey.Record{})
	ivs[7].Data.Values["/data/post"] = "<é\"\\\u2028&>\x01\xff"
	ivs[8].Data.Repeats["/data/legs"][0].Repeats = map[string][]*survey.Record{"/data/legs/sub": {nil, {}}}
	ivs[9].Data.Repeats["/data/zz_not_in_form"] = []*survey.Record{{Values: map[string]string{"/data/legs/leg_means": "car"}}}
	ivs[10].Data.Repeats["/data/legs"][0].Values["/data/sex"] = "male" // a table key at an unusual level
	delete(ivs[11].Data.Values, "/data/age")
	return ivs
}

// checkView decodes every record2 of raw with c and checks that the JSON
// and the body written from its view are those of the decoded Record.
func checkView(t *testing.T, c *Codec, raw []byte) {
	d := decoder{b: raw, keys: c.keys, c: c, v: &view{}}
	for len(d.b) > 0 {
		iv, _ := d.interview()
		if d.err != nil {
			return
		}
		if d.v.literal {
			continue
		}
		c.sortView(d.v)
		if got, want := c.appendJSON(nil, d.v, d.vals, d.root), iv.Data.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("view JSON\n got %s\nwant %s", got, want)
		}
		e := encoder{b: []byte{bodyFront}, front: true}
		e.head(iv, "sha256:x")
		c.appendBody(&e, d.v, d.root)
		e.tail(iv)
		if want := MarshalInterviewHash(iv, "sha256:x"); !bytes.Equal(e.b, want) {
			t.Fatalf("view body\n got %x\nwant %x", e.b, want)
		}
	}
}

func TestView(t *testing.T) {
	c, err := NewCodec(wiretest.Form("1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range edgeInterviews() {
		e := encoder{index: c.index, c: c}
		e.interview(iv, iv.ContentHash())
		checkView(t, c, e.b)
	}
}

// TestDecodeBodies: every body DecodeBodies returns is MarshalInterviewHash
// of the interview, for frames of version 2 and 1, with the form's codec
// and the generic one.
func TestDecodeBodies(t *testing.T) {
	f := wiretest.Form("1")
	c, err := NewCodec(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewCodec(nil)
	if err != nil {
		t.Fatal(err)
	}
	ivs := edgeInterviews()
	for _, cc := range []*Codec{c, g} {
		for _, version := range []int{1, 2} {
			e := encoder{index: cc.index}
			if version == 2 {
				e.c = cc
			}
			for _, iv := range ivs {
				e.interview(iv, iv.ContentHash())
			}
			fr := &Frame{Version: version, Kind: KindInterviews, Subject: cc.subject, Count: len(ivs), DecodedLen: len(e.b), Payload: e.b}
			ds, err := cc.DecodeBodies(fr, DefaultLimits)
			if err != nil {
				t.Fatalf("version %d, form %q: %v", version, cc.formHash, err)
			}
			plain, err := cc.Decode(fr, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range ds {
				if d.Hash != ivs[i].ContentHash() || plain[i].Hash != d.Hash || plain[i].Body != nil {
					t.Errorf("version %d, interview %d: hash %s, want %s", version, i, d.Hash, ivs[i].ContentHash())
				}
				if want := MarshalInterviewHash(ivs[i], d.Hash); !bytes.Equal(d.Body, want) {
					t.Errorf("version %d, interview %d: body differs from MarshalInterviewHash", version, i)
				}
				if !bytes.Equal(d.Body, MarshalInterviewHash(d.Interview, d.Hash)) {
					t.Errorf("version %d, interview %d: body is not the decoded interview's", version, i)
				}
			}
		}
	}
}

// TestDecodeBuiltin: the built-in form's interviews (every typed kind:
// device and user fields, end, decimals, selects) decode with bodies equal
// to MarshalInterviewHash, also where an answer is not in its type's
// canonical shape.
func TestDecodeBuiltin(t *testing.T) {
	f, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCodec(f)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	ivs := make([]*survey.Interview, 20)
	for i := range ivs {
		ivs[i], err = survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: "dev-awa",
			Answers: map[string]string{"already_interviewed": "no", "consent": "yes"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ivs[1].Data.Values["/data/deviceid"] = "another device"
	ivs[2].Data.Values["/data/username"] = "<someone else>"
	ivs[3].DeviceID = "dev\\ñ"
	frame, err := c.Encode(nil, ivs)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := ParseFrame(frame, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.DecodeBodies(fr, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if d.Hash != ivs[i].ContentHash() {
			t.Errorf("interview %d: hash %s, want %s", i, d.Hash, ivs[i].ContentHash())
		}
		if !bytes.Equal(d.Body, MarshalInterviewHash(ivs[i], d.Hash)) {
			t.Errorf("interview %d: body differs from MarshalInterviewHash", i)
		}
	}
	raw, err := RawPayload(c, fr)
	if err != nil {
		t.Fatal(err)
	}
	checkView(t, c, raw)
}

// FuzzView checks the view's JSON and body against the decoded Record's
// for arbitrary record2 bytes (hashes unchecked, so that the fuzzer need
// not forge them).
func FuzzView(f *testing.F) {
	c, err := NewCodec(wiretest.Form("1"))
	if err != nil {
		f.Fatal(err)
	}
	for _, iv := range edgeInterviews() {
		e := encoder{index: c.index, c: c}
		e.interview(iv, iv.ContentHash())
		f.Add(e.b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkView(t, c, raw)
	})
}

// TestAppendFormats: the decoder's formatting of typed answers gives the
// bytes of time.Format and of the string arithmetic it replaced.
func TestAppendFormats(t *testing.T) {
	for days := int64(-25567); days <= 84000; days += 7 {
		d := time.Unix(days*86400, 0).UTC()
		if got, want := string(appendDate(nil, d)), d.Format(dateLayout); got != want {
			t.Fatalf("appendDate %d: %s, want %s", days, got, want)
		}
		dt := d.Add(time.Duration(days%86400) * time.Second).Add(time.Duration(days%1000) * time.Millisecond)
		if got, want := string(appendDateTime(nil, dt)), dt.Format(dateTimeLayout); got != want {
			t.Fatalf("appendDateTime %v: %s, want %s", dt, got, want)
		}
	}
	ref := func(m int64, d int) string {
		neg := m < 0
		if neg {
			m = -m
		}
		digits := strconv.FormatInt(m, 10)
		if d > 0 {
			for len(digits) <= d {
				digits = "0" + digits
			}
			digits = digits[:len(digits)-d] + "." + digits[len(digits)-d:]
		}
		if neg {
			return "-" + digits
		}
		return digits
	}
	for _, m := range []int64{0, 1, -1, 9, 10, -10, 12345, -12345, 1 << 40, -(1 << 56), 1<<61 - 1, -(1<<61 - 1)} {
		for d := 0; d <= 7; d++ {
			if got, want := formatDecimal(m, d), ref(m, d); got != want {
				t.Fatalf("formatDecimal(%d, %d) = %s, want %s", m, d, got, want)
			}
		}
	}
}
