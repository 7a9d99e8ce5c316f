package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/")

// TestScreensGolden compares screens at 80×24 with testdata/*.golden.
func TestScreensGolden(t *testing.T) {
	// The test form, not the built-in one, so that edits to the survey's
	// wording do not churn these files.
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "household.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{form: f})
	golden := func(name string) {
		t.Helper()
		got := h.text()
		path := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s:\n%s", name, path, got)
		}
	}
	golden("signin")
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // unanswered: the required message
	golden("required")
	h.typ("Kati")
	h.key(tcell.KeyEnter)
	golden("repeat_prompt")
	h.key(tcell.KeyF5)
	h.typ("Awa")
	h.key(tcell.KeyEnter)
	h.typ("130")
	h.key(tcell.KeyEnter)
	golden("constraint")
	h.key(tcell.KeyF2)
	golden("constraint_fr")
}
