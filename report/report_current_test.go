package report_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/export"
	"sira/forms"
	"sira/forms/builtin"
	"sira/report"
	"sira/survey"
)

// The hand-counted set of the current returnee version: ten people
// approached, seven of them counted. Columns are named in each map.
var currentHand = []map[string]string{
	1:  {"enum": "awa", "border_post": "gogui", "today": "2026-06-01", "sex": "male", "age": "25", "migrant_status": "long_term", "last_residence_country": "MRT", "main_return_reason": "job_loss", "return_reasons": "job_loss family", "needs": "food job", "activity_abroad": "working", "occupation_abroad": "9", "education_level": "0", "employment_status_abroad": "employee_casual", "earnings_abroad": "100000", "earnings_abroad_currency": "XOF", "earnings_abroad_period": "month", "recruitment_cost_fee": "20000", "recruitment_costs_currency": "XOF"},
	2:  {"enum": "bintou", "border_post": "gogui", "today": "2026-06-01", "sex": "male", "age": "30", "migrant_status": "short_term", "last_residence_country": "MRT", "main_return_reason": "expelled", "return_reasons": "expelled", "needs": "food", "activity_abroad": "working", "occupation_abroad": "1", "education_level": "6", "employment_status_abroad": "employee_permanent", "earnings_abroad": "50000", "earnings_abroad_currency": "XOF", "earnings_abroad_period": "week", "recruitment_cost_fee": "0"},
	3:  {"enum": "awa", "border_post": "gogui", "today": "2026-06-02", "sex": "female", "age": "22", "migrant_status": "long_term", "last_residence_country": "MRT", "main_return_reason": "family", "return_reasons": "family", "needs": "health", "activity_abroad": "working", "occupation_abroad": "5", "education_level": "2", "employment_status_abroad": "own_account", "earnings_abroad": "80000", "earnings_abroad_currency": "XOF", "earnings_abroad_period": "month"},
	4:  {"enum": "bintou", "border_post": "gao", "today": "2026-07-10", "sex": "male", "age": "40", "migrant_status": "undetermined", "last_residence_country": "DZA", "main_return_reason": "refused", "return_reasons": "refused", "needs": "none", "activity_abroad": "working", "occupation_abroad": "7", "education_level": "5", "employment_status_abroad": "employee_fixed_term", "earnings_abroad": "60000", "earnings_abroad_currency": "DZD", "earnings_abroad_period": "month", "recruitment_cost_fee": "30000", "recruitment_costs_currency": "DZD"},
	5:  {"enum": "awa", "border_post": "gao", "today": "2026-07-10", "sex": "male", "age": "35", "migrant_status": "not_returning", "last_residence_country": "DZA", "main_return_reason": "dk", "return_reasons": "dk", "needs": "food shelter", "activity_abroad": "job_search", "education_level": "7"},
	6:  {"enum": "bintou", "border_post": "gao", "today": "2026-07-11", "sex": "female", "age": "28", "migrant_status": "long_term", "last_residence_country": "LBY", "main_return_reason": "irregular_status", "return_reasons": "irregular_status insecurity", "needs": "food", "activity_abroad": "working", "occupation_abroad": "2", "education_level": "7", "employment_status_abroad": "employee_casual", "earnings_abroad": "1200000", "earnings_abroad_currency": "XOF", "earnings_abroad_period": "year", "recruitment_cost_fee": "50000", "recruitment_cost_documents": "-98", "recruitment_costs_currency": "XOF"},
	7:  {"enum": "awa", "border_post": "gogui", "eligible": "no"},
	8:  {"enum": "bintou", "border_post": "gao", "consent": "no"},
	9:  {"enum": "awa", "border_post": "gao", "already_interviewed": "yes"},
	10: {"enum": "bintou", "border_post": "gogui", "today": "2026-06-01", "sex": "male", "age": "19", "migrant_status": "long_term", "last_residence_country": "MRT", "main_return_reason": "job_loss", "return_reasons": "job_loss", "needs": "job", "activity_abroad": "working", "occupation_abroad": "9", "education_level": "1", "employment_status_abroad": "employee_casual", "earnings_abroad": "20000", "earnings_abroad_currency": "XOF", "earnings_abroad_period": "day", "recruitment_cost_fee": "0"},
}

func currentRows(t *testing.T) (*forms.Form, []export.Row) {
	t.Helper()
	f, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	paths := pathsByName(f)
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	var rows []export.Row
	for i, d := range currentHand {
		if i == 0 {
			continue
		}
		vals := map[string]string{paths["already_interviewed"]: "no", paths["consent"]: "yes", paths["eligible"]: "yes"}
		for k, v := range d {
			if k != "enum" {
				if paths[k] == "" {
					t.Fatalf("no field %s", k)
				}
				vals[paths[k]] = v
			}
		}
		if vals[paths["already_interviewed"]] == "yes" {
			delete(vals, paths["consent"])
			delete(vals, paths["eligible"])
		}
		iv := &survey.Interview{ID: fmt.Sprintf("uuid:00000000-0000-4000-8000-%012d", i), FormID: f.ID, FormVersion: f.Version,
			Enumerator: d["enum"], Started: t0, Status: survey.StatusAcknowledged, Revision: 1, Data: &survey.Record{Values: vals}}
		state := "received"
		if i%2 == 0 {
			state = "approved"
		}
		rows = append(rows, export.Row{Interview: iv, Meta: export.Meta{Received: t0, ReviewState: state}})
	}
	return f, rows
}

// flowRows are the daily counts behind the hand-counted weights.
func flowRows(t *testing.T) (*forms.Form, []export.Row) {
	t.Helper()
	f, err := builtin.FlowCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	paths := pathsByName(f)
	var rows []export.Row
	for i, c := range [][6]string{
		// post, day, men, women, boys, girls
		{"gogui", "2026-06-01", "40", "10", "0", "2"},
		{"gogui", "2026-06-02", "5", "9", "0", "0"},
		{"gao", "2026-07-10", "30", "0", "0", "0"},
	} {
		vals := map[string]string{paths["border_post"]: c[0], paths["count_date"]: c[1], paths["arrivals_men"]: c[2],
			paths["arrivals_women"]: c[3], paths["arrivals_boys"]: c[4], paths["arrivals_girls"]: c[5], paths["hours_covered"]: "10"}
		iv := &survey.Interview{ID: fmt.Sprintf("uuid:10000000-0000-4000-8000-%012d", i), FormID: f.ID, FormVersion: f.Version,
			Status: survey.StatusAcknowledged, Data: &survey.Record{Values: vals}}
		rows = append(rows, export.Row{Interview: iv})
	}
	return f, rows
}

func computeCurrent(t *testing.T, opts report.Options) *report.Report {
	t.Helper()
	f, rows := currentRows(t)
	opts.Now = fixedNow
	r, err := report.Compute(context.Background(), f, seq(rows), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestHandCountedCurrent checks the current version's tables against
// counts made by hand from currentHand.
func TestHandCountedCurrent(t *testing.T) {
	r := computeCurrent(t, report.Options{})
	if r.Interviews != 10 || r.Universe != 7 {
		t.Fatalf("interviews %d universe %d, want 10 and 7 (one not eligible, one refusal, one already interviewed)", r.Interviews, r.Universe)
	}
	if r.PeriodFrom != "2026-06-01" || r.PeriodTo != "2026-07-11" {
		t.Errorf("period %s – %s", r.PeriodFrom, r.PeriodTo)
	}
	want := map[string]map[string]int{
		"migrant_status_sex": {
			"long_term:male": 2, "long_term:female": 2, "long_term:_total": 4,
			"short_term:male": 1, "short_term:_total": 1, "not_returning:male": 1, "not_returning:_total": 1,
			"undetermined:male": 1, "undetermined:_total": 1,
			"_total:male": 5, "_total:female": 2, "_total:_total": 7,
		},
		// dk and refused are rows apart, outside the bases.
		"return_reason_sex": {
			"job_loss:male": 2, "job_loss:_total": 2, "expelled:male": 1, "expelled:_total": 1,
			"family:female": 1, "family:_total": 1, "irregular_status:female": 1, "irregular_status:_total": 1,
			"dk:male": 1, "dk:_total": 1, "refused:male": 1, "refused:_total": 1,
			"_total:male": 3, "_total:female": 2, "_total:_total": 5,
		},
		"post_month": {
			"gogui:2026-06": 4, "gogui:_total": 4, "gao:2026-07": 3, "gao:_total": 3,
			"_total:2026-06": 4, "_total:2026-07": 3, "_total:_total": 7,
		},
		"overqualified_sex": { // tertiary graduates who worked abroad: rows 2, 4, 6
			"yes:male": 1, "yes:_total": 1, "no:male": 1, "no:female": 1, "no:_total": 2,
			"_total:male": 2, "_total:female": 1, "_total:_total": 3,
		},
		"needs_sex": {
			"food:male": 3, "food:female": 1, "food:_total": 4, "shelter:male": 1, "shelter:_total": 1,
			"health:female": 1, "health:_total": 1, "job:male": 2, "job:_total": 2, "none:male": 1, "none:_total": 1,
			"_total:male": 5, "_total:female": 2, "_total:_total": 7,
		},
		"return_reasons_sex": {
			"job_loss:male": 2, "job_loss:_total": 2, "family:male": 1, "family:female": 1, "family:_total": 2,
			"irregular_status:female": 1, "irregular_status:_total": 1, "expelled:male": 1, "expelled:_total": 1,
			"insecurity:female": 1, "insecurity:_total": 1, "dk:male": 1, "dk:_total": 1, "refused:male": 1, "refused:_total": 1,
			"_total:male": 3, "_total:female": 2, "_total:_total": 5,
		},
		"quality_post": {
			"gogui:interviewed": 4, "gogui:not_eligible": 1, "gogui:_total": 5,
			"gao:interviewed": 3, "gao:refused": 1, "gao:already_interviewed": 1, "gao:_total": 5,
			"_total:interviewed": 7, "_total:refused": 1, "_total:already_interviewed": 1, "_total:not_eligible": 1, "_total:_total": 10,
		},
		"quality_enumerator": {
			"awa:interviewed": 3, "awa:not_eligible": 1, "awa:already_interviewed": 1, "awa:_total": 5,
			"bintou:interviewed": 4, "bintou:refused": 1, "bintou:_total": 5,
			"_total:interviewed": 7, "_total:refused": 1, "_total:already_interviewed": 1, "_total:not_eligible": 1, "_total:_total": 10,
		},
	}
	for key, w := range want {
		got := counts(table(t, r, key))
		for k, n := range w {
			if got[k] != n {
				t.Errorf("%s %s = %d, want %d", key, k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := w[k]; !ok && n != 0 {
				t.Errorf("%s %s = %d, want 0", key, k, n)
			}
		}
	}
	for _, c := range []struct {
		table, row, col string
		pct             float64
	}{
		{"migrant_status_sex", "long_term", "male", 40},
		{"return_reason_sex", "job_loss", "male", 200.0 / 3}, // dk and refused out of the base
		{"occupation", "1", "occupation_abroad", 100.0 / 6},  // managers among the 6 who worked abroad, not the 7
		{"needs_sex", "food", "male", 60},
		{"quality_post", "gao", "refused", 20},
	} {
		if got := cell(t, r, c.table, c.row, c.col).Percent; !near(got, c.pct) {
			t.Errorf("%s %s:%s = %v%%, want %v%%", c.table, c.row, c.col, got, c.pct)
		}
	}
	if c := cell(t, r, "return_reason_sex", "dk", "male"); !c.OutOfBase || c.Percent != 0 {
		t.Errorf("dk row: %+v, want out of base without a percentage", c)
	}
	if got := table(t, r, "overqualified_sex").Excluded; got != 4 {
		t.Errorf("overqualified outside the base = %d, want 4", got)
	}
	// SDG 10.7.1: MRT 20 % and 0 % (weekly earnings made monthly), DZA
	// 50 %; the LBY worker's unknown item and the daily earner are out.
	st := stat(t, r, "sdg_10_7_1")
	for _, w := range []struct {
		group       string
		n           int
		q1, med, q3 float64
	}{{"MRT", 2, 5, 10, 15}, {"DZA", 1, 50, 50, 50}, {"_total", 3, 10, 20, 35}} {
		row := statRow(t, st, w.group)
		if row.N != w.n || !near(row.Q1, w.q1) || !near(row.Median, w.med) || !near(row.Q3, w.q3) {
			t.Errorf("10.7.1 %s = %+v, want n %d quartiles %v %v %v", w.group, row, w.n, w.q1, w.med, w.q3)
		}
	}
	if len(st.Rows) != 3 {
		t.Errorf("10.7.1 groups %d, want MRT, DZA and the total", len(st.Rows))
	}
}

func stat(t *testing.T, r *report.Report, key string) *report.StatTable {
	t.Helper()
	for _, st := range r.Stats {
		if st.Key == key {
			return st
		}
	}
	t.Fatalf("no statistic %s", key)
	return nil
}

func statRow(t *testing.T, st *report.StatTable, group string) report.StatRow {
	t.Helper()
	for _, row := range st.Rows {
		if row.Group.Value == group {
			return row
		}
	}
	t.Fatalf("%s has no group %s", st.Key, group)
	return report.StatRow{}
}

// Weights: post × day × sex = arrivals counted ÷ interviews completed.
func TestWeightsHandCounted(t *testing.T) {
	ff, frows := flowRows(t)
	a, err := report.ReadArrivals(context.Background(), ff, seq(frows), false)
	if err != nil {
		t.Fatal(err)
	}
	r := computeCurrent(t, report.Options{Arrivals: a})
	cov := r.Coverage
	// gogui 06-01: 40 men for 3 interviewed men; gogui 06-02: 9 women for
	// one woman; gao 07-10: 30 men for 2 men; gao 07-11 was not counted.
	if !r.Weighted || cov.Covered != 6 || cov.Uncovered != 1 || !near(cov.Estimated, 79) || cov.Days != 3 || !near(cov.Hours, 30) {
		t.Fatalf("coverage %+v", cov)
	}
	for _, c := range []struct {
		row, col string
		w        float64
	}{
		{"long_term", "male", 80.0 / 3}, {"short_term", "male", 40.0 / 3}, {"undetermined", "male", 15},
		{"not_returning", "male", 15}, {"long_term", "female", 9}, // the gao 07-11 woman has no weight
	} {
		if got := cell(t, r, "migrant_status_sex", c.row, c.col).Weighted; !near(got, c.w) {
			t.Errorf("weighted %s:%s = %v, want %v", c.row, c.col, got, c.w)
		}
	}
	if got := cell(t, r, "migrant_status_sex", "long_term", "male").WPercent; !near(got, 100*(80.0/3)/70) {
		t.Errorf("weighted long-term men %% = %v", got)
	}
	// The flow count's own report: arrivals by post and month.
	fr, err := report.ComputeFlow(context.Background(), ff, seq(frows), report.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(table(t, fr, "flow_post_month")); got["gogui:2026-06"] != 66 || got["gao:2026-07"] != 30 || got["_total:_total"] != 96 {
		t.Errorf("flow_post_month %v", got)
	}
}

func TestApprovedOnly(t *testing.T) {
	r := computeCurrent(t, report.Options{ApprovedOnly: true})
	// Rows 2, 4, 6, 8, 10 are approved: 8 refused, the others counted.
	if r.Interviews != 5 || r.NotApproved != 5 || r.Universe != 4 || !r.ApprovedOnly {
		t.Errorf("approved only: read %d, left out %d, universe %d", r.Interviews, r.NotApproved, r.Universe)
	}
}

// TestPublish: a published report shows no count from 1 to small-1, hides
// enough other cells that no total gives them away, shows no percentage on
// a small base, links to no interview and has no cube.
func TestPublish(t *testing.T) {
	f, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	var rows []export.Row
	for i := 0; i < 400; i++ {
		p := builtin.PlausibleReturnee(rand.New(rand.NewPCG(3, uint64(i))))
		iv, err := survey.Simulate(f, rand.New(rand.NewPCG(4, uint64(i))), survey.SimOptions{Plan: plan, Answers: p.Answers, Start: p.Start, Enumerator: "enq" + strconv.Itoa(i%7)})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, export.Row{Interview: iv})
	}
	for _, small := range []int{5, 10} {
		r, err := report.Compute(context.Background(), f, seq(rows), report.Options{SmallCell: small, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		r.Publish()
		suppressed := 0
		for _, tb := range r.Tables {
			cells := func(yield func(string, report.Cell)) {
				for i := range tb.Cells {
					for j := range tb.Cells[i] {
						yield(fmt.Sprintf("%d:%d", i, j), tb.Cells[i][j])
					}
				}
				for i, c := range tb.RowTotals {
					yield(fmt.Sprintf("%d:total", i), c)
				}
				for j, c := range tb.ColTotals {
					yield(fmt.Sprintf("total:%d", j), c)
				}
			}
			cells(func(where string, c report.Cell) {
				if c.Count > 0 && c.Count < small && !c.Suppressed {
					t.Errorf("small %d: %s %s counts %d, not suppressed", small, tb.Key, where, c.Count)
				}
				if c.Suppressed {
					suppressed++
				}
				if c.Linked || c.Filter != nil {
					t.Errorf("%s %s still links", tb.Key, where)
				}
			})
			// Complementary suppression: no row or column with exactly one hidden entry.
			if tb.RowTotals != nil {
				for i := range tb.Cells {
					n := b2i(tb.RowTotals[i].Suppressed)
					for _, c := range tb.Cells[i] {
						n += b2i(c.Suppressed)
					}
					if n == 1 {
						t.Errorf("small %d: %s row %s has one hidden entry", small, tb.Key, tb.Rows[i].Value)
					}
				}
			}
			if !tb.Multi {
				for j := range tb.Cols {
					n := b2i(tb.ColTotals[j].Suppressed)
					for i := range tb.Cells {
						if !tb.Cells[i][j].OutOfBase {
							n += b2i(tb.Cells[i][j].Suppressed)
						}
					}
					if n == 1 {
						t.Errorf("small %d: %s column %s has one hidden entry", small, tb.Key, tb.Cols[j].Value)
					}
					if !tb.RowPercent && tb.ColTotals[j].Count < report.MinBase && !tb.ColTotals[j].PctSuppressed {
						t.Errorf("%s column %s: percentage on a base of %d shown", tb.Key, tb.Cols[j].Value, tb.ColTotals[j].Count)
					}
				}
			}
		}
		for _, tb := range r.Tables {
			if tb.Key == "quality_enumerator" {
				t.Error("published report keeps the rates per enumerator")
			}
		}
		if suppressed == 0 || r.ComplementarySuppr == 0 {
			t.Errorf("small %d: %d cells suppressed, %d complementary: the test data must exercise both", small, suppressed, r.ComplementarySuppr)
		}
		var csvb, htmlb strings.Builder
		if err := report.WriteCSV(&csvb, r, "en"); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteHTML(&htmlb, r, report.HTMLOptions{Lang: "fr", LinkBase: "/forms/returnee/interviews"}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(csvb.String(), "\n")
		for _, line := range lines[1:] {
			fields := strings.Split(line, ",")
			if len(fields) < 12 || strings.HasPrefix(line, "_meta") || strings.HasPrefix(line, "_note") || strings.Contains(line, `"`) {
				continue
			}
			if n, err := strconv.Atoi(fields[8]); err == nil && n > 0 && n < small && fields[10] != "statistic" && fields[5] != "statistic" {
				t.Errorf("small %d: CSV shows %d: %s", small, n, line)
			}
			if fields[11] != "" {
				t.Errorf("CSV keeps a filter: %s", line)
			}
			if fields[0] == "cube" {
				t.Errorf("CSV has the cube")
			}
		}
		html := htmlb.String()
		for _, bad := range []string{"<a href=\"/forms", "id=\"cube\"", "uuid:", "title=\"sex="} {
			if strings.Contains(html, bad) {
				t.Errorf("published HTML contains %q", bad)
			}
		}
		// No visible count below the threshold in any table cell: a cell
		// shows "x" or its count followed by the percentage.
		cellRE := regexp.MustCompile(`<td(?: class="small")?>(\d+)(?: <span|\*|</td>).{0,80}`)
		for _, m := range cellRE.FindAllStringSubmatch(html, -1) {
			if n, _ := strconv.Atoi(m[1]); n > 0 && n < small {
				t.Errorf("small %d: published HTML shows a count of %d: %s", small, n, m[0])
			}
		}
		if strings.Contains(html, `class="excluded"`) && regexp.MustCompile(`class="excluded">[^<]*: [1-`+strconv.Itoa(small-1)+`]\.<`).MatchString(html) {
			t.Errorf("small %d: a small count outside the base is shown", small)
		}
		if !strings.Contains(html, `id="published"`) {
			t.Error("published HTML does not say so")
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// An interview without the eligibility screen (collected with an earlier
// version) stays in the universe; one the screen excluded does not.
func TestEarlierVersionCounted(t *testing.T) {
	f, rows := currentRows(t)
	paths := pathsByName(f)
	old := *rows[0].Interview
	old.ID, old.FormVersion = "uuid:old", builtin.FrozenVersion
	old.Data = old.Data.Clone()
	delete(old.Data.Values, paths["eligible"])
	rows = append(rows, export.Row{Interview: &old})
	r, err := report.Compute(context.Background(), f, seq(rows), report.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if r.Universe != 8 || len(r.Versions) != 2 || r.Versions[0] != builtin.FrozenVersion {
		t.Errorf("universe %d versions %v, want 8 and both versions", r.Universe, r.Versions)
	}
}
