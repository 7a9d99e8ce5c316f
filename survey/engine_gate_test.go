package survey

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sira/forms"
)

// gateForm is a consent gate over a counted repeat and a free one.
const gateForm = `| survey |
|  | type | name | label | relevant | repeat_count |
|  | select_one yn | consent | Consent | | |
|  | begin group | main | Main | ${consent} = 'yes' | |
|  | integer | n | Legs | | |
|  | begin repeat | legs | Leg | | ${n} |
|  | text | country | Country | | |
|  | end repeat | | | | |
|  | begin repeat | free | Free | | |
|  | text | what | What | | |
|  | end repeat | | | | |
|  | end group | | | | |

| choices |
|  | list_name | name | label |
|  | yn | yes | Yes |
|  | yn | no | No |
`

func compileString(tb testing.TB, name, src string) *forms.Form {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := forms.CompileFile(context.Background(), p)
	if err != nil {
		tb.Fatalf("compile %s: %v", name, err)
	}
	return f
}

// TestGateKeepsRepeats hides a module holding answered repeat instances and
// shows it again: while the interview is a draft every instance and answer
// survives; finalizing with the module hidden drops the instances.
func TestGateKeepsRepeats(t *testing.T) {
	f := compileString(t, "gate.md", gateForm)
	e := mustEngine(t, f)
	mustSet(t, e, "/data/consent", "yes")
	mustSet(t, e, "/data/main/n", "2")
	mustSet(t, e, "/data/main/legs[1]/country", "MLI")
	mustSet(t, e, "/data/main/legs[2]/country", "SEN")
	if _, err := e.AddRepeat(mustRef(t, e, "/data/main/free")); err != nil {
		t.Fatal(err)
	}
	mustSet(t, e, "/data/main/free[1]/what", "bus")
	mustSet(t, e, "/data/consent", "no")
	if got := e.Count(mustRef(t, e, "/data/main/legs")); got != 2 {
		t.Errorf("legs while hidden: %d instances, want 2", got)
	}
	mustSet(t, e, "/data/consent", "yes")
	for ref, want := range map[string]string{
		"/data/main/n": "2", "/data/main/legs[1]/country": "MLI", "/data/main/legs[2]/country": "SEN",
		"/data/main/free[1]/what": "bus",
	} {
		if got := e.Value(mustRef(t, e, ref)); got != want {
			t.Errorf("%s after the gate closed and opened = %q, want %q", ref, got, want)
		}
	}
	// A count lowered by the enumerator, the module shown, removes.
	mustSet(t, e, "/data/main/n", "1")
	if got := e.Count(mustRef(t, e, "/data/main/legs")); got != 1 {
		t.Errorf("legs after n=1: %d, want 1", got)
	}
	mustSet(t, e, "/data/consent", "no")
	if err := e.Finalize(); err != nil {
		t.Fatal(err)
	}
	rec := e.Interview().Data
	if len(rec.Repeats) > 0 {
		t.Errorf("finalized with hidden repeats kept: %v", rec.Repeats)
	}
	if v := rec.Values["/data/main/n"]; v != "" {
		t.Errorf("hidden n kept after finalize: %q", v)
	}
}

// TestFinalizeDropsHiddenFreeRepeat: a user-driven repeat no longer asked is
// not finalized as empty rows.
func TestFinalizeDropsHiddenFreeRepeat(t *testing.T) {
	f := compileString(t, "gate.md", gateForm)
	iv, err := NewInterview(f, "awa", "laptop-7", testNow)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(f, iv, EngineOptions{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, e, "/data/consent", "yes")
	mustSet(t, e, "/data/main/n", "1")
	for range 2 {
		if _, err := e.AddRepeat(mustRef(t, e, "/data/main/free")); err != nil {
			t.Fatal(err)
		}
	}
	mustSet(t, e, "/data/consent", "no")
	if err := e.Finalize(); err != nil {
		t.Fatal(err)
	}
	if n := len(iv.Data.Repeats["/data/main/free"]) + len(iv.Data.Repeats["/data/main/legs"]); n != 0 {
		t.Errorf("%d hidden instances finalized", n)
	}
}
