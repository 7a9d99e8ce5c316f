package report

import (
	"strings"

	"sira/forms"
)

// multiTable counts a multiple-response table, or returns nil when the form
// lacks its field or column dimension.
func multiTable(f *forms.Form, sel *Selector, ex *extras, s multiSpec, recs *records, small int) *Table {
	n := f.ByName(s.field)
	cd := sel.Dim(s.col)
	if n == nil || n.Type != forms.TypeSelectMulti || !ex.has(s.field) || cd == nil || !cd.Present() {
		return nil
	}
	l := listOf(f, n)
	if l == nil {
		return nil
	}
	t := &Table{Key: s.key, Objective: s.objective, Title: s.title, Universe: s.universe, RowKey: s.field, ColKey: cd.Key,
		RowTitle: tx(text(n.Label, "fr"), text(n.Label, "en")), ColTitle: cd.Label, Multi: true}
	counts := map[pair]int{}
	wcounts := map[pair]float64{}
	base := map[string]int{}
	baseW := map[string]float64{}
	seenCol := map[string]bool{}
	recs.each(func(x rec, vals []string) {
		cv := vals[sel.byKey[s.col]]
		raw := ex.get(x, s.field)
		if OutOfBase(cv) || raw == "" {
			t.Excluded++
			return
		}
		seenCol[cv] = true
		inBase := false
		for _, ch := range strings.Fields(raw) {
			counts[pair{ch, cv}]++
			wcounts[pair{ch, cv}] += x.w
			if !OutOfBase(ch) {
				inBase = true
			}
		}
		if inBase {
			base[cv]++
			baseW[cv] += x.w
		}
	})
	t.Cols = categories(cd, seenCol, len(cd.Cats) > 0 && len(cd.Cats) <= 12)
	for _, c := range l.Choices {
		t.Rows = append(t.Rows, Category{Value: c.Name, Label: tx(text(c.Label, "fr"), text(c.Label, "en"))})
	}
	total, totalW := 0, 0.0
	for _, col := range t.Cols {
		total += base[col.Value]
		totalW += baseW[col.Value]
	}
	t.Cells = make([][]Cell, len(t.Rows))
	for i, row := range t.Rows {
		t.Cells[i] = make([]Cell, len(t.Cols))
		rowN, rowW := 0, 0.0
		for j, col := range t.Cols {
			p := pair{row.Value, col.Value}
			c := Cell{Count: counts[p], Small: counts[p] > 0 && counts[p] < small, Weighted: wcounts[p], OutOfBase: OutOfBase(row.Value)}
			if !c.OutOfBase {
				c.Percent = pct(float64(c.Count), float64(base[col.Value]))
				c.WPercent = pct(c.Weighted, baseW[col.Value])
			}
			t.Cells[i][j] = c
			rowN += counts[p]
			rowW += wcounts[p]
		}
		rt := Cell{Count: rowN, Small: rowN > 0 && rowN < small, Weighted: rowW, OutOfBase: OutOfBase(row.Value)}
		if !rt.OutOfBase {
			rt.Percent, rt.WPercent = pct(float64(rowN), float64(total)), pct(rowW, totalW)
		}
		t.RowTotals = append(t.RowTotals, rt)
	}
	for _, col := range t.Cols {
		b := base[col.Value]
		t.ColTotals = append(t.ColTotals, Cell{Count: b, Percent: pct(float64(b), float64(b)), Small: b > 0 && b < small, Weighted: baseW[col.Value], WPercent: pct(baseW[col.Value], baseW[col.Value])})
	}
	t.Total = Cell{Count: total, Percent: pct(float64(total), float64(total)), Small: total > 0 && total < small, Weighted: totalW, WPercent: pct(totalW, totalW)}
	// Drop choices nobody ticked, but keep the list order.
	var rows []Category
	var cells [][]Cell
	var rts []Cell
	for i := range t.Rows {
		if t.RowTotals[i].Count > 0 {
			rows, cells, rts = append(rows, t.Rows[i]), append(cells, t.Cells[i]), append(rts, t.RowTotals[i])
		}
	}
	t.Rows, t.Cells, t.RowTotals = rows, cells, rts
	return t
}
