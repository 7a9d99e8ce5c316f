package survey

import (
	"encoding/json"
	"testing"
	"time"
)

// contentJSON is the reference encoding ContentHash hashes: json.Marshal of
// the content struct, as ContentHash computed it before it was hand-written.
func contentJSON(iv *Interview) []byte {
	type content struct {
		ID          string       `json:"id"`
		FormID      string       `json:"form_id"`
		FormVersion string       `json:"form_version"`
		FormHash    string       `json:"form_hash"`
		Enumerator  string       `json:"enumerator"`
		DeviceID    string       `json:"device_id"`
		Started     string       `json:"started"`
		Ended       string       `json:"ended"`
		Revision    int          `json:"revision"`
		Data        *Record      `json:"data"`
		Attachments []Attachment `json:"attachments"`
	}
	b, err := json.Marshal(content{
		ID: iv.ID, FormID: iv.FormID, FormVersion: iv.FormVersion, FormHash: iv.FormHash,
		Enumerator: iv.Enumerator, DeviceID: iv.DeviceID,
		Started: stamp(iv.Started), Ended: stamp(iv.Ended),
		Revision: iv.Revision, Data: iv.Data, Attachments: iv.Attachments,
	})
	if err != nil {
		panic(err)
	}
	return b
}

// jsonCases are records whose encodings must equal encoding/json's.
var jsonCases = map[string]*Record{
	"nil":          nil,
	"empty":        {},
	"empty maps":   {Values: map[string]string{}, Repeats: map[string][]*Record{}},
	"values":       {Values: map[string]string{"/data/b": "2", "/data/a": "1", "/data/c": ""}},
	"escapes":      {Values: map[string]string{"/data/q": "a\"b\\c<d>e&f\n\t\x01\u2028\u2029é\xff"}},
	"nil instance": {Repeats: map[string][]*Record{"/data/legs": {nil, {}}}},
	"nil slice":    {Repeats: map[string][]*Record{"/data/legs": nil}},
	"empty slice":  {Repeats: map[string][]*Record{"/data/legs": {}}},
	"nested": {Values: map[string]string{"/data/x": "1"}, Repeats: map[string][]*Record{
		"/data/legs": {{Values: map[string]string{"/data/legs/c": "MLI"}, Repeats: map[string][]*Record{
			"/data/legs/stops": {{Values: map[string]string{"/data/legs/stops/t": "bus"}}},
		}}},
		"/data/hh": {{Values: map[string]string{"/data/hh/n": "Awa"}}},
	}},
}

func TestRecordAppendJSON(t *testing.T) {
	for name, r := range jsonCases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.AppendJSON(nil); string(got) != string(want) {
				t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestContentHashEncoding(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 30, 0, 123, time.FixedZone("GMT+1", 3600))
	ivs := map[string]*Interview{
		"zero": {},
		"draft": {ID: "uuid:1", FormID: "returnee", FormVersion: "1", FormHash: "sha256:ab", Enumerator: "E<1>",
			DeviceID: "d&1", Started: start, Revision: 1, Data: jsonCases["nested"]},
		"finalized with attachments": {ID: "uuid:2", FormID: "returnee", Started: start, Ended: start.Add(time.Hour), Revision: 3,
			Data: jsonCases["escapes"], Attachments: []Attachment{
				{Field: "/data/photo", Name: "a.jpg", SHA256: "00ff", Size: 1234, Type: "image/jpeg"},
				{Field: "/data/doc", Name: "é\".pdf", SHA256: "11", Size: 0},
			}},
		"empty attachments": {ID: "uuid:3", Attachments: []Attachment{}, Data: &Record{}},
	}
	for name, iv := range ivs {
		t.Run(name, func(t *testing.T) {
			want := contentJSON(iv)
			if got := iv.appendContent(nil, iv.Data.AppendJSON(nil)); string(got) != string(want) {
				t.Errorf("content\n got %s\nwant %s", got, want)
			}
		})
	}
}

// FuzzRecordAppendJSON checks AppendJSON against encoding/json on records
// built from arbitrary strings.
func FuzzRecordAppendJSON(f *testing.F) {
	f.Add("/data/a", "1", "/data/legs", "x")
	f.Add("<&>", "\u2028\"\\", "\xff", "\x00\x1f")
	f.Fuzz(func(t *testing.T, k1, v1, rk, v2 string) {
		r := &Record{Values: map[string]string{k1: v1, v1: k1}}
		if rk != "" {
			r.Repeats = map[string][]*Record{rk: {{Values: map[string]string{rk: v2}}, nil}}
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
		}
		iv := &Interview{ID: v1, FormID: k1, Enumerator: v2, Data: r, Attachments: []Attachment{{Field: rk, Name: v2, Type: v1}}}
		if got, want := iv.appendContent(nil, r.AppendJSON(nil)), contentJSON(iv); string(got) != string(want) {
			t.Errorf("content\n got %s\nwant %s", got, want)
		}
	})
}
