package forms_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
	"sira/internal/testenv"
)

// corpusDifferences lists the corpus files where Sira deliberately disagrees
// with pyxform 4.5.0, with the reason. true = Sira refuses what pyxform
// accepts; false = Sira accepts what pyxform refuses.
var corpusDifferences = map[string]struct {
	refuses bool
	reason  string
}{
	"bug_example_xls/bad_calc.xlsx":          {true, "Sira parses every expression at compile time; pyxform leaves the bad calculation to ODK Validate"},
	"example_xls/bad_calc.xlsx":              {true, "same file as bug_example_xls/bad_calc.xlsx"},
	"bug_example_xls/xl_date_ambiguous.xlsx": {true, "choice_filter \"label::English != ''\" is not valid XPath (label:: is not an axis); Sira parses it, pyxform copies it"},
}

type manifestRow struct {
	file, observed string
}

func readManifest(t *testing.T, dir string) []manifestRow {
	t.Helper()
	fh, err := os.Open(filepath.Join(dir, "corpus", "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var rows []manifestRow
	col := -1
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if col < 0 {
			for i, h := range f {
				if h == "observed_pyxform_4.5.0_convert" {
					col = i
				}
			}
			if col < 0 {
				t.Fatal("MANIFEST.tsv has no observed_pyxform_4.5.0_convert column")
			}
			continue
		}
		if len(f) <= col {
			t.Fatalf("short manifest row %q", sc.Text())
		}
		rows = append(rows, manifestRow{file: f[0], observed: f[col]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCorpus compiles every corpus form: Sira accepts what pyxform accepts
// and refuses what it refuses, except the deliberate differences above. It
// also holds README.md to the figures it states.
func TestCorpus(t *testing.T) {
	dir := testenv.XLSFormDir(t)
	rows := readManifest(t, dir)
	if len(rows) < 100 {
		t.Fatalf("manifest has %d rows, want the full corpus", len(rows))
	}
	inManifest := map[string]bool{}
	agree, differ := 0, 0
	for _, r := range rows {
		inManifest[r.file] = true
		t.Run(r.file, func(t *testing.T) {
			pyOK := r.observed == "ok"
			want := pyOK
			d, deliberate := corpusDifferences[r.file]
			if deliberate {
				if d.refuses != pyOK {
					t.Fatalf("listed as a deliberate difference (Sira refuses: %v), but pyxform says %q: the entry is stale", d.refuses, r.observed)
				}
				want = !d.refuses
			}
			f, err := forms.CompileFileWith(context.Background(), filepath.Join(dir, "corpus", r.file), forms.CompileOptions{}) // as sira form check
			if got := err == nil; got != want {
				t.Errorf("accepted = %v, want %v (pyxform: %s); err = %v", got, want, r.observed, err)
				return
			}
			if err != nil {
				var ps forms.Problems
				if !errors.As(err, &ps) && !errors.Is(err, forms.ErrCorrupt) {
					t.Logf("non-problem error: %v", err)
				}
			} else if f.Hash == "" || f.Root == nil {
				t.Errorf("compiled form lacks hash or root")
				return
			}
			if deliberate {
				differ++
			} else {
				agree++
			}
		})
	}
	for file := range corpusDifferences {
		if !inManifest[file] {
			t.Errorf("deliberate difference %s is not in MANIFEST.tsv", file)
		}
	}
	t.Logf("corpus: %d of %d files agree with pyxform 4.5.0; %d deliberate differences", agree, len(rows), differ)
	if t.Failed() {
		return
	}
	// README.md states the pass count; keep it true.
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d of %d corpus forms", agree, len(rows))
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not state %q (the corpus pass count); update its Forms section", want)
	}
}
