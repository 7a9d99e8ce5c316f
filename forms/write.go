package forms

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes the workbook as an .xlsx file: one worksheet per sheet,
// the header in row 1 and every row at its original row number, so problem
// messages about the written file point at the same rows.
func (wb *Workbook) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if len(wb.Sheets) == 0 {
		return fmt.Errorf("write %s: workbook has no sheets", wb.Name)
	}
	for i, s := range wb.Sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), s.Name); err != nil {
				return fmt.Errorf("write %s: sheet %q: %w", wb.Name, s.Name, err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return fmt.Errorf("write %s: sheet %q: %w", wb.Name, s.Name, err)
		}
		sw, err := f.NewStreamWriter(s.Name)
		if err != nil {
			return fmt.Errorf("write %s: sheet %q: %w", wb.Name, s.Name, err)
		}
		if len(s.Header) > 0 {
			if err := sw.SetRow("A1", cellValues(s.Header)); err != nil {
				return fmt.Errorf("write %s: sheet %q header: %w", wb.Name, s.Name, err)
			}
		}
		last := 1
		for _, r := range s.Rows {
			num := r.Num
			if num <= last {
				num = last + 1
			}
			last = num
			if err := sw.SetRow(fmt.Sprintf("A%d", num), cellValues(r.Cells)); err != nil {
				return fmt.Errorf("write %s: sheet %q row %d: %w", wb.Name, s.Name, num, err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write %s: sheet %q: %w", wb.Name, s.Name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write %s: %w", wb.Name, err)
	}
	return nil
}

// cellValues writes every cell as a string: a form's "1" must stay text so
// that it reads back as "1", whatever Excel would make of it.
func cellValues(cells []string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		if c == "" {
			out[i] = nil
		} else {
			out[i] = c
		}
	}
	return out
}
