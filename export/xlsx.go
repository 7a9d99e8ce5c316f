package export

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"sira/forms"
)

// ErrTooManyRows is returned (wrapped) by WriteXLSX when a table would
// exceed Excel's 1,048,576 rows per sheet; export CSV instead.
var ErrTooManyRows = errors.New("more rows than an Excel sheet holds")

// maxSheetRows is Excel's limit, header included.
const maxSheetRows = 1 << 20

// WriteXLSX exports rows of form f to one .xlsx workbook at path: a sheet per
// table (main table first, then repeats) and a "codebook" sheet. Sheets are
// written with excelize's StreamWriter, which spills to temporary files
// past 16 MiB per sheet, and the zip is streamed to disk, so memory stays
// bounded (about 40 MiB per table); the workbook is written to a temporary name, fsynced
// and renamed. Numeric columns (integer, decimal, 0/1 indicators, counts)
// are written as numbers so Excel can sum them. Errors as WriteCSV, plus
// ErrTooManyRows.
func WriteXLSX(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], path string, opts Options) (Summary, error) {
	l, err := NewLayout(f)
	if err != nil {
		return Summary{}, err
	}
	x := excelize.NewFile()
	defer x.Close()
	s := &xlsxSink{x: x, tables: l.Tables}
	names := sheetNames(l)
	for i, name := range names {
		if i == 0 {
			if err := x.SetSheetName(x.GetSheetName(0), name); err != nil {
				return Summary{}, fmt.Errorf("xlsx sheet %q: %w", name, err)
			}
		} else if _, err := x.NewSheet(name); err != nil {
			return Summary{}, fmt.Errorf("xlsx sheet %q: %w", name, err)
		}
		sw, err := x.NewStreamWriter(name)
		if err != nil {
			return Summary{}, fmt.Errorf("xlsx sheet %q: %w", name, err)
		}
		s.sws = append(s.sws, sw)
		s.next = append(s.next, 1)
	}
	sum, err := run(ctx, l, rows, opts, s)
	if err != nil {
		return sum, err
	}
	// The codebook sheet is small; it is written last so its stream writer
	// is not held open during the export.
	if _, err := x.NewSheet("codebook"); err != nil {
		return sum, fmt.Errorf("xlsx codebook: %w", err)
	}
	cw, err := x.NewStreamWriter("codebook")
	if err != nil {
		return sum, fmt.Errorf("xlsx codebook: %w", err)
	}
	cb, err := Codebook(f, sum.FormVersions...)
	if err != nil {
		return sum, err
	}
	for i, r := range cb {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := cw.SetRow(cell, vals); err != nil {
			return sum, fmt.Errorf("xlsx codebook: %w", err)
		}
	}
	if err := cw.Flush(); err != nil {
		return sum, fmt.Errorf("xlsx codebook: %w", err)
	}
	for i, sw := range s.sws {
		if err := sw.Flush(); err != nil {
			return sum, fmt.Errorf("xlsx sheet %q: %w", names[i], err)
		}
	}
	af, err := createAtomic(path)
	if err != nil {
		return sum, err
	}
	defer af.abort()
	// excelize's WriteTo and SaveAs build the whole zip in a bytes.Buffer;
	// a zip writer of our own streams it to the file instead, and the
	// buffer WriteToBuffer returns stays empty.
	var zw *zip.Writer
	x.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(af)
		return zw
	})
	if buf, err := x.WriteToBuffer(); err != nil {
		return sum, fmt.Errorf("write %s: %w", path, err)
	} else if buf.Len() != 0 || zw == nil {
		return sum, fmt.Errorf("write %s: excelize did not use the streaming zip writer", path)
	}
	if err := af.commit(); err != nil {
		return sum, err
	}
	for i := range sum.Tables {
		sum.Tables[i].File = names[i]
	}
	return sum, nil
}

// sheetNames gives each table a distinct, valid sheet name (31 characters,
// none of []:*?/\).
func sheetNames(l *Layout) []string {
	seen := map[string]bool{"codebook": true}
	var out []string
	for _, t := range l.Tables {
		base := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`[]:*?/\`, r) {
				return '_'
			}
			return r
		}, t.Name)
		name := truncate(base, 31)
		for k := 2; seen[strings.ToLower(name)]; k++ {
			sfx := "~" + strconv.Itoa(k)
			name = truncate(base, 31-len(sfx)) + sfx
		}
		seen[strings.ToLower(name)] = true
		out = append(out, name)
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

type xlsxSink struct {
	x       *excelize.File
	tables  []*Table
	sws     []*excelize.StreamWriter
	next    []int // next row number per sheet
	types   [][]ColType
	vals    []any
	dateSt  int // style of date cells
	clockSt int // style of date-time cells
}

func (s *xlsxSink) header(t int, cols []Column) error {
	if s.dateSt == 0 {
		var err error
		if s.dateSt, err = s.x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}); err != nil {
			return fmt.Errorf("xlsx style: %w", err)
		}
		if s.clockSt, err = s.x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss")}); err != nil {
			return fmt.Errorf("xlsx style: %w", err)
		}
	}
	types := make([]ColType, len(cols))
	vals := make([]any, len(cols))
	for i, c := range cols {
		vals[i] = c.Name
		types[i] = TypeOf(c)
	}
	s.types = append(s.types, types)
	return s.write(t, vals)
}

func ptr[T any](v T) *T { return &v }

// row writes numbers as numbers and dates as dates (UTC), so that Excel
// sums and sorts them; an empty answer is an empty cell; text that a
// spreadsheet would take for a formula is neutralized.
func (s *xlsxSink) row(t int, cells []string, _ []Reason) error {
	if cap(s.vals) < len(cells) {
		s.vals = make([]any, len(cells))
	}
	vals := s.vals[:len(cells)]
	types := s.types[t]
	for i, c := range cells {
		if c == "" {
			vals[i] = nil
			continue
		}
		vals[i] = neutralize(c)
		switch types[i] {
		case ColNumber, ColIndicator:
			if v, ok := parseNumber(c); ok {
				vals[i] = v
			}
		case ColDate:
			if d, ok := parseDate(c); ok {
				vals[i] = excelize.Cell{StyleID: s.dateSt, Value: d}
			}
		case ColDateTime:
			if d, ok := parseDateTime(c); ok {
				vals[i] = excelize.Cell{StyleID: s.clockSt, Value: d}
			}
		}
	}
	return s.write(t, vals)
}

func (s *xlsxSink) write(t int, vals []any) error {
	if s.next[t] > maxSheetRows {
		return fmt.Errorf("table %s: %w", s.tables[t].Name, ErrTooManyRows)
	}
	cell, err := excelize.CoordinatesToCellName(1, s.next[t])
	if err != nil {
		return err
	}
	if err := s.sws[t].SetRow(cell, vals); err != nil {
		return fmt.Errorf("xlsx table %s: %w", s.tables[t].Name, err)
	}
	s.next[t]++
	return nil
}
