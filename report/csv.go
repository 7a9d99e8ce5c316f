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
// (value "_total"), then the cube (table "cube", the five values joined by
// "+"). Columns: table, objective, row_variable, row_value, row_label,
// col_variable, col_value, col_label, count, percent, small, filter.
// Labels are in lang ("fr" or "en"); percentages have one decimal and a
// point, for machines.
func WriteCSV(w io.Writer, r *Report, lang string) error {
	if lang != "en" {
		lang = "fr"
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"table", "objective", "row_variable", "row_value", "row_label", "col_variable", "col_value", "col_label", "count", "percent", "small", "filter"})
	total := text(tx("Total", "Total"), lang)
	line := func(t *Table, rowVal, rowLabel, colVar, colVal, colLabel string, c Cell) {
		cw.Write([]string{t.Key, strconv.Itoa(t.Objective), t.RowKey, rowVal, rowLabel, colVar, colVal, colLabel,
			strconv.Itoa(c.Count), strconv.FormatFloat(c.Percent, 'f', 1, 64), strconv.FormatBool(c.Small), c.Filter.String()})
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
		line(t, csvTotal, total, colVar, csvTotal, total, t.Total)
	}
	if cb := r.Cube; cb != nil {
		keys := make([]string, len(cb.Dims))
		for i, d := range cb.Dims {
			keys[i] = d.Key
		}
		v := &htmlView{Lang: lang}
		for _, c := range cb.Cells {
			cw.Write([]string{"cube", "1", strings.Join(keys, "+"), strings.Join(c.Values, "+"), strings.Join(v.CubeLabel(cb, c), " + "), "", "", "",
				strconv.Itoa(c.Count), strconv.FormatFloat(c.Percent, 'f', 1, 64), strconv.FormatBool(c.Small), c.Filter.String()})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report csv: %w", err)
	}
	return nil
}
