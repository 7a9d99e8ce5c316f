package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvTotal marks a total row or column in WriteCSV's output.
const csvTotal = "_total"

// WriteCSV writes r in long format, one line per cell, totals included
// (value "_total"). It starts with the report's metadata (table "_meta":
// row_variable names the item, row_value holds it) and the methodology
// note (table "_note"), then the tables, the statistics (table = the
// statistic's key, col_value n, q1, median or q3) and, unless published,
// the cube (table "cube", the five values joined by "+"). Columns: table,
// objective, row_variable, row_value, row_label, col_variable, col_value,
// col_label, count, percent, small, filter, out_of_base, weighted,
// weighted_percent. Suppressed counts and percentages are written "x"
// and empty filters, in a published report. Labels are in lang ("fr" or
// "en"); numbers have a point, for machines.
func WriteCSV(w io.Writer, r *Report, lang string) error {
	if lang != "en" {
		lang = "fr"
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"table", "objective", "row_variable", "row_value", "row_label", "col_variable", "col_value", "col_label", "count", "percent", "small", "filter", "out_of_base", "weighted", "weighted_percent"})
	meta := func(k, v string) { cw.Write([]string{"_meta", "", k, v, "", "", "", "", "", "", "", "", "", "", ""}) }
	meta("form_id", r.FormID)
	meta("form_versions", strings.Join(r.Versions, " "))
	meta("period_from", r.PeriodFrom)
	meta("period_to", r.PeriodTo)
	meta("generated", r.Generated.Format("2006-01-02T15:04:05Z"))
	meta("approved_only", strconv.FormatBool(r.ApprovedOnly))
	meta("not_approved_left_out", strconv.Itoa(r.NotApproved))
	meta("interviews_read", strconv.Itoa(r.Interviews))
	meta("universe", strconv.Itoa(r.Universe))
	meta("weighted", strconv.FormatBool(r.Weighted))
	meta("published", strconv.FormatBool(r.Published))
	meta("small_cell", strconv.Itoa(r.SmallCell))
	if r.Published {
		meta("min_base", strconv.Itoa(r.MinBase))
	}
	if c := r.Coverage; c != nil {
		meta("coverage_counts", strconv.Itoa(c.Counts))
		meta("coverage_posts", strings.Join(c.Posts, " "))
		meta("coverage_post_days", strconv.Itoa(c.Days))
		meta("coverage_hours", strconv.FormatFloat(c.Hours, 'f', 1, 64))
		meta("coverage_interviews_covered", strconv.Itoa(c.Covered))
		meta("coverage_interviews_uncovered", strconv.Itoa(c.Uncovered))
	}
	for i, p := range methodology(r, lang) {
		cw.Write([]string{"_note", "", strconv.Itoa(i + 1), p, "", "", "", "", "", "", "", "", "", "", ""})
	}
	total := text(tx("Total", "Total"), lang)
	line := func(t *Table, rowVal, rowLabel, colVar, colVal, colLabel string, c Cell) {
		count, percent, filter := strconv.Itoa(c.Count), strconv.FormatFloat(c.Percent, 'f', 1, 64), ""
		weighted, wpercent := "", ""
		if r.Weighted && weightedTable(t) {
			weighted, wpercent = strconv.FormatFloat(c.Weighted, 'f', 1, 64), strconv.FormatFloat(c.WPercent, 'f', 1, 64)
		}
		if c.OutOfBase {
			percent, wpercent = "", ""
		}
		if c.PctSuppressed {
			percent, wpercent = "x", "x"
		}
		if c.Suppressed {
			count, percent, weighted, wpercent = "x", "x", "x", "x"
		}
		if c.Linked && !r.Published {
			filter = c.Filter.String()
		}
		cw.Write([]string{t.Key, strconv.Itoa(t.Objective), t.RowKey, rowVal, rowLabel, colVar, colVal, colLabel,
			count, percent, strconv.FormatBool(c.Small && !r.Published), filter, strconv.FormatBool(c.OutOfBase), weighted, wpercent})
	}
	for _, t := range r.Tables {
		colVar := t.ColKey
		for i, row := range t.Rows {
			for j, col := range t.Cols {
				line(t, row.Value, text(row.Label, lang), colVar, col.Value, text(col.Label, lang), t.Cells[i][j])
			}
			if t.RowTotals != nil {
				line(t, row.Value, text(row.Label, lang), colVar, csvTotal, total, t.RowTotals[i])
			}
		}
		for j, col := range t.Cols {
			line(t, csvTotal, total, colVar, col.Value, text(col.Label, lang), t.ColTotals[j])
		}
		if t.RowTotals != nil {
			line(t, csvTotal, total, colVar, csvTotal, total, t.Total)
		}
		if t.Excluded > 0 {
			n := strconv.Itoa(t.Excluded)
			if t.ExcludedSuppressed {
				n = "x"
			}
			cw.Write([]string{t.Key, strconv.Itoa(t.Objective), t.RowKey, Missing, text(missingLabel, lang), "", "", "", n, "", "false", "", "true", "", ""})
		}
	}
	for _, st := range r.Stats {
		for _, row := range st.Rows {
			vals := []struct {
				k string
				v string
			}{{"n", strconv.Itoa(row.N)}, {"q1", fmtStat(row.Q1)}, {"median", fmtStat(row.Median)}, {"q3", fmtStat(row.Q3)}}
			for _, x := range vals {
				v := x.v
				if r.Published && (row.Suppressed || (x.k != "n" && row.SuppressedQuantile)) {
					v = "x"
				}
				cw.Write([]string{st.Key, strconv.Itoa(st.Objective), "group", row.Group.Value, text(row.Group.Label, lang), "statistic", x.k, "", v, "", "false", "", "false", "", ""})
			}
		}
	}
	if cb := r.Cube; cb != nil && !r.Published {
		keys := make([]string, len(cb.Dims))
		for i, d := range cb.Dims {
			keys[i] = d.Key
		}
		v := &htmlView{Lang: lang}
		for _, c := range cb.Cells {
			cw.Write([]string{"cube", "1", strings.Join(keys, "+"), strings.Join(c.Values, "+"), strings.Join(v.CubeLabel(cb, c), " + "), "", "", "",
				strconv.Itoa(c.Count), strconv.FormatFloat(c.Percent, 'f', 1, 64), strconv.FormatBool(c.Small), c.Filter.String(), "false", "", ""})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	return nil
}

func fmtStat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
