package forms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"sira/forms"
	"sira/forms/builtin"
	"sira/internal/testenv"
)

// addCorpusSeeds adds the smallest corpus files with the given extension
// as seeds (at most max, none over 16 KB): mutating large inputs is so slow
// that the brief CI run would explore nothing.
func addCorpusSeeds(f *testing.F, ext string, max int) {
	files, _ := filepath.Glob(filepath.Join(testenv.XLSFormDir(f), "corpus", "*", "*"+ext))
	var seeds [][]byte
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 16<<10 {
			continue
		}
		seeds = append(seeds, data)
	}
	sort.SliceStable(seeds, func(i, j int) bool { return len(seeds[i]) < len(seeds[j]) })
	for _, data := range seeds[:min(max, len(seeds))] {
		f.Add(data)
	}
}

// fuzzRead reads data in a layout, and compiles what reads: neither may
// panic, and a compiled form must marshal and load back.
func fuzzRead(t *testing.T, data []byte, format forms.Format) {
	ctx := context.Background()
	wb, err := forms.Read(ctx, bytes.NewReader(data), "fuzz", format)
	if err != nil {
		return
	}
	for _, s := range wb.Sheets {
		for i, r := range s.Rows {
			if r.Num < 1 || (i > 0 && r.Num <= s.Rows[i-1].Num) {
				t.Fatalf("sheet %q: row numbers not increasing: %d", s.Name, r.Num)
			}
		}
	}
	f, err := forms.Compile(ctx, wb, forms.CompileOptions{})
	if err != nil {
		return
	}
	js, err := f.MarshalCanonical()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	g, err := forms.Load(js)
	if err != nil {
		t.Fatalf("load of compiled form: %v", err)
	}
	if g.Hash != f.Hash {
		t.Fatalf("hash changed on load")
	}
}

func FuzzReadXLSX(f *testing.F) {
	addCorpusSeeds(f, ".xlsx", 8)
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, forms.FormatXLSX) })
}

func FuzzReadXLS(f *testing.F) {
	addCorpusSeeds(f, ".xls", 8)
	f.Add([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, forms.FormatXLS) })
}

func FuzzReadMarkdown(f *testing.F) {
	addCorpusSeeds(f, ".md", 20)
	if data, err := os.ReadFile(filepath.Join("testdata", "small.md")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("| survey |\n| | type | name | label | relevant |\n| | integer | a | A | ${a} > 1 |\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, forms.FormatMarkdown) })
}

func FuzzReadCSV(f *testing.F) {
	addCorpusSeeds(f, ".csv", 20)
	f.Add([]byte("survey,,\n,type,name,label\n,text,a,\"A, b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, forms.FormatCSV) })
}

func BenchmarkCompile(b *testing.B) {
	for _, rel := range []string{"example_xls/xlsform_spec_test.xlsx", "example_xls/widgets.xls"} {
		b.Run(filepath.Base(rel), func(b *testing.B) {
			ctx := context.Background()
			wb, err := forms.ReadFile(ctx, corpusPath(b, rel))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := forms.Compile(ctx, wb, forms.CompileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReadCompileFile(b *testing.B) {
	path := corpusPath(b, "example_xls/xlsform_spec_test.xlsx")
	for b.Loop() {
		if _, err := forms.CompileFile(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileBuiltin compiles the built-in returnee survey (target:
// under 50 ms).
func BenchmarkCompileBuiltin(b *testing.B) {
	ctx := context.Background()
	wb, err := forms.Read(ctx, bytes.NewReader(builtin.Source()), builtin.FileName, forms.FormatMarkdown)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := forms.Compile(ctx, wb, forms.CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileLarge compiles a generated 5,000-row form whose
// calculations form one long dependency chain.
func BenchmarkCompileLarge(b *testing.B) {
	var src bytes.Buffer
	src.WriteString("| survey |\n| | type | name | label | calculation | relevant |\n| | integer | q0 | Q0 | | |\n")
	for i := 1; i < 5000; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&src, "| | calculate | q%d | | ${q%d} + 1 | |\n", i, i-1)
		} else {
			fmt.Fprintf(&src, "| | integer | q%d | Q | | ${q%d} > 0 |\n", i, i-1)
		}
	}
	ctx := context.Background()
	wb, err := forms.Read(ctx, &src, "large.md", forms.FormatMarkdown)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := forms.Compile(ctx, wb, forms.CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzLoad decodes compiled forms as laptops and the intake server receive
// them. Beyond Load itself, each input that decodes is re-hashed and loaded
// again, so that Prepare sees arbitrary trees: no panic, whatever the JSON.
func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "small.golden.json")); err == nil {
		f.Add(data)
	}
	// No larger seed (such as the built-in form): the fuzzer's mutations of
	// a 100 KB input crawl, and the brief CI run would explore nothing.
	f.Add([]byte(`{"schema":1,"form_id":"x","root":{"name":"data","type":"group","children":[null,{"name":"a","type":"integer","relevant":"${a} >"}]}}`))
	f.Add([]byte(`{"schema":1,"form_id":"x","root":{"name":"data","type":"text","children":[{"name":"s","type":"select_one","type_arg":"nope"}]},"lists":{"l":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if g, err := forms.Load(data); err == nil && (g.Root == nil || g.Hash == "") {
			t.Fatalf("Load accepted a form without root or hash")
		}
		var g forms.Form
		if json.Unmarshal(data, &g) != nil || g.Schema != forms.SchemaVersion {
			return
		}
		js, err := g.MarshalCanonical()
		if err != nil {
			return
		}
		_, _ = forms.Load(js)
	})
}
