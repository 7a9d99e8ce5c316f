package report

import (
	"sort"
	"strings"

	"sira/forms"
	"sira/survey"
)

// Fieldwork quality (DTM flow monitoring's basic indicators): of the
// interviews read at each post and by each enumerator, how many were
// completed, refused, already interviewed or not eligible.

var outcomes = []Category{
	{"interviewed", tx("Entretien réalisé", "Interviewed")},
	{"refused", tx("Refus", "Refused")},
	{"already_interviewed", tx("Déjà interrogé(e)", "Already interviewed")},
	{"not_eligible", tx("Non éligible", "Not eligible")},
	{"incomplete", tx("Autre (sans consentement enregistré)", "Other (no consent recorded)")},
}

type quality struct {
	post, already, consent, eligible, guardian *forms.Node
	postDim                                    *Dim
	cvalue                                     string
	byPost, byEnum                             map[pair]int
}

func newQuality(f *forms.Form, m Mapping, sel *Selector) *quality {
	q := &quality{byPost: map[pair]int{}, byEnum: map[pair]int{}, cvalue: m.ConsentValue, postDim: sel.Dim("post")}
	q.post = q.postDim.Node
	q.consent = sel.consent
	if m.AlreadyInterviewed != "" {
		q.already = f.ByName(m.AlreadyInterviewed)
	}
	q.guardian = sel.guardian
	if d := sel.Dim("eligible"); d != nil {
		q.eligible = d.Node
	}
	return q
}

func (q *quality) add(iv *survey.Interview, inUniverse bool) {
	var v map[string]string
	if iv.Data != nil {
		v = iv.Data.Values
	}
	get := func(n *forms.Node) string {
		if n == nil {
			return ""
		}
		return strings.TrimSpace(v[n.Path])
	}
	out := "incomplete"
	switch {
	case inUniverse:
		out = "interviewed"
	case get(q.already) == "yes":
		out = "already_interviewed"
	case q.consent != nil && get(q.consent) != "" && get(q.consent) != q.cvalue, get(q.guardian) == "no":
		out = "refused" // by the person, or by the guardian of a minor
	case q.eligible != nil && get(q.eligible) == "no":
		out = "not_eligible"
	}
	post := get(q.post)
	if post == "" {
		post = Missing
	}
	enum := iv.Enumerator
	if enum == "" {
		enum = Missing
	}
	q.byPost[pair{post, out}]++
	q.byEnum[pair{enum, out}]++
}

func (q *quality) tables(small int) []*Table {
	var out []*Table
	if q.consent == nil {
		return nil
	}
	mk := func(key string, title forms.Text, rowTitle forms.Text, counts map[pair]int, label func(string) forms.Text) *Table {
		t := &Table{Key: key, Objective: 1, Title: title, RowKey: key, ColKey: "outcome", RowTitle: rowTitle, ColTitle: tx("Issue", "Outcome"),
			Universe: tx("Toutes les personnes abordées (entretiens lus)", "Everyone approached (interviews read)"), Cols: outcomes, RowPercent: true}
		seen := map[string]bool{}
		for k := range counts {
			seen[k[0]] = true
		}
		var rows []string
		for v := range seen {
			rows = append(rows, v)
		}
		sort.Strings(rows)
		grand := 0
		colTotal := make([]int, len(outcomes))
		for _, v := range rows {
			t.Rows = append(t.Rows, Category{Value: v, Label: label(v)})
			total := 0
			for _, o := range outcomes {
				total += counts[pair{v, o.Value}]
			}
			cells := make([]Cell, len(outcomes))
			for j, o := range outcomes {
				n := counts[pair{v, o.Value}]
				cells[j] = Cell{Count: n, Percent: pct(float64(n), float64(total)), Small: n > 0 && n < small}
				colTotal[j] += n
			}
			t.Cells = append(t.Cells, cells)
			t.RowTotals = append(t.RowTotals, Cell{Count: total, Percent: 100, Small: total > 0 && total < small})
			grand += total
		}
		for j := range outcomes {
			t.ColTotals = append(t.ColTotals, Cell{Count: colTotal[j], Percent: pct(float64(colTotal[j]), float64(grand)), Small: colTotal[j] > 0 && colTotal[j] < small})
		}
		t.Total = Cell{Count: grand, Percent: 100, Small: grand > 0 && grand < small}
		return t
	}
	postLabel := func(v string) forms.Text {
		if v == Missing {
			return missingLabel
		}
		if i, ok := q.postDim.index[v]; ok {
			return q.postDim.Cats[i].Label
		}
		return tx(v, v)
	}
	if q.post != nil {
		out = append(out, mk("quality_post", tx("Refus et personnes déjà interrogées, par poste", "Refusals and people already interviewed, by post"),
			tx("Poste", "Post"), q.byPost, postLabel))
	}
	out = append(out, mk("quality_enumerator", tx("Refus et personnes déjà interrogées, par enquêteur", "Refusals and people already interviewed, by enumerator"),
		tx("Enquêteur", "Enumerator"), q.byEnum, func(v string) forms.Text { return tx(v, v) }))
	return out
}
