package report

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"
	"time"

	"sira/export"
	"sira/forms"
)

// The flow monitoring registry (form flow_count): arrivals counted per
// post and day, by sex and adult/minor. Expansion weights for the returnee
// interviews are post × day × sex: counted arrivals ÷ completed
// interviews. Interviews whose post, day and sex were not counted get no
// weight and are reported as outside the coverage.

// Arrivals are the daily counts of one or more flow count forms.
type Arrivals struct {
	// ByKey sums arrivals by weightKey(post, day, sex).
	ByKey  map[string]float64
	Counts int                // count records read
	Hours  map[string]float64 // hours covered, by post
	Days   map[string]bool    // "post|day" counted
}

func weightKey(post, day, sex string) string { return post + "|" + day + "|" + sex }

// flowFields are the flow count's fields.
var flowFields = []string{"border_post", "count_date", "hours_covered", "arrivals_men", "arrivals_women", "arrivals_boys", "arrivals_girls", "arrivals_malian", "arrivals_foreign", "arrivals_nationality_unknown"}

// IsFlowCount reports whether f is a flow count form (it has the fields of
// the built-in flow_count).
func IsFlowCount(f *forms.Form) bool {
	for _, name := range flowFields[:7] {
		if f.ByName(name) == nil {
			return false
		}
	}
	return true
}

type flowRec struct {
	post, day string
	v         map[string]float64
}

func readFlow(ctx context.Context, f *forms.Form, rows iter.Seq2[export.Row, error], approvedOnly bool, each func(flowRec)) (read, skipped int, versions []string, err error) {
	if !IsFlowCount(f) {
		return 0, 0, nil, fmt.Errorf("form %q is not a flow count (fields %s)", f.ID, strings.Join(flowFields[:7], ", "))
	}
	paths := map[string]string{}
	for _, name := range flowFields {
		if n := f.ByName(name); n != nil {
			paths[name] = n.Path
		}
	}
	vs := map[string]bool{}
	for row, err := range rows {
		if err != nil {
			return read, skipped, nil, fmt.Errorf("read flow counts: %w", err)
		}
		iv := row.Interview
		if iv == nil || iv.Data == nil {
			continue
		}
		if iv.FormID != f.ID {
			return read, skipped, nil, fmt.Errorf("interview %s: form %q, reading %q: %w", iv.ID, iv.FormID, f.ID, export.ErrWrongForm)
		}
		if approvedOnly && row.Meta.ReviewState != "approved" {
			skipped++
			continue
		}
		if read++; read&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return read, skipped, nil, err
			}
		}
		vs[iv.FormVersion] = true
		v := iv.Data.Values
		fr := flowRec{post: strings.TrimSpace(v[paths["border_post"]]), day: strings.TrimSpace(v[paths["count_date"]]), v: map[string]float64{}}
		for _, name := range flowFields[2:] {
			if x, err := strconv.ParseFloat(strings.TrimSpace(v[paths[name]]), 64); err == nil && x >= 0 {
				fr.v[name] = x
			}
		}
		each(fr)
	}
	for v := range vs {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	return read, skipped, versions, ctx.Err()
}

// ReadArrivals sums the flow counts of f (a flow count form) by post, day
// and sex; approvedOnly keeps approved counts only.
func ReadArrivals(ctx context.Context, f *forms.Form, rows iter.Seq2[export.Row, error], approvedOnly bool) (*Arrivals, error) {
	a := &Arrivals{ByKey: map[string]float64{}, Hours: map[string]float64{}, Days: map[string]bool{}}
	n, _, _, err := readFlow(ctx, f, rows, approvedOnly, func(fr flowRec) {
		if fr.post == "" || len(fr.day) < 10 {
			return
		}
		a.ByKey[weightKey(fr.post, fr.day[:10], "male")] += fr.v["arrivals_men"] + fr.v["arrivals_boys"]
		a.ByKey[weightKey(fr.post, fr.day[:10], "female")] += fr.v["arrivals_women"] + fr.v["arrivals_girls"]
		a.Hours[fr.post] += fr.v["hours_covered"]
		a.Days[fr.post+"|"+fr.day[:10]] = true
	})
	a.Counts = n
	return a, err
}

// Coverage says how far the flow counts cover the interviews.
type Coverage struct {
	Counts    int      // flow count records read
	Posts     []string // posts counted
	Days      int      // post-days counted
	Hours     float64  // hours of counting
	Arrivals  float64  // arrivals counted
	Covered   int      // interviews whose post, day and sex were counted
	Uncovered int      // interviews without a count (no weight)
	Estimated float64  // sum of the weights (= arrivals of the covered post-days and sexes)
}

// applyWeights sets each record's weight: the arrivals counted at its
// post, day and sex divided by the completed interviews of that cell.
func applyWeights(recs []rec, a *Arrivals) *Coverage {
	cov := &Coverage{Counts: a.Counts, Days: len(a.Days)}
	posts := map[string]bool{}
	for k := range a.Days {
		posts[k[:strings.IndexByte(k, '|')]] = true
	}
	for p := range posts {
		cov.Posts = append(cov.Posts, p)
		cov.Hours += a.Hours[p]
	}
	sort.Strings(cov.Posts)
	for _, n := range a.ByKey {
		cov.Arrivals += n
	}
	done := map[string]int{}
	for _, x := range recs {
		done[x.wkey]++
	}
	for i := range recs {
		x := &recs[i]
		if n, ok := a.ByKey[x.wkey]; ok && n > 0 {
			x.w = n / float64(done[x.wkey])
			cov.Covered++
			cov.Estimated += x.w
		} else {
			cov.Uncovered++
		}
	}
	return cov
}

// ComputeFlow tabulates flow counts (form flow_count): arrivals by post ×
// month and by post × group (sex and adult/minor, nationality group), with
// the hours covered. Cells count arrivals, not interviews, so they link to
// nothing.
func ComputeFlow(ctx context.Context, f *forms.Form, rows iter.Seq2[export.Row, error], opts Options) (*Report, error) {
	small := opts.SmallCell
	if small <= 0 {
		small = DefaultSmallCell
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r := &Report{FormID: f.ID, FormTitle: tx(text(f.Title, "fr"), text(f.Title, "en")), SmallCell: small, Generated: now().UTC(),
		ApprovedOnly: opts.ApprovedOnly, MinBase: MinBase, Flow: true}
	postMonth := map[pair]int{}
	postGroup := map[pair]int{}
	hours := map[string]float64{}
	posts := map[string]bool{}
	var err error
	r.Interviews, r.NotApproved, r.Versions, err = readFlow(ctx, f, rows, opts.ApprovedOnly, func(fr flowRec) {
		post := fr.post
		if post == "" {
			post = Missing
		}
		posts[post] = true
		if len(fr.day) >= 10 {
			if r.PeriodFrom == "" || fr.day[:10] < r.PeriodFrom {
				r.PeriodFrom = fr.day[:10]
			}
			if fr.day[:10] > r.PeriodTo {
				r.PeriodTo = fr.day[:10]
			}
			postMonth[pair{post, fr.day[:7]}] += int(fr.v["arrivals_men"] + fr.v["arrivals_women"] + fr.v["arrivals_boys"] + fr.v["arrivals_girls"])
		}
		for _, g := range flowGroups {
			postGroup[pair{post, g.Value}] += int(fr.v["arrivals_"+g.Value])
		}
		hours[post] += fr.v["hours_covered"]
	})
	if err != nil {
		return nil, err
	}
	r.Universe = r.Interviews
	var postList []string
	for p := range posts {
		postList = append(postList, p)
	}
	sort.Strings(postList)
	var postDim *Dim
	if n := f.ByName("border_post"); n != nil {
		postDim = &Dim{index: map[string]int{}}
		if l := listOf(f, n); l != nil {
			for i, c := range l.Choices {
				postDim.Cats = append(postDim.Cats, Category{Value: c.Name, Label: tx(text(c.Label, "fr"), text(c.Label, "en"))})
				postDim.index[c.Name] = i
			}
		}
	}
	rows2 := make([]Category, len(postList))
	for i, p := range postList {
		rows2[i] = Category{Value: p, Label: tx(p, p)}
		if postDim != nil {
			if j, ok := postDim.index[p]; ok {
				rows2[i].Label = postDim.Cats[j].Label
			}
		}
	}
	seenMonth := map[string]bool{}
	for k := range postMonth {
		seenMonth[k[1]] = true
	}
	var months []Category
	for m := range seenMonth {
		months = append(months, Category{Value: m, Label: tx(m, m)})
	}
	sort.Slice(months, func(i, j int) bool { return months[i].Value < months[j].Value })
	unit := tx("arrivées observées", "arrivals observed")
	mk := func(key string, title forms.Text, cols []Category, counts map[pair]int) *Table {
		t := &Table{Key: key, Objective: 1, Title: title, Universe: tx("Arrivées comptées aux postes pendant les heures couvertes", "Arrivals counted at the posts during the hours covered"),
			RowKey: "post", RowTitle: tx("Poste", "Post"), ColKey: "column", Rows: rows2, Cols: cols, Unit: unit}
		w := map[pair]float64{}
		fillCells(t, counts, w, small, func(string, string) Filter { return nil }, func(string) Filter { return nil }, func(string) Filter { return nil }, nil, true)
		unlink(t)
		return t
	}
	r.Tables = append(r.Tables, mk("flow_post_month", tx("Arrivées observées par poste et mois", "Arrivals observed by post and month"), months, postMonth))
	t := mk("flow_post_group", tx("Arrivées observées par poste, sexe, âge et groupe de nationalité", "Arrivals observed by post, sex, age and nationality group"), flowGroups, postGroup)
	t.RowTotals = nil // the groups overlap (sex × age, then nationality)
	r.Tables = append(r.Tables, t)
	hc := map[pair]int{}
	for p, h := range hours {
		hc[pair{p, "hours"}] = int(h + 0.5)
	}
	ht := mk("flow_hours", tx("Heures de comptage par poste", "Hours of counting by post"), []Category{{"hours", tx("Heures couvertes", "Hours covered")}}, hc)
	ht.Unit = tx("heures", "hours")
	r.Tables = append(r.Tables, ht)
	return r, nil
}

var flowGroups = []Category{
	{"men", tx("Hommes (18+)", "Men (18+)")}, {"women", tx("Femmes (18+)", "Women (18+)")},
	{"boys", tx("Garçons (<18)", "Boys (<18)")}, {"girls", tx("Filles (<18)", "Girls (<18)")},
	{"malian", tx("Malien(ne)s", "Malian")}, {"foreign", tx("Étranger(ère)s", "Foreign")}, {"nationality_unknown", tx("Nationalité non déterminée", "Nationality not determined")},
}

// unlink marks every cell of t as linking to nothing.
func unlink(t *Table) {
	for i := range t.Cells {
		for j := range t.Cells[i] {
			t.Cells[i][j].Linked, t.Cells[i][j].Filter = false, nil
		}
	}
	for i := range t.RowTotals {
		t.RowTotals[i].Linked, t.RowTotals[i].Filter = false, nil
	}
	for i := range t.ColTotals {
		t.ColTotals[i].Linked, t.ColTotals[i].Filter = false, nil
	}
	t.Total.Linked, t.Total.Filter = false, nil
}
