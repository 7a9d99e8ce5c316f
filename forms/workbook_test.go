package forms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sira/forms"
	"sira/internal/testenv"
)

func corpusPath(t testing.TB, rel string) string {
	return filepath.Join(testenv.XLSFormDir(t), "corpus", rel)
}

// TestLayoutsAgree reads the same form in the four layouts of the corpus
// and checks they give the same survey rows.
func TestLayoutsAgree(t *testing.T) {
	for _, base := range []string{"example_xls/text_and_integer", "example_xls/specify_other", "example_xls/group", "example_xls/yes_or_no_question", "example_xls/case_insensitivity"} {
		t.Run(base, func(t *testing.T) {
			var ref []string
			for _, ext := range []string{".md", ".csv", ".xls", ".xlsx"} {
				path := corpusPath(t, base+ext)
				if _, err := os.Stat(path); err != nil {
					continue
				}
				wb, err := forms.ReadFile(context.Background(), path)
				if err != nil {
					t.Fatalf("%s: %v", ext, err)
				}
				s := wb.Sheet("survey")
				if s == nil {
					t.Fatalf("%s: no survey sheet", ext)
				}
				got := []string{strings.Join(s.Header, "|")}
				for _, r := range s.Rows {
					got = append(got, fmt.Sprintf("%d:%s", r.Num, strings.Join(r.Cells, "|")))
				}
				if ref == nil {
					ref = got
					continue
				}
				if !reflect.DeepEqual(got, ref) {
					t.Errorf("%s differs from .md:\n%q\n%q", ext, got, ref)
				}
			}
			if ref == nil {
				t.Fatal("no file read")
			}
		})
	}
}

func TestReadCells(t *testing.T) {
	wb, err := forms.Read(context.Background(), strings.NewReader("survey,,,\n,type,name,label\n,text,a,\u201cSmart\u201d\u00a0quotes\u2019\n,,,   \n,integer,b,B\n"), "x.csv", forms.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheet("SURVEY")
	if s == nil {
		t.Fatal("sheet names must match case-insensitively")
	}
	if got := s.Rows[0].Cell(2); got != `"Smart" quotes'` {
		t.Errorf("cell = %q", got)
	}
	if got := []int{s.Rows[0].Num, s.Rows[1].Num}; !reflect.DeepEqual(got, []int{2, 4}) {
		t.Errorf("row numbers = %v (the whitespace-only row counts as blank)", got)
	}
}

// TestSparseWideRow: the empty-column cut applies to the header only; a
// data row with a value after 20 empty cells keeps it.
func TestSparseWideRow(t *testing.T) {
	header := []string{"type", "name", "label"}
	row := []string{"text", "a", "A"}
	for i := 0; i < 25; i++ {
		header = append(header, fmt.Sprintf("x%d", i))
		row = append(row, "")
	}
	header = append(header, "hint")
	row = append(row, "far right")
	src := "survey\n," + strings.Join(header, ",") + "\n," + strings.Join(row, ",") + "\n"
	f, err := forms.Compile(context.Background(), mustRead(t, src, forms.FormatCSV), forms.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.ByName("a").Hint[""]; got != "far right" {
		t.Errorf("hint = %q", got)
	}
}

func mustRead(t *testing.T, src string, format forms.Format) *forms.Workbook {
	t.Helper()
	wb, err := forms.Read(context.Background(), strings.NewReader(src), "t."+string(format), format)
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := forms.ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestXLSNumbersAndDates(t *testing.T) {
	wb, err := forms.ReadFile(context.Background(), corpusPath(t, "example_xls/default_time_demo.xls"))
	if err != nil {
		t.Fatal(err)
	}
	if got := wb.Sheet("survey").Rows[0].Cell(3); got != "09:30:00" {
		t.Errorf("time cell = %q, want 09:30:00", got)
	}
	wb, err = forms.ReadFile(context.Background(), corpusPath(t, "example_xls/xml_escaping.xls"))
	if err != nil {
		t.Fatal(err)
	}
	if got := wb.Sheet("survey").Rows[0].Cell(1); got != "2" {
		t.Errorf("number cell = %q, want 2 (no .0)", got)
	}
}

func TestXLSXDatesAndBooleans(t *testing.T) {
	wb, err := forms.ReadFile(context.Background(), corpusPath(t, "bug_example_xls/xl_date_ambiguous_v1.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	// pyxform's own test: survey[4]['default'] == '1900-01-01 00:00:00'.
	s := wb.Sheet("survey")
	if got := s.Rows[4].Cell(3); got != "1900-01-01 00:00:00" {
		t.Errorf("date cell = %q, want 1900-01-01 00:00:00", got)
	}
	wb, err = forms.ReadFile(context.Background(), corpusPath(t, "example_xls/xlsform_spec_test.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range wb.Sheet("survey").Rows {
		if r.Cell(4) == "boolean name test" {
			if got := r.Cell(1); got != "FALSE" {
				t.Errorf("boolean cell = %q, want FALSE", got)
			}
			return
		}
	}
	t.Error("boolean name test row not found")
}

// TestInflatedDimensions reads the corpus file whose sheet claims thousands
// of columns and rows; reading stops at runs of empty ones.
func TestInflatedDimensions(t *testing.T) {
	wb, err := forms.ReadFile(context.Background(), corpusPath(t, "bug_example_xls/UCL_Biomass_Plot_Form.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheet("survey")
	if len(s.Header) > 64 || len(s.Rows) > 200 {
		t.Errorf("survey read as %d columns × %d rows", len(s.Header), len(s.Rows))
	}
	if s.Header[0] != "type" {
		t.Errorf("header = %q", s.Header)
	}
}

func writeXLSX(t testing.TB, rows int, gapAt int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"type", "name", "label"}); err != nil {
		t.Fatal(err)
	}
	num := 2
	for i := 0; i < rows; i++ {
		if i == gapAt {
			num += 61
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", num), []any{"text", fmt.Sprintf("q%d", i), "Q"}); err != nil {
			t.Fatal(err)
		}
		num++
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEmptyRowRunStops(t *testing.T) {
	data := writeXLSX(t, 10, 5)
	wb, err := forms.Read(context.Background(), bytes.NewReader(data), "gap.xlsx", forms.FormatXLSX)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(wb.Sheet("survey").Rows); got != 5 {
		t.Errorf("read %d rows, want 5 (stop after 60 empty rows)", got)
	}
}

// TestTooManyRows generates 100,000-row surveys: the reader refuses them
// with ErrTooLarge instead of building them.
func TestTooManyRows(t *testing.T) {
	t.Run("CSV", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("survey,,,\n,type,name,label\n")
		for i := 0; i < forms.MaxSheetRows; i++ {
			fmt.Fprintf(&b, ",text,q%d,Q\n", i)
		}
		_, err := forms.Read(context.Background(), &b, "big.csv", forms.FormatCSV)
		if !errors.Is(err, forms.ErrTooLarge) || !strings.Contains(err.Error(), `sheet "survey" has more than 100000 rows`) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		if testing.Short() || raceEnabled {
			t.Skip("reading 100,000 .xlsx rows takes about a second, ten times that under -race; the CSV case covers the limit")
		}
		data := writeXLSX(t, forms.MaxSheetRows, -1)
		_, err := forms.Read(context.Background(), bytes.NewReader(data), "big.xlsx", forms.FormatXLSX)
		if !errors.Is(err, forms.ErrTooLarge) || !strings.Contains(err.Error(), `sheet "survey" has more than 100000 rows`) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

func TestCorrupt(t *testing.T) {
	xlsx := writeXLSX(t, 3, -1)
	xls, err := os.ReadFile(corpusPath(t, "example_xls/text_and_integer.xls"))
	if err != nil {
		t.Fatal(err)
	}
	// A corpus .xls with a few bytes changed (found by fuzzing): a sector
	// chain loops back, on which the BIFF reader alone spins forever.
	loop, err := os.ReadFile(filepath.Join("testdata", "loop.xls"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		format forms.Format
	}{
		{"TextAsXLSX", []byte("type,name,label\n"), forms.FormatXLSX},
		{"TruncatedXLSX", xlsx[:len(xlsx)/2], forms.FormatXLSX},
		{"EmptyXLSX", nil, forms.FormatXLSX},
		{"XLSAsXLSX", xls, forms.FormatXLSX},
		{"XLSXAsXLS", xlsx, forms.FormatXLS},
		{"TruncatedXLS", xls[:len(xls)/3], forms.FormatXLS},
		{"LoopingSectorChain", loop, forms.FormatXLS},
		{"GarbageXLS", bytes.Repeat([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, 100), forms.FormatXLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := forms.Read(context.Background(), bytes.NewReader(tc.data), "bad", tc.format)
			if !errors.Is(err, forms.ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
	t.Run("Unsupported", func(t *testing.T) {
		if _, err := forms.ReadFile(context.Background(), "form.ods"); !errors.Is(err, forms.ErrUnsupportedFormat) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if _, err := forms.ReadFile(context.Background(), filepath.Join(t.TempDir(), "none.xlsx")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestWriteXLSXRoundTrip writes a workbook as .xlsx and compiles both: the
// compiled forms (and so their hashes) are identical.
func TestWriteXLSXRoundTrip(t *testing.T) {
	ctx := context.Background()
	wb, err := forms.ReadFile(ctx, filepath.Join("testdata", "small.md"))
	if err != nil {
		t.Fatal(err)
	}
	f1, err := forms.Compile(ctx, wb, forms.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := wb.WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	wb2, err := forms.Read(ctx, bytes.NewReader(b.Bytes()), "small.xlsx", forms.FormatXLSX)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := forms.Compile(ctx, wb2, forms.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f1.Hash != f2.Hash {
		j1, _ := f1.MarshalCanonical()
		j2, _ := f2.MarshalCanonical()
		t.Errorf("hash differs after .xlsx round trip:\n%s\n%s", j1, j2)
	}
}

func TestSelectFromFile(t *testing.T) {
	dir := t.TempDir()
	form := "| survey |\n| | type | name | label | parameters |\n| | select_one_from_file villages.csv | v | Village | |\n| | select_one_from_file posts.csv | p | Post | value=code label=nom |\n"
	files := map[string]string{
		"form.md":      form,
		"villages.csv": "name,label,cercle\nkayes,Kayes,kayes\nnioro,Nioro du Sahel,nioro\n",
		"posts.csv":    "code,nom\ngogui,Gogui\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := forms.CompileFile(context.Background(), filepath.Join(dir, "form.md"))
	if err != nil {
		t.Fatal(err)
	}
	v := f.ByName("v").List
	if v == nil || len(v.Choices) != 2 || v.Choices[1].Label[""] != "Nioro du Sahel" || v.Choices[1].Extra["cercle"] != "nioro" {
		t.Errorf("villages = %+v", v)
	}
	if p := f.Files["posts.csv"]; p == nil || p.Choices[0].Name != "gogui" || p.Choices[0].Label[""] != "Gogui" {
		t.Errorf("posts = %+v", p)
	}
	os.Remove(filepath.Join(dir, "posts.csv"))
	_, err = forms.CompileFile(context.Background(), filepath.Join(dir, "form.md"))
	got := problemsOf(t, err)
	if len(got) != 1 || got[0] != "form.md: survey row 3, column type: file posts.csv is not beside the form: compiling for laptops needs it" {
		t.Errorf("problems = %q", got)
	}
	// Checking a form before its files exist: a warning naming the file.
	f, err = forms.CompileFileWith(context.Background(), filepath.Join(dir, "form.md"), forms.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Missing) != 1 || f.Missing[0] != "posts.csv" || !strings.Contains(f.Warnings.Error(), "file posts.csv is not beside the form") {
		t.Errorf("missing %q, warnings %v", f.Missing, f.Warnings)
	}
}

// TestXLSFormulaCells reads the cached results of formula cells in .xls
// files, as pyxform (xlrd) does; the BIFF reader alone reads them as empty.
func TestXLSFormulaCells(t *testing.T) {
	for _, tc := range []struct {
		file, sheet string
		row         int // 1-based, as in the spreadsheet
		header      string
		want        string
	}{
		{"historical/xlsform_spec_test.xls", "survey", 55, "name", "FALSE"},
		{"historical/xlsform_spec_test.xls", "survey", 22, "required", "TRUE"},
		{"historical/xlsform_spec_test.xls", "survey", 14, "relevant", "FALSE"},
		{"example_xls/sms_info.xls", "settings", 2, "sms_allow_media", "TRUE"},
	} {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.file, tc.sheet, tc.row), func(t *testing.T) {
			wb, err := forms.ReadFile(context.Background(), corpusPath(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			s := wb.Sheet(tc.sheet)
			if s == nil {
				t.Fatalf("no sheet %q", tc.sheet)
			}
			col := -1
			for i, h := range s.Header {
				if strings.EqualFold(h, tc.header) {
					col = i
				}
			}
			for _, r := range s.Rows {
				if r.Num == tc.row {
					if got := r.Cell(col); got != tc.want {
						t.Errorf("row %d, column %q = %q, want %q", tc.row, tc.header, got, tc.want)
					}
					return
				}
			}
			t.Errorf("no row %d", tc.row)
		})
	}
}

// TestTextEncodings reads the text layouts as saved by spreadsheet programs:
// UTF-8 with or without a byte-order mark, and Windows-1252 (Excel's "CSV"
// on a French-language Windows), whose accented letters must survive.
func TestTextEncodings(t *testing.T) {
	const cp1252 = "R\xe9gion \x80 \x9cuvre \x92"
	tests := []struct {
		name   string
		file   string
		data   string
		format forms.Format
	}{
		{"CSVUTF8", "f.csv", "survey,,,\n,type,name,label\n,text,a,Région € œuvre ’\n", forms.FormatCSV},
		{"CSVBOM", "f.csv", "\xef\xbb\xbfsurvey,,,\n,type,name,label\n,text,a,Région € œuvre ’\n", forms.FormatCSV},
		{"CSVWindows1252", "f.csv", "survey,,,\n,type,name,label\n,text,a," + cp1252 + "\n", forms.FormatCSV},
		{"MarkdownWindows1252", "f.md", "| survey |\n| | type | name | label |\n| | text | a | " + cp1252 + " |\n", forms.FormatMarkdown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wb, err := forms.Read(context.Background(), strings.NewReader(tc.data), tc.file, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			// Smart quotes become ASCII, as pyxform cleans cells.
			if got, want := wb.Sheet("survey").Rows[0].Cell(2), "Région € œuvre '"; got != want {
				t.Errorf("label = %q, want %q", got, want)
			}
		})
	}
	t.Run("ChoiceFileWindows1252", func(t *testing.T) {
		dir := t.TempDir()
		for name, content := range map[string]string{
			"form.md":   "| survey |\n| | type | name | label |\n| | select_one_from_file lieux.csv | l | Lieu |\n",
			"lieux.csv": "name,label\nsegou,S\xe9gou\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f, err := forms.CompileFile(context.Background(), filepath.Join(dir, "form.md"))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Files["lieux.csv"].Choices[0].Label[""]; got != "Ségou" {
			t.Errorf("choice label = %q, want Ségou", got)
		}
	})
}
