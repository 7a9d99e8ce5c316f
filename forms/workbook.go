package forms

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	xlsreader "github.com/shakinm/xlsReader/xls"
	"github.com/shakinm/xlsReader/xls/record"
	"github.com/xuri/excelize/v2"
)

// Workbook is a spreadsheet read into strings: what every input layout
// (.xlsx, .xlsm, .xls, pyxform's .csv and .md) becomes before compiling.
type Workbook struct {
	Name   string   // file base name, used in problem messages
	Sheets []*Sheet // in workbook order
}

// Sheet is one worksheet: its header row and the rows below it.
type Sheet struct {
	Name   string   // as written in the workbook
	Header []string // row 1, trimmed, as typed; "" for blank header cells
	Rows   []Row    // data rows (after the header), blank rows left out
}

// Row is one data row of a sheet.
type Row struct {
	Num   int      // 1-based spreadsheet row (header = 1)
	Cells []string // aligned with Sheet.Header; may be shorter than it
}

// Cell returns the i-th cell of the row, "" beyond its end.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Sheet returns the sheet whose name matches name case-insensitively, or nil.
func (wb *Workbook) Sheet(name string) *Sheet {
	for _, s := range wb.Sheets {
		if strings.EqualFold(strings.TrimSpace(s.Name), name) {
			return s
		}
	}
	return nil
}

// ColumnLetter returns the spreadsheet letters of the 0-based column i
// ("A", …, "Z", "AA", …).
func ColumnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// Format is an input layout.
type Format string

// Input layouts Read understands.
const (
	FormatXLSX     Format = "xlsx" // also .xlsm
	FormatXLS      Format = "xls"
	FormatCSV      Format = "csv" // pyxform's layout: first column holds the sheet name
	FormatMarkdown Format = "md"  // pyxform's markdown tables under "| survey |"
)

// FormatOf returns the layout for a file name's extension.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return FormatXLSX, nil
	case ".xls":
		return FormatXLS, nil
	case ".csv":
		return FormatCSV, nil
	case ".md":
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("%s: %w", name, ErrUnsupportedFormat)
}

// Reading limits. They keep a hostile or broken file from exhausting a
// field laptop: a real XLSForm is far below each of them.
const (
	// MaxFileSize bounds the bytes read from a workbook file.
	MaxFileSize = 64 << 20
	// MaxUnzipSize bounds the decompressed size of an .xlsx.
	MaxUnzipSize = 256 << 20
	// MaxSheetRows bounds the rows of one sheet, header included.
	MaxSheetRows = 100_000
	// maxEmptyRows and maxEmptyCols follow pyxform: reading stops after
	// these many adjacent empty rows or columns (inflated sheet dimensions).
	maxEmptyRows = 60
	maxEmptyCols = 20
	// xlsxTypedRows bounds the sheets whose number cells are checked for
	// boolean and date types (which loads the sheet into memory).
	xlsxTypedRows = 20_000
)

// Errors returned by the reader; test with errors.Is.
var (
	ErrUnsupportedFormat = errors.New("unsupported file type (want .xlsx, .xlsm, .xls, .csv or .md)")
	ErrTooLarge          = errors.New("workbook too large")
	ErrCorrupt           = errors.New("not a readable workbook")
)

// ReadFile reads the workbook at path, choosing the layout by extension.
func ReadFile(ctx context.Context, path string) (*Workbook, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	defer f.Close()
	wb, err := Read(ctx, f, filepath.Base(path), format)
	if err != nil {
		return nil, err
	}
	return wb, nil
}

// Read reads a workbook in the given layout from r. name (a file base name)
// is kept for problem messages. The whole input is bounded by MaxFileSize.
func Read(ctx context.Context, r io.Reader, name string, format Format) (*Workbook, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read %s: %w: more than %d bytes", name, ErrTooLarge, MaxFileSize)
	}
	var grids []grid
	switch format {
	case FormatXLSX:
		grids, err = readXLSX(ctx, data)
	case FormatXLS:
		grids, err = readXLS(ctx, data)
	case FormatCSV:
		grids, err = readCSV(ctx, data)
	case FormatMarkdown:
		grids, err = readMarkdown(ctx, data)
	default:
		err = ErrUnsupportedFormat
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	wb := &Workbook{Name: name}
	for _, g := range grids {
		wb.Sheets = append(wb.Sheets, g.sheet())
	}
	return wb, nil
}

// grid is a sheet as read: rows of raw cells with their row numbers.
type grid struct {
	name  string
	rows  []gridRow
	width int  // header width: cells beyond it are never read
	empty int  // consecutive empty rows, to stop at inflated dimensions
	done  bool // reading stopped
}

type gridRow struct {
	num   int
	cells []string
}

// add appends row num; it reports false once reading should stop. Row 1 is
// the header: it is cut after a run of empty cells (as pyxform does), and
// data rows are cut to its width, so a sheet claiming 16,384 columns costs
// no more than its real ones.
func (g *grid) add(num int, raw []string) (bool, error) {
	if g.done {
		return false, nil
	}
	var cells []string
	if num == 1 {
		cells = cleanCells(raw, true)
		g.width = len(cells)
	} else {
		if len(raw) > g.width {
			raw = raw[:g.width]
		}
		cells = cleanCells(raw, false)
	}
	if len(cells) == 0 {
		g.empty++
		if g.empty >= maxEmptyRows && len(g.rows) > 0 {
			g.done = true
			return false, nil
		}
		if g.empty >= maxEmptyRows*1000 {
			// A sheet of nothing but blank rows: nothing more will come.
			g.done = true
			return false, nil
		}
		return true, nil
	}
	g.empty = 0
	if num > MaxSheetRows || len(g.rows) >= MaxSheetRows {
		return false, fmt.Errorf("%w: sheet %q has more than %d rows", ErrTooLarge, g.name, MaxSheetRows)
	}
	g.rows = append(g.rows, gridRow{num: num, cells: cells})
	return true, nil
}

// cleanCells normalises raw cells, cutting the row after a run of empty
// cells when cutRun is set; it returns nil for an empty row.
func cleanCells(raw []string, cutRun bool) []string {
	out := make([]string, 0, len(raw))
	emptyRun := 0
	for _, c := range raw {
		c = cleanCell(c)
		if c == "" {
			emptyRun++
			if cutRun && emptyRun >= maxEmptyCols {
				break
			}
		} else {
			emptyRun = 0
		}
		out = append(out, c)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

var cellReplacer = strings.NewReplacer(
	"\u00a0", " ",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`,
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'",
)

// cleanCell applies pyxform's cell rules: NBSP → space, smart quotes →
// ASCII, surrounding whitespace trimmed (so whitespace-only is empty); it
// also replaces invalid UTF-8.
func cleanCell(s string) string {
	if s == "" {
		return s
	}
	// Invalid UTF-8 would change when the compiled form goes through JSON,
	// and with it the form's hash.
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.TrimSpace(cellReplacer.Replace(s))
}

func (g grid) sheet() *Sheet {
	s := &Sheet{Name: g.name}
	for i, r := range g.rows {
		if i == 0 && r.num == 1 {
			s.Header = r.cells
			continue
		}
		if i == 0 {
			// Row 1 is blank: the sheet has no header at all.
			s.Header = nil
		}
		s.Rows = append(s.Rows, Row{Num: r.num, Cells: r.cells})
	}
	return s
}

func readXLSX(ctx context.Context, data []byte) (grids []grid, err error) {
	defer recoverCorrupt(&err)
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipSize, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer f.Close()
	for _, name := range f.GetSheetList() {
		g := grid{name: name}
		rows, err := f.Rows(name)
		if err != nil {
			return nil, fmt.Errorf("%w: sheet %q: %v", ErrCorrupt, name, err)
		}
		num := 0
		for rows.Next() {
			num++
			if num%1024 == 0 {
				if err := ctx.Err(); err != nil {
					rows.Close()
					return nil, err
				}
			}
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%w: sheet %q row %d: %v", ErrCorrupt, name, num, err)
			}
			more, err := g.add(num, cols)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if !more {
				break
			}
		}
		if err := rows.Error(); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%w: sheet %q: %v", ErrCorrupt, name, err)
		}
		rows.Close()
		// Numbers need their cell type and style (booleans, dates); asking
		// excelize loads the whole sheet, so do it once, after streaming,
		// and only for the cells that were kept. Past xlsxTypedRows rows the
		// in-memory sheet would cost too much: cells then keep their raw text
		// (a sheet that long is a list of codes, not of dates).
		if len(g.rows) <= xlsxTypedRows {
			for _, r := range g.rows {
				for j, v := range r.cells {
					if v != "" && len(v) < 32 {
						if n, err := strconv.ParseFloat(v, 64); err == nil {
							r.cells[j] = xlsxNumber(f, name, ColumnLetter(j)+strconv.Itoa(r.num), v, n)
						}
					}
				}
			}
		}
		grids = append(grids, g)
	}
	return grids, nil
}

// xlsxNumber renders a numeric-looking .xlsx cell as pyxform (openpyxl)
// does: booleans as TRUE/FALSE, date-formatted numbers as dates, other
// numbers without a ".0". Raw values are read rather than Excel's display
// text so that a "0.00" number format does not leak into a form.
func xlsxNumber(f *excelize.File, sheet, axis, raw string, v float64) string {
	typ, err := f.GetCellType(sheet, axis)
	if err != nil {
		return formatNumber(v)
	}
	switch typ {
	case excelize.CellTypeBool:
		if v != 0 {
			return "TRUE"
		}
		return "FALSE"
	case excelize.CellTypeSharedString, excelize.CellTypeInlineString:
		// Text that looks like a number stays as typed ("007").
		return raw
	}
	if id, err := f.GetCellStyle(sheet, axis); err == nil && id > 0 && v >= 0 && v < 2958466 {
		if st, err := f.GetStyle(id); err == nil && isDateNumFmt(st.NumFmt, st.CustomNumFmt) {
			return excelDate(v)
		}
	}
	return formatNumber(v)
}

// isDateNumFmt reports whether an Excel number format shows a date or time.
func isDateNumFmt(id int, custom *string) bool {
	switch {
	case id >= 14 && id <= 22, id >= 45 && id <= 47:
		return true
	case custom == nil:
		return false
	}
	return isDateFormatCode(*custom)
}

// isDateFormatCode looks for date letters outside quoted literals and
// [colour]/[locale] brackets.
func isDateFormatCode(code string) bool {
	var b strings.Builder
	inQuote, inBracket := false, false
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '[':
			inBracket = true
		case r == ']':
			inBracket = false
		case !inBracket:
			b.WriteRune(r)
		}
	}
	f := b.String()
	return strings.ContainsAny(f, "dmyhs") && !strings.Contains(f, "general")
}

// recoverCorrupt turns a panic inside a third-party decoder into ErrCorrupt:
// a broken file must never take the program down.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: decoder failed: %v", ErrCorrupt, r)
	}
}

func readXLS(ctx context.Context, data []byte) (grids []grid, err error) {
	defer recoverCorrupt(&err)
	wb, err := xlsreader.OpenReader(newXLSBudgetReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	formulas, err := xlsFormulaCells(&wb, data)
	if err != nil {
		return nil, err
	}
	for i := 0; i < wb.GetNumberSheets(); i++ {
		sh, err := wb.GetSheet(i)
		if err != nil {
			return nil, fmt.Errorf("%w: sheet %d: %v", ErrCorrupt, i, err)
		}
		g := grid{name: sh.GetName()}
		n := sh.GetNumberRows()
		byRow := map[int]map[int]string{}
		for p, v := range formulas[i] {
			if byRow[p.row] == nil {
				byRow[p.row] = map[int]string{}
			}
			byRow[p.row][p.col] = v
			n = max(n, p.row+1)
		}
		for r := 0; r < n; r++ {
			if r%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			row, err := sh.GetRow(r)
			if err != nil {
				return nil, fmt.Errorf("%w: sheet %q row %d: %v", ErrCorrupt, g.name, r+1, err)
			}
			cols := row.GetCols()
			raw := make([]string, len(cols))
			for j, c := range cols {
				raw[j] = xlsCellString(&wb, c)
			}
			for j, v := range byRow[r] {
				if j >= len(raw) {
					if j >= 1<<14 { // beyond Excel's last column: a forged record
						continue
					}
					raw = append(raw, make([]string, j+1-len(raw))...)
				}
				if raw[j] == "" {
					raw[j] = v
				}
			}
			more, err := g.add(r+1, raw)
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
		grids = append(grids, g)
	}
	return grids, nil
}

// xlsCellString renders a BIFF cell the way pyxform (xlrd) does: integral
// numbers without ".0", dates as "YYYY-MM-DD HH:MM:SS" (or "HH:MM:SS").
func xlsCellString(wb *xlsreader.Workbook, c interface {
	GetString() string
	GetFloat64() float64
	GetXFIndex() int
	GetType() string
}) string {
	switch c.(type) {
	case *record.Number, *record.Rk:
	default:
		return c.GetString()
	}
	v := c.GetFloat64()
	if isDateFormat(wb, c.GetXFIndex()) && v >= 0 && v < 2958466 {
		return excelDate(v)
	}
	return formatNumber(v)
}

func isDateFormat(wb *xlsreader.Workbook, xf int) (is bool) {
	defer func() {
		if recover() != nil {
			is = false
		}
	}()
	x := wb.GetXFbyIndex(xf)
	idx := x.GetFormatIndex()
	switch {
	case idx >= 14 && idx <= 22, idx >= 45 && idx <= 47:
		return true
	case idx < 164:
		return false
	}
	fm := wb.GetFormatByIndex(idx)
	return isDateFormatCode(fm.String())
}

// excelDate converts an Excel serial (1900 system) to pyxform's text.
func excelDate(v float64) string {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if v < 60 {
		// Excel counts a 29 February 1900 that never was: serials before
		// it are one day later than the arithmetic says (as openpyxl reads).
		base = base.AddDate(0, 0, 1)
	}
	t := base.Add(time.Duration(math.Round(v*86400)) * time.Second)
	if v < 1 {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// formatNumber prints a spreadsheet number as pyxform does: integral values
// without a fractional part, others in their shortest form.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// cp1252High maps the bytes 0x80–0x9F of Windows-1252 to their characters
// (0 where the code page leaves a byte undefined); 0xA0–0xFF are Latin-1.
var cp1252High = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// textToUTF8 returns a text layout's bytes as UTF-8 without a byte-order
// mark. Excel and LibreOffice on a French-language Windows save "CSV" in
// Windows-1252 unless told otherwise; read as UTF-8, every accented letter
// of a label would silently become U+FFFD. So text that is not valid UTF-8
// is decoded as Windows-1252 (its undefined bytes as U+FFFD).
func textToUTF8(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+len(data)/8)
	for _, b := range data {
		switch {
		case b < 0x80:
			out = append(out, b)
		case b < 0xA0:
			r := cp1252High[b-0x80]
			if r == 0 {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = utf8.AppendRune(out, rune(b))
		}
	}
	return out
}

// readCSV reads pyxform's CSV layout: a row whose first cell is not empty
// starts a sheet of that name; the following rows, minus their first cell,
// are its rows (the first one being the header).
func readCSV(ctx context.Context, data []byte) ([]grid, error) {
	data = textToUTF8(data)
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var grids []grid
	var cur *grid
	num := 0
	for line := 0; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if len(rec) == 0 {
			continue
		}
		if first := cleanCell(rec[0]); first != "" {
			grids = append(grids, grid{name: first})
			cur = &grids[len(grids)-1]
			num = 0
			continue
		}
		if cur == nil {
			continue
		}
		num++
		if _, err := cur.add(num, rec[1:]); err != nil {
			return nil, err
		}
	}
	return grids, nil
}

// readMarkdown reads pyxform's markdown layout: "| survey |" starts a sheet,
// "| | type | name |" rows (first cell empty) are its rows.
func readMarkdown(ctx context.Context, data []byte) ([]grid, error) {
	data = textToUTF8(data)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), MaxFileSize)
	var grids []grid
	var cur *grid
	num := 0
	for line := 0; sc.Scan(); line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "|") {
			continue
		}
		cells := splitMarkdownRow(text)
		if len(cells) == 0 {
			continue
		}
		if isMarkdownRule(cells) {
			continue
		}
		if first := cleanCell(cells[0]); first != "" {
			grids = append(grids, grid{name: first})
			cur = &grids[len(grids)-1]
			num = 0
			continue
		}
		if cur == nil {
			continue
		}
		num++
		if _, err := cur.add(num, cells[1:]); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return grids, nil
}

// splitMarkdownRow splits "| a | b |" into cells, honouring "\|" escapes.
func splitMarkdownRow(line string) []string {
	line = strings.TrimPrefix(line, "|")
	var cells []string
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			b.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, b.String())
			b.Reset()
		default:
			b.WriteByte(line[i])
		}
	}
	if rest := strings.TrimSpace(b.String()); rest != "" {
		cells = append(cells, rest)
	}
	return cells
}

func isMarkdownRule(cells []string) bool {
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if strings.Trim(c, "-: ") != "" || (c != "" && !strings.Contains(c, "-")) {
			return false
		}
	}
	return true
}
