package survey

import (
	"strings"
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

// TestFormFilesRun: a GeoJSON select offers its features, instance('sites')
// names the file without extension, pulldata() reads a CSV shipped with
// the form, select_one_external offers its external_choices list.
func TestFormFilesRun(t *testing.T) {
	f := mustForm(t, "files/files.md")
	e := mustEngine(t, f)
	var names []string
	for _, c := range e.Choices(mustRef(t, e, "/data/site")) {
		names = append(names, c.Name+"="+e.Text(c.Label))
	}
	if got := strings.Join(names, ","); got != "s1=Kayes market,s2=Bamako depot" {
		t.Errorf("site choices %s", got)
	}
	mustSet(t, e, "/data/site", "s2")
	mustSet(t, e, "/data/code", "riz")
	mustSet(t, e, "/data/town", "gao")
	for ref, want := range map[string]string{"/data/price": "400", "/data/zone": "B", "/data/town": "gao"} {
		if got := e.Value(mustRef(t, e, ref)); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	if err := e.Set(mustRef(t, e, "/data/town"), "paris"); err == nil {
		t.Error("a town not in external_choices was accepted")
	}
}

// TestExternalWithoutList: a select_one_external whose list the form does
// not carry takes its answer as text, as before Sira read external_choices.
func TestExternalWithoutList(t *testing.T) {
	f := mustForm(t, "files/files.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/town", "gao")
	delete(f.Files, "town")
	e = mustEngine(t, f)
	mustSet(t, e, "/data/town", "anywhere")
}
