package export_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sira/export"
	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

// readerScript dumps a .dta or .sav file as haven reads it: per variable
// its class, label, value labels (with tagged missing values), SPSS
// missing range, values and missing tags.
const readerScript = `
suppressMessages({library(haven); library(jsonlite)})
path <- commandArgs(trailingOnly=TRUE)[1]
d <- if (grepl("\\.dta$", path)) read_dta(path) else read_sav(path, user_na=TRUE)
out <- lapply(names(d), function(n) {
  x <- d[[n]]
  lab <- attr(x, "label"); if (is.null(lab)) lab <- ""
  labs <- attr(x, "labels")
  vl <- list()
  if (!is.null(labs)) for (i in seq_along(labs)) {
    v <- unname(labs[i])
    vl[[i]] <- list(value=if (is.na(v)) NULL else as.numeric(v), tag=if (is.na(v)) na_tag(as.numeric(v)) else NULL, label=names(labs)[i])
  }
  raw <- unclass(x); attributes(raw) <- NULL
  vals <- if (inherits(x, "Date")) format(x) else if (inherits(x, "POSIXct")) format(x, "%Y-%m-%dT%H:%M:%OS3Z", tz="UTC") else raw
  tags <- if (is.double(raw)) na_tag(raw) else rep(NA_character_, length(raw))
  rng <- attr(x, "na_range")
  list(name=n, class=class(x)[1], label=lab, labels=vl, na_range=if (is.null(rng)) NULL else I(rng), values=I(vals), tags=I(tags))
})
cat(toJSON(out, digits=NA, na="null", auto_unbox=TRUE, null="null"))
`

type readVar struct {
	Name    string    `json:"name"`
	Class   string    `json:"class"`
	Label   string    `json:"label"`
	NaRange []float64 `json:"na_range"`
	Labels  []struct {
		Value *float64 `json:"value"`
		Tag   *string  `json:"tag"`
		Label string   `json:"label"`
	} `json:"labels"`
	Values []any     `json:"values"`
	Tags   []*string `json:"tags"`
}

func havenRead(t *testing.T, path string) []readVar {
	t.Helper()
	script := filepath.Join(t.TempDir(), "read.R")
	if err := os.WriteFile(script, []byte(readerScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("Rscript", script, path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("haven cannot read %s: %v\n%s", filepath.Base(path), err, msg)
	}
	var vars []readVar
	if err := json.Unmarshal(out, &vars); err != nil {
		t.Fatalf("haven output for %s: %v", filepath.Base(path), err)
	}
	return vars
}

// readerForms are the forms checked with the real readers: the built-in
// survey and a form with nested repeats, with simulated interviews into
// which don't know and refused answers are written.
func readerForms(t *testing.T) []struct {
	name string
	f    *forms.Form
	rows []export.Row
} {
	ctx := context.Background()
	ret, err := builtin.Form(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hh, err := forms.CompileFile(ctx, filepath.Join("testdata", "household.md"))
	if err != nil {
		t.Fatal(err)
	}
	retRows := simulated(t, ret, 25, map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes"})
	hhRows := simulated(t, hh, 8, nil)
	for _, c := range []struct {
		f    *forms.Form
		rows []export.Row
	}{{ret, retRows}, {hh, hhRows}} {
		// Don't know in the first number answered, refused in the
		// first select_one answered of another interview, in repeats too.
		byPath := map[string]*forms.Node{}
		for _, n := range c.f.Nodes() {
			byPath[n.Path] = n
		}
		var num, sel, long bool
		var mark func(rec *survey.Record, i int)
		mark = func(rec *survey.Record, i int) {
			for _, p := range slices.Sorted(maps.Keys(rec.Values)) {
				n := byPath[p]
				switch {
				case n == nil:
				case !num && n.Type == forms.TypeInteger && i == 0:
					rec.Values[p], num = "-98", true
				case !sel && n.Type == forms.TypeSelectOne && i == 1:
					rec.Values[p], sel = "refused", true
				case !long && n.Type == forms.TypeText && i == 2:
					// Past str2045 and SPSS's 255-byte segments: strL and a
					// very long string, with accents across the segments.
					rec.Values[p], long = strings.Repeat("Kidal–Gao é ", 300), true
				}
			}
			for _, p := range slices.Sorted(maps.Keys(rec.Repeats)) {
				for _, inst := range rec.Repeats[p] {
					mark(inst, i)
				}
			}
		}
		for i, r := range c.rows {
			mark(r.Interview.Data, i)
		}
		if !num || !sel || !long {
			t.Fatalf("form %s: no number or select_one to mark don't know / refused", c.f.ID)
		}
	}
	return []struct {
		name string
		f    *forms.Form
		rows []export.Row
	}{{"returnee", ret, retRows}, {"household", hh, hhRows}}
}

// TestRealReaders writes every table of the built-in form and of a
// nested-repeat form as .dta and .sav, reads them with R's haven (Stata and
// SPSS) and PSPP (SPSS), and compares values, variable and value labels,
// missing-value codes and types with the CSV export of the same rows.
func TestRealReaders(t *testing.T) {
	if _, err := exec.LookPath("Rscript"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Rscript not installed: .ci/run installs r-cran-haven")
		}
		t.Skip("Rscript not installed (CI installs r-cran-haven)")
	}
	ctx := context.Background()
	for _, fc := range readerForms(t) {
		t.Run(fc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := export.Options{Language: "en"}
			csum, err := export.WriteCSV(ctx, fc.f, seq(fc.rows), dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			dsum, err := export.WriteDTA(ctx, fc.f, seq(fc.rows), dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			ssum, err := export.WriteSAV(ctx, fc.f, seq(fc.rows), dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			l, err := export.NewLayout(fc.f)
			if err != nil {
				t.Fatal(err)
			}
			names := export.VarNames(l)
			tally := map[string]int{}
			for ti, tb := range l.Tables {
				if got, want := filepath.Base(dsum.Tables[ti].File), tb.Name+".dta"; got != want {
					t.Errorf("dta file %s, want %s", got, want)
				}
				want := readCSV(t, csum.Tables[ti].File)
				for _, file := range []string{dsum.Tables[ti].File, ssum.Tables[ti].File} {
					stata := strings.HasSuffix(file, ".dta")
					vars := havenRead(t, file)
					compareRead(t, filepath.Base(file), fc.f, tb, names[ti], want, vars, stata, tally)
				}
				comparePSPP(t, ssum.Tables[ti].File, tb, names[ti], want)
			}
			// Every reason occurs, so each comparison above could fail.
			for _, k := range []string{"stata:a", "stata:b", "stata:c", "stata:d", "spss:-97", "spss:-98", "spss:-99", "spss:-96", "code", "date", "text"} {
				// The household form asks no date, and its only relevance is on
				// the job repeat, whose non-relevant instances finalize drops
				// (no rows rather than not-applicable cells).
				exempt := fc.name == "household" && (k == "date" || k == "stata:a" || k == "spss:-97")
				if tally[k] == 0 && !exempt {
					t.Errorf("no %s cell checked", k)
				}
			}
		})
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// unneutralize undoes the CSV's formula guard.
func unneutralize(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func compareRead(t *testing.T, file string, f *forms.Form, tb *export.Table, names []string, want [][]string, vars []readVar, stata bool, tally map[string]int) {
	t.Helper()
	if len(vars) != len(tb.Columns) {
		t.Fatalf("%s: %d variables, want %d", file, len(vars), len(tb.Columns))
	}
	for j, c := range tb.Columns {
		v := vars[j]
		where := fmt.Sprintf("%s variable %s (%s)", file, v.Name, c.Name)
		if v.Name != names[j] {
			t.Errorf("%s: name %q, want %q", where, v.Name, names[j])
		}
		if len(v.Values) != len(want)-1 {
			t.Fatalf("%s: %d rows, want %d", where, len(v.Values), len(want)-1)
		}
		if c.Kind == export.KindValue && c.Node.Label != nil {
			// Labels are cut at the format's limit (Stata 320 bytes, SPSS 255),
			// at a character boundary; the codebook keeps them whole.
			limit := 255
			if stata {
				limit = 320
			}
			if wl := cutLabel(export.Text(c.Node.Label, "en", f.Languages), limit); wl != "" && v.Label != wl {
				t.Errorf("%s: label %q, want %q", where, v.Label, wl)
			}
		}
		typ := export.TypeOf(c)
		// Value labels by code, and by missing tag (Stata).
		byCode, byTag := map[float64]string{}, map[string]string{}
		for _, l := range v.Labels {
			switch {
			case l.Value != nil:
				byCode[*l.Value] = l.Label
			case l.Tag != nil:
				byTag[*l.Tag] = l.Label
			}
		}
		wantClass := map[export.ColType]string{export.ColText: "character", export.ColDate: "Date", export.ColDateTime: "POSIXct"}[typ]
		if typ == export.ColCode || typ == export.ColIndicator {
			wantClass = map[bool]string{true: "haven_labelled", false: "haven_labelled_spss"}[stata]
		}
		if wantClass != "" && v.Class != wantClass {
			t.Errorf("%s: class %s, want %s", where, v.Class, wantClass)
		}
		if !stata && (typ == export.ColCode || typ == export.ColIndicator) && (len(v.NaRange) != 2 || v.NaRange[0] != -99 || v.NaRange[1] != -96) {
			t.Errorf("%s: missing range %v, want -99 to -96", where, v.NaRange)
		}
		for r := 1; r < len(want); r++ {
			cell := unneutralize(want[r][j])
			got := v.Values[r-1]
			tag := ""
			if v.Tags[r-1] != nil {
				tag = *v.Tags[r-1]
			}
			at := fmt.Sprintf("%s row %d", where, r)
			if typ == export.ColText {
				s, _ := got.(string)
				if strings.TrimRight(s, " ") != strings.TrimRight(cell, " ") {
					t.Errorf("%s: %q, want %q", at, s, cell)
				}
				tally["text"]++
				continue
			}
			// The missing reason the CSV cell implies.
			reason := ""
			switch {
			case cell == "" && c.Kind == export.KindMeta:
				reason = "sys"
			case cell == "":
				reason = "empty"
			case typ == export.ColCode && cell == "dk", c.Kind == export.KindValue && typ == export.ColNumber && cell == "-98":
				reason = "dk"
			case typ == export.ColCode && cell == "refused", c.Kind == export.KindValue && typ == export.ColNumber && cell == "-99":
				reason = "refused"
			}
			num, isNum := got.(float64)
			if stata {
				switch reason {
				case "sys":
					if got != nil || tag != "" {
						t.Errorf("%s: %v/%q, want system missing", at, got, tag)
					}
					continue
				case "empty":
					if got != nil || (tag != "a" && tag != "d") {
						t.Errorf("%s: %v/%q, want .a or .d", at, got, tag)
					}
					tally["stata:"+tag]++
					continue
				case "dk", "refused":
					wt := map[string]string{"dk": "b", "refused": "c"}[reason]
					if got != nil || tag != wt {
						t.Errorf("%s: %v/%q, want .%s", at, got, tag, wt)
					}
					if typ == export.ColCode && byTag[wt] == "" {
						t.Errorf("%s: no value label for .%s", where, wt)
					}
					tally["stata:"+wt]++
					continue
				}
			} else {
				switch reason {
				case "sys":
					if got != nil {
						t.Errorf("%s: %v, want system missing", at, got)
					}
					continue
				case "empty", "dk", "refused":
					if typ == export.ColDate || typ == export.ColDateTime {
						// A missing date is system-missing in SPSS.
						if got != nil {
							t.Errorf("%s: %v, want system missing", at, got)
						}
						continue
					}
					ok := isNum && (reason == "empty" && (num == -97 || num == -96) || reason == "dk" && num == -98 || reason == "refused" && num == -99)
					if !ok {
						t.Errorf("%s: %v, want the %s code", at, got, reason)
					}
					if isNum && byCode[num] == "" {
						t.Errorf("%s: no value label for %v", where, num)
					}
					tally["spss:"+strconv.FormatFloat(num, 'f', -1, 64)]++
					continue
				}
			}
			switch typ {
			case export.ColNumber, export.ColIndicator:
				w, _ := strconv.ParseFloat(cell, 64)
				if !isNum || math.Abs(num-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("%s: %v, want %s", at, got, cell)
				}
			case export.ColCode:
				list := export.ListOf(f, c.Node)
				wl := cell
				if list != nil {
					for _, ch := range list.Choices {
						if ch.Name == cell {
							wl = export.Text(ch.Label, "en", f.Languages)
						}
					}
				}
				if !isNum || byCode[num] != wl {
					t.Errorf("%s: code %v labelled %q, want %q (%s)", at, got, byCode[num], wl, cell)
				}
				tally["code"]++
			case export.ColDate:
				if s, _ := got.(string); s != cell[:10] {
					t.Errorf("%s: %v, want %s", at, got, cell)
				}
				tally["date"]++
			case export.ColDateTime:
				wt, err := time.Parse(time.RFC3339Nano, cell)
				if err != nil {
					t.Fatalf("%s: CSV %q: %v", at, cell, err)
				}
				if s, _ := got.(string); s != wt.UTC().Format("2006-01-02T15:04:05.000Z") {
					t.Errorf("%s: %v, want %s", at, got, wt.UTC().Format("2006-01-02T15:04:05.000Z"))
				}
			}
		}
	}
}

// comparePSPP reads a .sav with PSPP and compares names, case count and
// values (numbers as numbers, user-missing codes kept) with the CSV.
func comparePSPP(t *testing.T, path string, tb *export.Table, names []string, want [][]string) {
	t.Helper()
	if _, err := exec.LookPath("pspp"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pspp not installed: .ci/run installs it")
		}
		t.Log("pspp not installed (CI installs it): SPSS files checked with haven only")
		return
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	syntax := fmt.Sprintf("GET FILE=%q.\nSAVE TRANSLATE /OUTFILE=%q /TYPE=CSV /FIELDNAMES /CELLS=VALUES /REPLACE.\n", path, out)
	sps := filepath.Join(dir, "read.sps")
	if err := os.WriteFile(sps, []byte(syntax), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("pspp", "-b", sps).CombinedOutput(); err != nil {
		t.Fatalf("pspp cannot read %s: %v\n%s", filepath.Base(path), err, b)
	}
	got := readCSV(t, out)
	if len(got) != len(want) {
		t.Fatalf("pspp %s: %d lines, want %d", filepath.Base(path), len(got), len(want))
	}
	if g, w := strings.Join(got[0], ","), strings.Join(names, ","); g != w {
		t.Errorf("pspp %s: variables\n%s\nwant\n%s", filepath.Base(path), g, w)
	}
	for r := 1; r < len(want); r++ {
		for j, c := range tb.Columns {
			g, w := strings.TrimSpace(got[r][j]), unneutralize(want[r][j])
			at := fmt.Sprintf("pspp %s row %d %s", filepath.Base(path), r, c.Name)
			switch export.TypeOf(c) {
			case export.ColText:
				if g != strings.TrimRight(w, " ") {
					t.Errorf("%s: %q, want %q", at, g, w)
				}
			case export.ColNumber, export.ColIndicator:
				gf, err1 := strconv.ParseFloat(g, 64)
				wf, err2 := strconv.ParseFloat(w, 64)
				switch {
				case w == "" && c.Kind == export.KindMeta:
					if g != "" {
						t.Errorf("%s: %q, want system missing", at, g)
					}
				case w == "":
					if err1 != nil || (gf != -97 && gf != -96) {
						t.Errorf("%s: %q, want -97 or -96", at, g)
					}
				case err1 != nil || err2 != nil || math.Abs(gf-wf) > 0.006*math.Max(1, math.Abs(wf)):
					t.Errorf("%s: %q, want %q", at, g, w)
				}
			}
		}
	}
}

// cutLabel cuts s to at most n bytes without splitting a character.
func cutLabel(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
