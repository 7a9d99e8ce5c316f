package report

// Publish prepares r for circulation: counts from 1 to SmallCell-1
// (unweighted) are suppressed, with complementary suppression so that no
// total reveals them; percentages whose unweighted base is below MinBase
// are suppressed; the statistics of groups below SmallCell are suppressed
// and their quartiles below MinBase; cells no longer link to interviews;
// the multi-way cube and the rates per enumerator (which name staff) are
// dropped.
func (r *Report) Publish() {
	r.Published = true
	r.Cube = nil
	// Rates per enumerator manage fieldwork; they name staff and stay internal.
	kept := r.Tables[:0]
	for _, t := range r.Tables {
		if t.Key != "quality_enumerator" {
			kept = append(kept, t)
		}
	}
	r.Tables = kept
	for _, t := range r.Tables {
		r.ComplementarySuppr += suppress(t, r.SmallCell)
		suppressPercents(t, r.MinBase)
		t.ExcludedSuppressed = t.Excluded > 0 && t.Excluded < r.SmallCell
		unlink(t)
	}
	for _, st := range r.Stats {
		for i := range st.Rows {
			row := &st.Rows[i]
			row.Suppressed = row.N > 0 && row.N < r.SmallCell
			row.SuppressedQuantile = row.N < r.MinBase
		}
	}
}

// line is one additive relation of a table: the parts sum to the total.
type line struct {
	parts []*Cell
	total *Cell
}

// suppress applies primary then complementary suppression to t and
// returns the number of complementary suppressions.
func suppress(t *Table, small int) int {
	var lines []line
	var all []*Cell
	for i := range t.Cells {
		for j := range t.Cells[i] {
			all = append(all, &t.Cells[i][j])
		}
	}
	for i := range t.RowTotals {
		all = append(all, &t.RowTotals[i])
	}
	for j := range t.ColTotals {
		all = append(all, &t.ColTotals[j])
	}
	all = append(all, &t.Total)
	for _, c := range all {
		if c.Count > 0 && c.Count < small {
			c.Suppressed = true
		}
	}
	// Rows: the cells of a row sum to its total.
	if t.RowTotals != nil {
		for i := range t.Cells {
			l := line{total: &t.RowTotals[i]}
			for j := range t.Cells[i] {
				l.parts = append(l.parts, &t.Cells[i][j])
			}
			lines = append(lines, l)
		}
	}
	// Columns: the in-base cells of a column sum to its base (not in a
	// multiple-response table, where a person counts in several rows).
	if !t.Multi {
		for j := range t.Cols {
			if j >= len(t.ColTotals) {
				break
			}
			l := line{total: &t.ColTotals[j]}
			for i := range t.Cells {
				if !t.Cells[i][j].OutOfBase {
					l.parts = append(l.parts, &t.Cells[i][j])
				}
			}
			lines = append(lines, l)
		}
		if t.RowTotals != nil {
			l := line{total: &t.Total}
			for i := range t.RowTotals {
				if !t.RowTotals[i].OutOfBase {
					l.parts = append(l.parts, &t.RowTotals[i])
				}
			}
			lines = append(lines, l)
		}
	}
	// The Total row: the column bases sum to the table's base.
	if !t.Multi && t.RowTotals != nil && len(t.ColTotals) > 0 {
		l := line{total: &t.Total}
		for j := range t.ColTotals {
			l.parts = append(l.parts, &t.ColTotals[j])
		}
		lines = append(lines, l)
	}
	extra := 0
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			entries := append(append([]*Cell(nil), l.parts...), l.total)
			n := 0
			for _, c := range entries {
				if c.Suppressed {
					n++
				}
			}
			if n != 1 {
				continue
			}
			// One hidden entry would be the total minus the others:
			// hide a second one, the smallest non-zero part if any.
			var best *Cell
			for _, c := range l.parts {
				if c.Suppressed || c.Count == 0 {
					continue
				}
				if best == nil || c.Count < best.Count {
					best = c
				}
			}
			if best == nil && !l.total.Suppressed {
				best = l.total
			}
			if best == nil {
				// Only zeros left beside the hidden part: the total equals it.
				for _, c := range l.parts {
					if !c.Suppressed {
						best = c
						break
					}
				}
			}
			if best != nil {
				best.Suppressed = true
				extra++
				changed = true
			}
		}
	}
	return extra
}

// suppressPercents hides percentages computed on fewer than minBase
// unweighted cases.
func suppressPercents(t *Table, minBase int) {
	if t.RowPercent {
		for i := range t.Cells {
			if t.RowTotals[i].Count < minBase {
				for j := range t.Cells[i] {
					t.Cells[i][j].PctSuppressed = true
				}
				t.RowTotals[i].PctSuppressed = true
			}
		}
		if t.Total.Count < minBase {
			for j := range t.ColTotals {
				t.ColTotals[j].PctSuppressed = true
			}
			t.Total.PctSuppressed = true
		}
		return
	}
	for j := range t.ColTotals {
		if t.ColTotals[j].Count < minBase {
			for i := range t.Cells {
				t.Cells[i][j].PctSuppressed = true
			}
			t.ColTotals[j].PctSuppressed = true
		}
	}
	if t.Total.Count < minBase {
		for i := range t.RowTotals {
			t.RowTotals[i].PctSuppressed = true
		}
		t.Total.PctSuppressed = true
	}
}
