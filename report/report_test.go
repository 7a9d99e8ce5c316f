package report_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/export"
	"sira/forms"
	"sira/forms/builtin"
	"sira/report"
	"sira/survey"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// builtinForm is the returnee form at version 2026112801, the version the
// hand-counted set below was written for (report_current_test.go counts
// the current version).
func builtinForm(t testing.TB) *forms.Form {
	t.Helper()
	f, err := builtin.Frozen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pathsByName maps field names to paths, so hand-written interviews read
// like the questionnaire.
func pathsByName(f *forms.Form) map[string]string {
	m := map[string]string{}
	var walk func([]*forms.Node)
	walk = func(ns []*forms.Node) {
		for _, n := range ns {
			m[n.Name] = n.Path
			walk(n.Children)
		}
	}
	walk(f.Root.Children)
	return m
}

// The hand-counted data set: 12 consenting returnees and one refusal.
// Columns: consent, sex, age, return_type, destination, origin_region,
// occupation_before, occupation_abroad, occupation_now, education_level,
// certificate_obtained, certificate_recognised, recognition_wish ("" = not
// answered).
var handData = [][13]string{
	1:  {"yes", "male", "22", "expelled", "DZA", "kayes", "6", "9", "6", "1", "no", "", "yes"},
	2:  {"yes", "male", "30", "assisted", "LBY", "kayes", "9", "7", "7", "0", "yes", "no", "yes"},
	3:  {"yes", "female", "27", "voluntary", "CIV", "sikasso", "5", "5", "5", "2", "no", "", ""},
	4:  {"yes", "male", "17", "expelled", "DZA", "gao", "", "9", "", "1", "no", "", "no"},
	5:  {"yes", "male", "41", "assisted", "LBY", "kayes", "7", "7", "7", "3", "yes", "yes", ""},
	6:  {"yes", "female", "35", "assisted", "LBY", "koulikoro", "5", "4", "", "3", "yes", "unknown", "yes"},
	7:  {"yes", "male", "25", "expelled", "NER", "gao", "6", "8", "6", "0", "no", "", ""},
	8:  {"yes", "male", "19", "voluntary", "CIV", "sikasso", "9", "9", "9", "2", "no", "", "no"},
	9:  {"yes", "female", "52", "voluntary", "FRA", "bamako", "2", "2", "2", "6", "yes", "partly", "yes"},
	10: {"yes", "male", "33", "assisted", "DZA", "kayes", "7", "7", "7", "1", "yes", "no", "yes"},
	11: {"yes", "male", "", "expelled", "DZA", "kayes", "9", "9", "", "0", "no", "", ""},
	12: {"yes", "female", "66", "voluntary", "FRA", "bamako", "1", "", "1", "7", "no", "", "no"},
	13: {"no"},
}

var handFields = [13]string{"consent", "sex", "age", "return_type", "destination", "origin_region",
	"occupation_before", "occupation_abroad", "occupation_now", "education_level",
	"certificate_obtained", "certificate_recognised", "recognition_wish"}

func handRows(f *forms.Form) []export.Row {
	paths := pathsByName(f)
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var rows []export.Row
	for i, d := range handData {
		if i == 0 {
			continue
		}
		vals := map[string]string{paths["already_interviewed"]: "no"}
		for j, v := range d {
			if v != "" {
				vals[paths[handFields[j]]] = v
			}
		}
		iv := &survey.Interview{
			ID: fmt.Sprintf("uuid:00000000-0000-4000-8000-%012d", i), FormID: f.ID, FormVersion: f.Version,
			Enumerator: "enq01", Started: t0.Add(time.Duration(i) * time.Hour), Status: survey.StatusAcknowledged,
			Revision: 1, Data: &survey.Record{Values: vals},
		}
		rows = append(rows, export.Row{Interview: iv, Meta: export.Meta{Received: t0.Add(48 * time.Hour)}})
	}
	return rows
}

// fixedNow dates the reports of the tests, so the goldens are stable.
func fixedNow() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }

func seq(rows []export.Row) iter.Seq2[export.Row, error] {
	return func(yield func(export.Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func compute(t *testing.T) (*forms.Form, []export.Row, *report.Report) {
	t.Helper()
	f := builtinForm(t)
	rows := handRows(f)
	r, err := report.Compute(context.Background(), f, seq(rows), report.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return f, rows, r
}

// counts renders a table as "row:col=n" for the non-zero cells, totals as
// "row:_total" and "_total:col".
func counts(tb *report.Table) map[string]int {
	m := map[string]int{}
	for i, r := range tb.Rows {
		for j, c := range tb.Cols {
			if n := tb.Cells[i][j].Count; n != 0 {
				m[r.Value+":"+c.Value] = n
			}
		}
		if tb.RowTotals != nil {
			m[r.Value+":_total"] = tb.RowTotals[i].Count
		}
	}
	for j, c := range tb.Cols {
		m["_total:"+c.Value] = tb.ColTotals[j].Count
	}
	m["_total:_total"] = tb.Total.Count
	return m
}

// TestHandCounted checks every table against counts made by hand from
// handData (see the comments for the tally).
func TestHandCounted(t *testing.T) {
	_, _, r := compute(t)
	if r.Interviews != 13 || r.Universe != 12 {
		t.Fatalf("interviews %d universe %d, want 13 and 12 (one refusal)", r.Interviews, r.Universe)
	}
	want := map[string]map[string]int{
		// ages 17 | 22,19 | 30,25,33 + 27f | 41 + 35f | 52f | 66f | missing (11)
		"age_sex": {
			"15-17:male": 1, "15-17:_total": 1,
			"18-24:male": 2, "18-24:_total": 2,
			"25-34:male": 3, "25-34:female": 1, "25-34:_total": 4,
			"35-44:male": 1, "35-44:female": 1, "35-44:_total": 2,
			"45-54:female": 1, "45-54:_total": 1,
			"65+:female": 1, "65+:_total": 1,
			"_total:male": 7, "_total:female": 4, "_total:_total": 11, // age not stated (11): outside the base
		},
		"return_sex": {
			"voluntary:male": 1, "voluntary:female": 3, "voluntary:_total": 4,
			"assisted:male": 3, "assisted:female": 1, "assisted:_total": 4,
			"expelled:male": 4, "expelled:_total": 4,
			"_total:male": 8, "_total:female": 4, "_total:_total": 12,
		},
		"destination_sex": {
			"DZA:male": 4, "DZA:_total": 4, "NER:male": 1, "NER:_total": 1,
			"CIV:male": 1, "CIV:female": 1, "CIV:_total": 2,
			"LBY:male": 2, "LBY:female": 1, "LBY:_total": 3,
			"FRA:female": 2, "FRA:_total": 2,
			"_total:male": 8, "_total:female": 4, "_total:_total": 12,
		},
		"region_sex": {
			"kayes:male": 5, "kayes:_total": 5, "koulikoro:female": 1, "koulikoro:_total": 1,
			"sikasso:male": 1, "sikasso:female": 1, "sikasso:_total": 2,
			"gao:male": 2, "gao:_total": 2, "bamako:female": 2, "bamako:_total": 2,
			"_total:male": 8, "_total:female": 4, "_total:_total": 12,
		},
		"occupation": {
			"1:occupation_before": 1, "2:occupation_before": 1, "5:occupation_before": 2, "6:occupation_before": 2,
			"7:occupation_before": 2, "9:occupation_before": 3,
			"2:occupation_abroad": 1, "4:occupation_abroad": 1, "5:occupation_abroad": 1, "7:occupation_abroad": 3,
			"8:occupation_abroad": 1, "9:occupation_abroad": 4,
			"1:occupation_now": 1, "2:occupation_now": 1, "5:occupation_now": 1, "6:occupation_now": 2,
			"7:occupation_now": 3, "9:occupation_now": 1,
			// Bases: those working at the time (not applicable is outside).
			"_total:occupation_before": 11, "_total:occupation_abroad": 11, "_total:occupation_now": 9, "_total:_total": 11,
		},
		"education_sex": {
			"0:male": 3, "0:_total": 3, "1:male": 3, "1:_total": 3,
			"2:male": 1, "2:female": 1, "2:_total": 2, "3:male": 1, "3:female": 1, "3:_total": 2,
			"6:female": 1, "6:_total": 1, "7:female": 1, "7:_total": 1,
			"_total:male": 8, "_total:female": 4, "_total:_total": 12,
		},
		"certificate_sex": {
			"yes:male": 3, "yes:female": 2, "yes:_total": 5,
			"no:male": 5, "no:female": 2, "no:_total": 7,
			"_total:male": 8, "_total:female": 4, "_total:_total": 12,
		},
		"recognised_sex": { // only the 5 with a certificate
			"yes:male": 1, "yes:_total": 1, "partly:female": 1, "partly:_total": 1,
			"no:male": 2, "no:_total": 2, "unknown:female": 1, "unknown:_total": 1,
			"_total:male": 3, "_total:female": 2, "_total:_total": 5,
		},
		"wish_sex": {
			"yes:male": 3, "yes:female": 2, "yes:_total": 5,
			"no:male": 2, "no:female": 1, "no:_total": 3,
			"_total:male": 5, "_total:female": 3, "_total:_total": 8, // 4 not asked: outside the base
		},
	}
	seen := map[string]bool{}
	for _, tb := range r.Tables {
		seen[tb.Key] = true
		w, ok := want[tb.Key]
		if !ok {
			continue
		}
		got := counts(tb)
		for k, n := range w {
			if got[k] != n {
				t.Errorf("%s %s = %d, want %d", tb.Key, k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := w[k]; !ok {
				t.Errorf("%s %s = %d, want 0", tb.Key, k, n)
			}
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("table %s missing", k)
		}
	}
	// Row order follows the code lists: DZA, NER, CIV, LBY, FRA in the
	// country list; ISCO 1…9 then 0; missing last.
	for key, order := range map[string]string{
		"destination_sex": "DZA NER CIV LBY FRA",
		"occupation":      "1 2 4 5 6 7 8 9",
		"age_sex":         "15-17 18-24 25-34 35-44 45-54 65+",
	} {
		tb := table(t, r, key)
		var vs []string
		for _, row := range tb.Rows {
			vs = append(vs, row.Value)
		}
		if got := strings.Join(vs, " "); got != order {
			t.Errorf("%s rows = %s, want %s", key, got, order)
		}
	}
	// Hand-computed percentages.
	for _, c := range []struct {
		table, row, col string
		pct             float64
	}{
		{"age_sex", "25-34", "male", 300.0 / 7}, // 3 of the 7 men whose age is stated
		{"age_sex", "25-34", "female", 25},      // 1 of 4 women
		{"return_sex", "voluntary", "female", 75},
		{"recognised_sex", "no", "male", 100.0 * 2 / 3},
		{"occupation", "9", "occupation_abroad", 100.0 * 4 / 11}, // of the 11 who worked abroad
	} {
		if got := cell(t, r, c.table, c.row, c.col).Percent; math.Abs(got-c.pct) > 1e-9 {
			t.Errorf("%s %s:%s = %v%%, want %v%%", c.table, c.row, c.col, got, c.pct)
		}
	}
	// Wish for recognition: of the 8 asked, not of the 12 (review §4.5).
	if got := table(t, r, "wish_sex").RowTotals[0].Percent; math.Abs(got-100.0*5/8) > 1e-9 {
		t.Errorf("wish yes total = %v%%, want 62.5%%", got)
	}
	if got := table(t, r, "wish_sex").Excluded; got != 4 {
		t.Errorf("wish_sex outside the base = %d, want 4", got)
	}
	if got := table(t, r, "return_sex").RowTotals[0].Percent; math.Abs(got-100.0/3) > 1e-9 {
		t.Errorf("voluntary total = %v%%, want 33.3%%", got)
	}
	// The cube: all 12 returnees differ in (sex, age, return, destination, region).
	if len(r.Cube.Cells) != 12 {
		t.Errorf("cube has %d cells, want 12", len(r.Cube.Cells))
	}
	if first := r.Cube.Cells[0]; strings.Join(first.Values, ",") != "male,15-17,expelled,DZA,gao" || first.Count != 1 {
		t.Errorf("first cube cell = %v", first)
	}
}

func table(t *testing.T, r *report.Report, key string) *report.Table {
	t.Helper()
	for _, tb := range r.Tables {
		if tb.Key == key {
			return tb
		}
	}
	t.Fatalf("no table %s", key)
	return nil
}

func cell(t *testing.T, r *report.Report, key, row, col string) report.Cell {
	t.Helper()
	tb := table(t, r, key)
	for i, rw := range tb.Rows {
		for j, c := range tb.Cols {
			if rw.Value == row && c.Value == col {
				return tb.Cells[i][j]
			}
		}
	}
	t.Fatalf("%s has no cell %s:%s", key, row, col)
	return report.Cell{}
}

// TestInvariants: column percentages sum to 100, small cells are exactly
// those counting 1–4, and every cell's filter selects exactly the
// interviews it counts (the dashboard's link shows the right list).
func TestInvariants(t *testing.T) {
	f, rows, r := compute(t)
	sel, err := report.NewSelector(f, report.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, c report.Cell) {
		if got, want := c.Small, c.Count > 0 && c.Count < 5; got != want {
			t.Errorf("%s: count %d small=%v", where, c.Count, got)
		}
		if !c.Linked {
			return // multiple-response and quality cells link to nothing
		}
		fl, err := report.ParseFilter(c.Query())
		if err != nil {
			t.Fatalf("%s: filter %q: %v", where, c.Query(), err)
		}
		n := 0
		for _, row := range rows {
			if sel.Match(fl, row.Interview) {
				n++
			}
		}
		if n != c.Count {
			t.Errorf("%s: filter %q selects %d interviews, cell counts %d", where, c.Query(), n, c.Count)
		}
	}
	for _, tb := range r.Tables {
		for j, col := range tb.Cols {
			sum := 0.0
			for i, row := range tb.Rows {
				sum += tb.Cells[i][j].Percent
				check(fmt.Sprintf("%s %s:%s", tb.Key, row.Value, col.Value), tb.Cells[i][j])
			}
			if tb.ColTotals[j].Count > 0 && !tb.Multi && !tb.RowPercent && math.Abs(sum-100) > 1e-9 {
				t.Errorf("%s column %s percentages sum to %v", tb.Key, col.Value, sum)
			}
			check(fmt.Sprintf("%s _total:%s", tb.Key, col.Value), tb.ColTotals[j])
		}
		if tb.RowTotals != nil {
			sum := 0.0
			for i, row := range tb.Rows {
				sum += tb.RowTotals[i].Percent
				check(fmt.Sprintf("%s %s:_total", tb.Key, row.Value), tb.RowTotals[i])
			}
			if tb.Total.Count > 0 && !tb.Multi && !tb.RowPercent && math.Abs(sum-100) > 1e-9 {
				t.Errorf("%s total column sums to %v", tb.Key, sum)
			}
		}
		check(tb.Key+" total", tb.Total)
	}
	for _, c := range r.Cube.Cells {
		check("cube "+c.Query(), c.Cell)
	}
}

func TestSmallCellOption(t *testing.T) {
	f := builtinForm(t)
	r, err := report.Compute(context.Background(), f, seq(handRows(f)), report.Options{SmallCell: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c := cell(t, r, "age_sex", "25-34", "male"); c.Small {
		t.Errorf("3 flagged with threshold 2")
	}
	if c := cell(t, r, "age_sex", "15-17", "male"); !c.Small {
		t.Errorf("1 not flagged with threshold 2")
	}
	if c := cell(t, r, "age_sex", "15-17", "female"); c.Small || c.Count != 0 {
		t.Errorf("empty cell = %+v, want unflagged 0", c)
	}
}

func TestMissingFields(t *testing.T) {
	f := builtinForm(t)
	m := report.DefaultMapping()
	m.Sex = "gender"
	m.Age = "sex" // wrong type
	m.Destination = "leg_country"
	_, err := report.Compute(context.Background(), f, seq(nil), report.Options{Mapping: &m})
	var mf *report.MissingFieldsError
	if !errors.As(err, &mf) {
		t.Fatalf("err = %v, want *MissingFieldsError", err)
	}
	msg := err.Error()
	for _, want := range []string{`"gender" not in the form`, `"sex" is select_one`, `"leg_country" is inside a repeat`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if len(mf.Problems) != 3 {
		t.Errorf("problems = %q, want 3", mf.Problems)
	}
}

func TestComputeErrors(t *testing.T) {
	f := builtinForm(t)
	rows := handRows(f)
	rows[3].Interview.FormID = "other"
	if _, err := report.Compute(context.Background(), f, seq(rows), report.Options{}); !errors.Is(err, export.ErrWrongForm) {
		t.Errorf("wrong form: err = %v", err)
	}
	boom := errors.New("db closed")
	bad := func(yield func(export.Row, error) bool) { yield(export.Row{}, boom) }
	if _, err := report.Compute(context.Background(), f, bad, report.Options{}); !errors.Is(err, boom) {
		t.Errorf("source error: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := report.Compute(ctx, f, seq(handRows(f)), report.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}

func TestParseFilter(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"?sex=female&age_group=25-34", "sex=female&age_group=25-34", false},
		{"age_group=65%2B", "age_group=65%2B", false},
		{"sex=", "sex=", false},
		{"sex", "", true},
		{"sex=male&sex=female", "", true},
		{"=x", "", true},
		{"sex=%zz", "", true},
	} {
		fl, err := report.ParseFilter(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseFilter(%q) err = %v, wantErr %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && fl.String() != c.want {
			t.Errorf("ParseFilter(%q) = %q, want %q", c.in, fl.String(), c.want)
		}
	}
	sel, err := report.NewSelector(builtinForm(t), report.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.Check(report.Filter{{Key: "colour", Value: "red"}}); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("Check unknown key: %v", err)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "sex=female&age_group=25-34", "age_group=65%2B", "a=b=c", "%", "x=&y=%20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		fl, err := report.ParseFilter(q)
		if err != nil {
			return
		}
		again, err := report.ParseFilter(fl.String())
		if err != nil {
			t.Fatalf("String %q of parsed %q does not parse: %v", fl.String(), q, err)
		}
		if fmt.Sprint(again) != fmt.Sprint(fl) {
			t.Fatalf("round trip %q: %v != %v", q, again, fl)
		}
	})
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden; rerun with -update after checking the diff", name)
	}
}

func TestWriteHTML(t *testing.T) {
	_, _, r := compute(t)
	for _, lang := range []string{"fr", "en"} {
		var b strings.Builder
		if err := report.WriteHTML(&b, r, report.HTMLOptions{Lang: lang, LinkBase: "/forms/returnee/interviews"}); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		golden(t, "hand-"+lang+".html.golden", []byte(html))
		for _, bad := range []string{"<script", "http://", "https://", "<link", "<img"} {
			if strings.Contains(strings.ReplaceAll(html, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
				t.Errorf("%s page contains %q: must be self-contained", lang, bad)
			}
		}
		charts := 0
		for _, tb := range r.Tables {
			if !tb.RowPercent {
				charts++
			}
		}
		if got := strings.Count(html, "<svg"); got != charts {
			t.Errorf("%s page has %d charts, want %d", lang, got, charts)
		}
	}
	var b strings.Builder
	if err := report.WriteHTML(&b, r, report.HTMLOptions{Lang: "fr", LinkBase: "/i"}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		// 3 men aged 25–34: small, linked to its filter, French decimal comma.
		`<td class="small"><a href="/i?age_group=25-34&amp;sex=male" title="age_group=25-34&amp;sex=male">3</a>* <span class="pct">(42,9&nbsp;%)</span></td>`,
		// The male column base (7 whose age is stated) is not small.
		`<td><a href="/i?age_group=_base&amp;sex=male" title="age_group=_base&amp;sex=male">7</a> <span class="pct">(100,0&nbsp;%)</span></td>`,
		`<span class="excluded">Hors base (non concerné ou non renseigné): 1.</span>`,
		// Recognition is counted among certificate holders only.
		`<a href="/i?certificate=yes&amp;recognised=no&amp;sex=male" title="certificate=yes&amp;recognised=no&amp;sex=male">2</a>`,
		`<td id="universe">12</td>`,
		`<td id="versions">2026112801</td>`,
		`<td id="generated">2026-12-01 09:00 UTC</td>`,
		`<td id="approved">tous, y compris non revus et rejetés</td>`,
		`<section id="methodology">`,
		`<th>Grand groupe de la CITP-08</th><th>Avant le départ</th><th>À l&#39;étranger</th><th>Maintenant</th></tr>`,
	} {
		if want = strings.ReplaceAll(want, "&nbsp;", "\u00a0"); !strings.Contains(html, want) {
			t.Errorf("French page lacks %s", want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	_, _, r := compute(t)
	var b strings.Builder
	if err := report.WriteCSV(&b, r, "en"); err != nil {
		t.Fatal(err)
	}
	golden(t, "hand-en.csv.golden", []byte(b.String()))
	for _, want := range []string{
		"age_sex,1,age_group,25-34,25–34 years,sex,male,Male,3,42.9,true,age_group=25-34&sex=male,false,,\n",
		"occupation,18,code,9,9 Elementary occupations,variable,occupation_abroad,Abroad,4,36.4,true,occupation_abroad=9,false,,\n",
		"return_sex,1,return_type,_total,Total,sex,_total,Total,12,100.0,false,return_type=_base&sex=_base,false,,\n",
		"_meta,,form_versions,2026112801,,,,,,,,,,,\n",
		"age_sex,1,age_group,_missing,Not applicable or not stated (outside the base),,,,1,,false,,true,,\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
}
