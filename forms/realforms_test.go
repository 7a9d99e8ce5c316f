package forms_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
	"sira/internal/testenv"
	"sira/survey"
)

// realFormDifferences are the forms of the field corpus
// (testdata/realforms/MANIFEST.tsv) on which Sira deliberately disagrees
// with pyxform 4.5, and why.
var realFormDifferences = map[string]string{
	"hotosm/archived/waterways.xls": "pyxform 4.5 fails with an internal error (TypeError: unhashable type: 'dict'), not a verdict on the form; ODK Central's older pyxform converted it",
}

// realFormsDir is where the field corpus's spreadsheets are: $SIRA_REALFORMS,
// else shared/xlsform/realforms beside the repository. They are not in the
// repository (see testdata/realforms/README.md); the test skips without them.
func realFormsDir(t *testing.T) string {
	if d := os.Getenv("SIRA_REALFORMS"); d != "" {
		return d
	}
	d := filepath.Join(testenv.XLSFormDir(t), "realforms")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("field corpus not present (set SIRA_REALFORMS or copy it to %s; sources in testdata/realforms/MANIFEST.tsv)", d)
	}
	return d
}

type realForm struct {
	file, sha, verdict string
}

func readRealManifest(t *testing.T) []realForm {
	fh, err := os.Open("testdata/realforms/MANIFEST.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []realForm
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 7 {
			t.Fatalf("MANIFEST.tsv: short row %q", sc.Text())
		}
		out = append(out, realForm{file: c[0], sha: c[5], verdict: c[6]})
	}
	return out
}

// simCount is how many interviews of each accepted form simulate must
// complete.
const simCount = 20

// TestRealForms runs the field corpus: every form pyxform 4.5 converts is
// accepted by form check (as leniently: files not beside the form are
// warnings), every form it refuses is refused (save the differences
// listed), and simulate completes simCount interviews of each accepted form.
func TestRealForms(t *testing.T) {
	dir := realFormsDir(t)
	rows := readRealManifest(t)
	if len(rows) < 40 {
		t.Fatalf("manifest has %d forms, want 40 or more", len(rows))
	}
	agree, differ, accepted, simulated := 0, 0, 0, 0
	for _, r := range rows {
		t.Run(r.file, func(t *testing.T) {
			path := filepath.Join(dir, r.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r.sha {
				t.Fatalf("sha256 differs from MANIFEST.tsv: not the file pyxform's verdict is for")
			}
			f, err := forms.CompileFileWith(context.Background(), path, forms.CompileOptions{})
			want := r.verdict == "ok"
			why, deliberate := realFormDifferences[r.file]
			if deliberate {
				want = !want
				t.Logf("deliberate difference: %s", why)
			}
			if got := err == nil; got != want {
				t.Fatalf("accepted = %v, pyxform: %s; err = %v", got, r.verdict, err)
			}
			if deliberate {
				differ++
			} else {
				agree++
			}
			if err != nil {
				return
			}
			accepted++
			if n := simulateForm(t, f); n == simCount {
				simulated++
			}
		})
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("**%d of %d field forms**", agree, len(rows)), fmt.Sprintf("**%d of the %d accepted field forms**", simulated, accepted)} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not state %q; update its Forms section", want)
		}
	}
	t.Logf("field corpus: %d of %d forms agree with pyxform 4.5.0, %d deliberate differences; simulate completes %d interviews of %d of the %d accepted", agree, len(rows), differ, simCount, simulated, accepted)
}

// simulateForm simulates simCount interviews of f with placeholder files
// for the missing ones and returns how many completed, reporting the
// others' blocking questions.
func simulateForm(t *testing.T, f *forms.Form) int {
	t.Helper()
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Errorf("plan: %v", err)
		return 0
	}
	opts := survey.SimOptions{Plan: plan, Enumerator: "sim", DeviceID: "dev", Files: survey.PlaceholderFiles(f), Media: true}
	done := 0
	for i := range simCount {
		iv, err := survey.Simulate(f, rand.New(rand.NewPCG(7, uint64(i))), opts)
		if err != nil {
			var inc *survey.IncompleteError
			if errors.As(err, &inc) {
				t.Errorf("interview %d: %v", i, survey.Blocking(inc))
			} else {
				t.Errorf("interview %d: %v", i, err)
			}
			continue
		}
		opts.LastSaved = iv.Data
		done++
	}
	return done
}

// TestPyxformCorpusSimulates: simulate completes simCount interviews of
// every pyxform-corpus form that form check accepts.
func TestPyxformCorpusSimulates(t *testing.T) {
	dir := testenv.XLSFormDir(t)
	rows := readManifest(t, dir)
	accepted, simulated := 0, 0
	for _, r := range rows {
		t.Run(r.file, func(t *testing.T) {
			f, err := forms.CompileFileWith(context.Background(), filepath.Join(dir, "corpus", r.file), forms.CompileOptions{})
			if err != nil {
				return
			}
			accepted++
			if simulateForm(t, f) == simCount {
				simulated++
			}
		})
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("**%d of the %d accepted pyxform-corpus forms**", simulated, accepted); !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not state %q; update its Forms section", want)
	}
	t.Logf("pyxform corpus: simulate completes %d interviews of %d of the %d accepted forms", simCount, simulated, accepted)
}
