package wire

import (
	"bytes"
	"testing"

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
		e := encoder{}
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
