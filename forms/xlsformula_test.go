package forms

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"unicode/utf16"

	xlsreader "github.com/shakinm/xlsReader/xls"
)

// biffRec encodes one BIFF record.
func biffRec(typ uint16, body ...[]byte) []byte {
	var b []byte
	for _, p := range body {
		b = append(b, p...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(b)))
	return append(out, b...)
}

// formulaRec is a FORMULA record at (row, col) with the 8-byte cached result.
func formulaRec(row, col int, num []byte) []byte {
	head := binary.LittleEndian.AppendUint16(nil, uint16(row))
	head = binary.LittleEndian.AppendUint16(head, uint16(col))
	head = binary.LittleEndian.AppendUint16(head, 15) // XF
	tail := make([]byte, 2+4+2)                       // grbit, chn, cce = 0
	return biffRec(biffFormula, head, num, tail)
}

func numResult(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }

func specialResult(kind, val byte) []byte { return []byte{kind, 0, val, 0, 0, 0, 0xFF, 0xFF} }

func latin1String(s string) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(s)))
	return append(append(b, 0), s...)
}

func wideChars(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func wideString(s string) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(utf16.Encode([]rune(s)))))
	return append(append(b, 1), wideChars(s)...)
}

// TestXLSSheetFormulas decodes the cached results of FORMULA cells, which
// the BIFF reader skips: numbers, strings (Latin-1, UTF-16, split over a
// CONTINUE record), booleans; errors and truncated records read as nothing.
func TestXLSSheetFormulas(t *testing.T) {
	bof := biffRec(biffBOF, []byte{0x00, 0x06, 0x10, 0x00})
	eof := biffRec(biffEOF)
	split := append(binary.LittleEndian.AppendUint16(nil, 6), 0, 'a', 'b', 'c')
	tests := []struct {
		name string
		recs [][]byte
		want map[xlsCellPos]string
	}{
		{"Number", [][]byte{formulaRec(1, 2, numResult(42))}, map[xlsCellPos]string{{1, 2}: "42"}},
		{"Decimal", [][]byte{formulaRec(0, 0, numResult(2.5))}, map[xlsCellPos]string{{0, 0}: "2.5"}},
		{"Latin1String", [][]byte{formulaRec(3, 1, specialResult(0, 0)), biffRec(biffString, latin1String("age_years"))},
			map[xlsCellPos]string{{3, 1}: "age_years"}},
		{"WideString", [][]byte{formulaRec(4, 0, specialResult(0, 0)), biffRec(biffString, wideString("Ségou ✓"))},
			map[xlsCellPos]string{{4, 0}: "Ségou ✓"}},
		{"ContinuedString", [][]byte{formulaRec(5, 0, specialResult(0, 0)), biffRec(biffString, split), biffRec(biffContinue, []byte{1}, wideChars("déf"))},
			map[xlsCellPos]string{{5, 0}: "abcdéf"}},
		{"Booleans", [][]byte{formulaRec(6, 0, specialResult(1, 1)), formulaRec(6, 1, specialResult(1, 0))},
			map[xlsCellPos]string{{6, 0}: "TRUE", {6, 1}: "FALSE"}},
		{"ErrorAndEmpty", [][]byte{formulaRec(7, 0, specialResult(2, 7)), formulaRec(7, 1, specialResult(3, 0))}, map[xlsCellPos]string{}},
		{"StringWithoutFormula", [][]byte{biffRec(biffString, latin1String("stray"))}, map[xlsCellPos]string{}},
		{"ShortString", [][]byte{formulaRec(8, 0, specialResult(0, 0)), biffRec(biffString, append(binary.LittleEndian.AppendUint16(nil, 9), 0, 'x'))},
			map[xlsCellPos]string{}},
		{"Truncated", [][]byte{formulaRec(9, 0, numResult(1)), formulaRec(9, 1, numResult(2))[:10]}, map[xlsCellPos]string{{9, 0}: "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stream := append([]byte(nil), bof...)
			for _, r := range tc.recs {
				stream = append(stream, r...)
			}
			if tc.name != "Truncated" {
				stream = append(stream, eof...)
			}
			got := xlsSheetFormulas(&xlsreader.Workbook{}, biffRecords(stream))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
