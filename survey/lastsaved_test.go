package survey

import (
	"testing"
	"time"
)

// TestLastSaved: ${last-saved#x} in a default and in a calculation reads
// the last interview saved with the form; without one it is empty.
func TestLastSaved(t *testing.T) {
	f := mustForm(t, "lastsaved.md")
	for _, tc := range []struct {
		name        string
		last        *Record
		place, next string
	}{
		{"none", nil, "", ""},
		{"previous", &Record{Values: map[string]string{"/data/place": "Kayes", "/data/n": "41"}}, "Kayes", "42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iv, err := NewInterviewAfter(f, tc.last, "awa", "laptop-7", testNow)
			if err != nil {
				t.Fatal(err)
			}
			e, err := NewEngine(f, iv, EngineOptions{Now: func() time.Time { return testNow }, Location: time.UTC, LastSaved: tc.last})
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Value(mustRef(t, e, "/data/place")); got != tc.place {
				t.Errorf("place default %q, want %q", got, tc.place)
			}
			if got := e.Value(mustRef(t, e, "/data/next")); got != tc.next {
				t.Errorf("next %q, want %q", got, tc.next)
			}
		})
	}
}
