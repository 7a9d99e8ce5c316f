package export_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sira/export"
)

func TestWriteCSVGolden(t *testing.T) {
	cases := []struct {
		name string
		opts export.Options
	}{
		{"names", export.Options{}},
		{"labels-en", export.Options{Labels: true, Language: "en"}},
		{"since", export.Options{Since: t0.Add(48 * time.Hour)}},
	}
	f := nestedForm()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sum, err := export.WriteCSV(context.Background(), f, seq(nestedInterviews()), dir, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, tb := range sum.Tables {
				b, err := os.ReadFile(tb.File)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, "nested-"+c.name+"-"+filepath.Base(tb.File)+".golden", b)
				files = append(files, filepath.Base(tb.File))
			}
			if got, want := strings.Join(files, " "), "nested.csv nested-legs~1.csv nested-stops.csv nested-legs~2.csv"; got != want {
				t.Errorf("files = %s, want %s", got, want)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 4 {
				t.Errorf("dir holds %d entries, want 4 (no temporary files left)", len(ents))
			}
		})
	}
}

// TestKeysJoin checks the relational structure: every PARENT_KEY names a KEY
// of the parent table, and row counts match the repeat instances.
func TestKeysJoin(t *testing.T) {
	dir := t.TempDir()
	sum, err := export.WriteCSV(context.Background(), nestedForm(), seq(nestedInterviews()), dir, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) (map[string]int, [][]string) {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		recs, err := csv.NewReader(fh).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		idx := map[string]int{}
		for i, h := range recs[0] {
			idx[h] = i
		}
		return idx, recs[1:]
	}
	keys := func(name string) map[string]bool {
		idx, rows := read(name)
		m := map[string]bool{}
		for _, r := range rows {
			m[r[idx["KEY"]]] = true
		}
		return m
	}
	for _, c := range []struct {
		child, parent string
		rows          int
	}{
		{"nested-legs~1.csv", "nested.csv", 3},
		{"nested-stops.csv", "nested-legs~1.csv", 3},
		{"nested-legs~2.csv", "nested.csv", 1},
	} {
		pk := keys(c.parent)
		idx, rows := read(c.child)
		if len(rows) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.child, len(rows), c.rows)
		}
		for _, r := range rows {
			if !pk[r[idx["PARENT_KEY"]]] {
				t.Errorf("%s: PARENT_KEY %q not a KEY of %s", c.child, r[idx["PARENT_KEY"]], c.parent)
			}
		}
	}
	if got := keys("nested-stops.csv"); !got["uuid:11111111-1111-4111-8111-111111111111/travel/legs[1]/detail/stops[2]"] {
		t.Errorf("stops keys = %v, want Central's uuid:…/travel/legs[1]/detail/stops[2] form", got)
	}
	if sum.Interviews != 3 || sum.Tables[2].Rows != 3 {
		t.Errorf("summary = %+v", sum)
	}
}

func TestWriteCSVErrors(t *testing.T) {
	f := nestedForm()
	t.Run("WrongForm", func(t *testing.T) {
		rows := nestedInterviews()
		rows[1].Interview.FormID = "other"
		dir := t.TempDir()
		_, err := export.WriteCSV(context.Background(), f, seq(rows), dir, export.Options{})
		if !errors.Is(err, export.ErrWrongForm) {
			t.Fatalf("err = %v, want ErrWrongForm", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("failed export left %d files", len(ents))
		}
	})
	t.Run("SourceError", func(t *testing.T) {
		boom := errors.New("disk gone")
		rows := func(yield func(export.Row, error) bool) {
			if !yield(nestedInterviews()[0], nil) {
				return
			}
			yield(export.Row{}, boom)
		}
		dir := t.TempDir()
		_, err := export.WriteCSV(context.Background(), f, rows, dir, export.Options{})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("failed export left %d files", len(ents))
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := export.WriteCSV(ctx, f, seq(nestedInterviews()), t.TempDir(), export.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("MissingDir", func(t *testing.T) {
		_, err := export.WriteCSV(context.Background(), f, seq(nil), filepath.Join(t.TempDir(), "nope"), export.Options{})
		if err == nil {
			t.Fatal("no error for a missing directory")
		}
	})
}

func TestCodebookGolden(t *testing.T) {
	var b strings.Builder
	if err := export.WriteCodebook(&b, nestedForm()); err != nil {
		t.Fatal(err)
	}
	golden(t, "nested-codebook.csv.golden", []byte(b.String()))
}

func TestWriteXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested.xlsx")
	sum, err := export.WriteXLSX(context.Background(), nestedForm(), seq(nestedInterviews()), path, export.Options{Labels: true, Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got, want := strings.Join(x.GetSheetList(), ","), "nested,nested-legs~1,nested-stops,nested-legs~2,codebook"; got != want {
		t.Errorf("sheets = %s, want %s", got, want)
	}
	// The sheets hold exactly what the CSV export holds.
	dir := t.TempDir()
	csum, err := export.WriteCSV(context.Background(), nestedForm(), seq(nestedInterviews()), dir, export.Options{Labels: true, Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for i, tb := range csum.Tables {
		fh, err := os.Open(tb.File)
		if err != nil {
			t.Fatal(err)
		}
		want, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.GetRows(sum.Tables[i].File)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("sheet %s: %d rows, want %d", sum.Tables[i].File, len(got), len(want))
		}
		for r := range want {
			for c := range want[r] {
				g := ""
				if c < len(got[r]) {
					g = got[r][c]
				}
				if g != want[r][c] && !sameNumber(g, want[r][c]) && !sameInstant(g, want[r][c]) {
					t.Errorf("sheet %s row %d col %s: %q, want %q", sum.Tables[i].File, r+1, want[0][c], g, want[r][c])
				}
			}
		}
	}
	// Numeric columns are numbers (no string type), so Excel sums them;
	// text stays text.
	for _, c := range []struct {
		cell   string
		number bool
	}{{"D2", true}, {"G2", true}, {"C2", false}} {
		typ, err := x.GetCellType("nested", c.cell)
		if err != nil {
			t.Fatal(err)
		}
		isString := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString
		if isString == c.number {
			t.Errorf("cell %s type = %v, want number=%v", c.cell, typ, c.number)
		}
	}
	cb, err := x.GetRows("codebook")
	if err != nil || len(cb) < 10 {
		t.Errorf("codebook sheet: %d rows, %v", len(cb), err)
	}
}

// TestEmptyExport: a form with no interviews still yields headers.
func TestEmptyExport(t *testing.T) {
	dir := t.TempDir()
	sum, err := export.WriteCSV(context.Background(), nestedForm(), seq(nil), dir, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(sum.Tables[0].File)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "SubmissionDate,start,respondent-name,") || strings.Count(string(b), "\n") != 1 {
		t.Errorf("empty main table = %q", b)
	}
}

// sameInstant reports whether a date-time cell shown by Excel
// ("2026-11-03 08:30:00") is the CSV's instant ("2026-11-03T08:30:00.000Z").
func sameInstant(cell, csv string) bool {
	x, err1 := time.Parse("2006-01-02 15:04:05", cell)
	y, err2 := time.Parse(time.RFC3339Nano, csv)
	return err1 == nil && err2 == nil && x.Equal(y)
}

// sameNumber reports whether two cells hold the same number written
// differently ("-8" in a number cell, "-8.0" in the CSV).
func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

// FuzzWriteCSV: whatever text an enumerator types (commas, quotes, line
// breaks, invalid UTF-8…) reads back unchanged from the exported CSV, in
// the right row and column, except that text a spreadsheet would take for
// a formula (starting with = + - @ tab CR) reads back with a leading
// apostrophe.
func FuzzWriteCSV(f *testing.F) {
	for _, s := range []string{"", "Awa, \"la grande\"", "ligne 1\nligne 2\r\n", "\ufeffBOM", "=1+1", "\xff\xfe"} {
		f.Add(s, "Gao")
	}
	f.Fuzz(func(t *testing.T, name, town string) {
		rows := nestedInterviews()
		rows[0].Interview.Data.Values["/data/respondent/name"] = name
		rows[0].Interview.Data.Repeats["/data/travel/legs"][0].Repeats["/data/travel/legs/detail/stops"][1].Values["/data/travel/legs/detail/stops/town"] = town
		dir := t.TempDir()
		if _, err := export.WriteCSV(context.Background(), nestedForm(), seq(rows), dir, export.Options{}); err != nil {
			t.Fatal(err)
		}
		read := func(file string) [][]string {
			fh, err := os.Open(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			recs, err := csv.NewReader(fh).ReadAll()
			if err != nil {
				t.Fatalf("%s does not parse: %v", file, err)
			}
			return recs
		}
		// encoding/csv turns \r\n inside quoted fields into \n on reading
		// (and nothing else: "\r\r\n" reads as "\r\n"), so that is what
		// a faithful file reads back as.
		norm := func(s string) string {
			if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				s = "'" + s
			}
			return strings.ReplaceAll(s, "\r\n", "\n")
		}
		main := read("nested.csv")
		if len(main) != 4 || main[1][2] != norm(name) {
			t.Errorf("name read back as %q, want %q", main[1][2], norm(name))
		}
		stops := read("nested-stops.csv")
		if len(stops) != 4 || stops[2][0] != norm(town) {
			t.Errorf("town read back as %q, want %q", stops[2][0], norm(town))
		}
	})
}

// TestUnexported: answers to fields the form lacks (an older version's
// removed question) are counted, not silently dropped.
func TestUnexported(t *testing.T) {
	rows := nestedInterviews()
	rows[0].Interview.Data.Values["/data/respondent/phone"] = "76 00 00 00"
	rows[1].Interview.Data.Values["/data/respondent/phone"] = "66 00 00 00"
	rows[1].Interview.Data.Repeats["/data/travel/legs"][0].Values["/data/travel/legs/cost"] = "50000"
	rows[2].Interview.Data.Values["/data/respondent/intro"] = "OK" // a note: not a lost answer
	sum, err := export.WriteCSV(context.Background(), nestedForm(), seq(rows), t.TempDir(), export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sum.Unexported); got != "map[/data/respondent/phone:2 /data/travel/legs/cost:1]" {
		t.Errorf("Unexported = %s", got)
	}
	sum, err = export.WriteCSV(context.Background(), nestedForm(), seq(nestedInterviews()), t.TempDir(), export.Options{})
	if err != nil || sum.Unexported != nil {
		t.Errorf("clean export: Unexported = %v, %v", sum.Unexported, err)
	}
}
