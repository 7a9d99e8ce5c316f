package forms

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"

	"github.com/shakinm/xlsReader/cfb"
	xlsreader "github.com/shakinm/xlsReader/xls"
)

// BIFF8 record types read here; see [MS-XLS] 2.3.
const (
	biffBOF        = 0x0809
	biffEOF        = 0x000A
	biffBoundSheet = 0x0085
	biffFormula    = 0x0006
	biffString     = 0x0207
	biffContinue   = 0x003C
	biffVersion8   = 0x0600
)

// xlsCellPos is a 0-based row and column.
type xlsCellPos struct{ row, col int }

// xlsFormulaCells returns, per worksheet in BOUNDSHEET order, the cached
// results of the FORMULA cells of a BIFF8 workbook. The BIFF reader skips
// formula cells entirely, while pyxform (xlrd) reads their cached values: a
// name or label built with a formula (=FALSE(), =CONCATENATE(…)) must not
// read as empty. Other BIFF versions give nil: the reader cannot read them
// either.
func xlsFormulaCells(wb *xlsreader.Workbook, data []byte) (map[int]map[xlsCellPos]string, error) {
	stream, err := xlsWorkbookStream(data)
	if err != nil || stream == nil {
		return nil, err
	}
	recs := biffRecords(stream)
	typ, body, ok := recs.next()
	if !ok || typ != biffBOF || len(body) < 2 || binary.LittleEndian.Uint16(body) != biffVersion8 {
		return nil, nil
	}
	var sheetPos []int
	for {
		typ, body, ok := recs.next()
		if !ok || typ == biffEOF {
			break
		}
		if typ == biffBoundSheet && len(body) >= 4 {
			sheetPos = append(sheetPos, int(binary.LittleEndian.Uint32(body)))
		}
	}
	out := map[int]map[xlsCellPos]string{}
	for i, pos := range sheetPos {
		if pos < 0 || pos >= len(stream) {
			continue
		}
		cells := xlsSheetFormulas(wb, biffRecords(stream[pos:]))
		if len(cells) > 0 {
			out[i] = cells
		}
	}
	return out, nil
}

// xlsSheetFormulas reads one worksheet's substream, from its BOF to its EOF.
func xlsSheetFormulas(wb *xlsreader.Workbook, recs biffRecords) map[xlsCellPos]string {
	cells := map[xlsCellPos]string{}
	typ, _, ok := recs.next()
	if !ok || typ != biffBOF {
		return nil
	}
	var pending *xlsCellPos // a FORMULA whose string result follows in a STRING record
	for {
		typ, body, ok := recs.next()
		if !ok || typ == biffEOF || typ == biffBOF {
			return cells
		}
		switch typ {
		case biffFormula:
			pending = nil
			if len(body) < 14 {
				continue
			}
			p := xlsCellPos{int(binary.LittleEndian.Uint16(body)), int(binary.LittleEndian.Uint16(body[2:]))}
			xf := int(binary.LittleEndian.Uint16(body[4:]))
			num := body[6:14]
			if num[6] == 0xFF && num[7] == 0xFF {
				switch num[0] {
				case 0: // string: the next STRING record holds it
					pending = &p
				case 1: // boolean, written as the BOOLERR cells are read
					if num[2] != 0 {
						cells[p] = "TRUE"
					} else {
						cells[p] = "FALSE"
					}
				}
				// 2 (error) and 3 (empty string) read as empty.
				continue
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64(num))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if isDateFormat(wb, xf) && v >= 0 && v < 2958466 {
				cells[p] = excelDate(v)
			} else {
				cells[p] = formatNumber(v)
			}
		case biffString:
			if pending != nil {
				if s, ok := biffUnicodeString(body, recs.continuation()); ok {
					cells[*pending] = s
				}
				pending = nil
			}
		}
	}
}

// xlsBudgetReader is the io.ReadSeeker handed to the compound-file reader.
// That reader follows sector chains without checking for loops, so a
// corrupt .xls whose chain loops back would make it read, and allocate,
// forever. Each sector of an honest file is read a few times at most: past
// a budget proportional to the file, reads fail and the reader gives up.
type xlsBudgetReader struct {
	r      *bytes.Reader
	budget int64
}

var errXLSLoop = errors.New("sector chains loop")

func newXLSBudgetReader(data []byte) *xlsBudgetReader {
	return &xlsBudgetReader{r: bytes.NewReader(data), budget: 8*int64(len(data)) + 1<<20}
}

func (b *xlsBudgetReader) Read(p []byte) (int, error) {
	if b.budget < int64(len(p)) {
		return 0, errXLSLoop
	}
	b.budget -= int64(len(p))
	return b.r.Read(p)
}

func (b *xlsBudgetReader) Seek(offset int64, whence int) (int64, error) {
	return b.r.Seek(offset, whence)
}

// xlsWorkbookStream returns the "Workbook" (or BIFF5 "Book") stream of a
// compound file.
func xlsWorkbookStream(data []byte) ([]byte, error) {
	c, err := cfb.OpenReader(newXLSBudgetReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var book, root *cfb.Directory
	for _, d := range c.GetDirs() {
		switch d.Name() {
		case "Workbook":
			if book == nil {
				book = d
			}
		case "Book":
			book = d
		case "Root Entry":
			root = d
		}
	}
	if book == nil || root == nil {
		return nil, nil
	}
	size := int64(book.GetStreamSize())
	if size > MaxFileSize {
		return nil, fmt.Errorf("%w: workbook stream of %d bytes", ErrTooLarge, size)
	}
	r, err := c.OpenObject(book, root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	stream, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return stream, nil
}

// biffRecords walks the records of a BIFF stream; a truncated record ends it.
type biffRecords []byte

func (r *biffRecords) next() (typ uint16, body []byte, ok bool) {
	b := *r
	if len(b) < 4 {
		return 0, nil, false
	}
	typ = binary.LittleEndian.Uint16(b)
	n := int(binary.LittleEndian.Uint16(b[2:]))
	if len(b) < 4+n {
		*r = nil
		return 0, nil, false
	}
	*r = b[4+n:]
	return typ, b[4 : 4+n], true
}

// continuation returns the bodies of the CONTINUE records that follow,
// consuming them.
func (r *biffRecords) continuation() [][]byte {
	var out [][]byte
	for {
		save := *r
		typ, body, ok := r.next()
		if !ok || typ != biffContinue {
			*r = save
			return out
		}
		out = append(out, body)
	}
}

// biffUnicodeString decodes an XLUnicodeString (2-byte count, flags, then
// Latin-1 or UTF-16LE characters) whose characters may go on in CONTINUE
// records, each of which starts with a fresh flags byte.
func biffUnicodeString(body []byte, more [][]byte) (string, bool) {
	if len(body) < 3 {
		return "", false
	}
	want := int(binary.LittleEndian.Uint16(body))
	flags := body[2]
	chunk := body[3:]
	u := make([]uint16, 0, want)
	for {
		wide := flags&1 != 0
		for len(u) < want {
			if wide {
				if len(chunk) < 2 {
					break
				}
				u = append(u, binary.LittleEndian.Uint16(chunk))
				chunk = chunk[2:]
			} else {
				if len(chunk) < 1 {
					break
				}
				u = append(u, uint16(chunk[0]))
				chunk = chunk[1:]
			}
		}
		if len(u) >= want {
			return string(utf16.Decode(u)), true
		}
		if len(more) == 0 || len(more[0]) < 1 {
			return "", false
		}
		flags, chunk, more = more[0][0], more[0][1:], more[1:]
	}
}
