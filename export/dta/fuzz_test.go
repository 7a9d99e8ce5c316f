package dta_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sira/export/dta"
)

// FuzzWriter: whatever strings and numbers are written, the file's map
// points at its sections, N counts the rows, and each cell reads back
// (str#, strL through its GSO, doubles, extended missing values).
func FuzzWriter(f *testing.F) {
	f.Add("Awa", "long text é", 31.5, byte(0), 3)
	f.Add("", "", -98.0, byte('b'), 1)
	f.Add("\x00x", "a\x00b", math.MaxFloat32, byte('z'), 0)
	f.Fuzz(func(t *testing.T, s, long string, num float64, miss byte, rows int) {
		rows %= 8
		if rows < 0 {
			rows = -rows
		}
		if len(s) > dta.MaxStr {
			s = s[:dta.MaxStr]
		}
		path := filepath.Join(t.TempDir(), "f.dta")
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		h := dta.Header{DataLabel: s, Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Vars: []dta.Variable{
			{Name: "s", Type: dta.Str(max(len(s), 1)), Label: s},
			{Name: "l", Type: dta.StrL},
			{Name: "x", Type: dta.Double},
			{Name: "m", Type: dta.Byte},
		}}
		w, err := dta.NewWriter(fh, h)
		if err != nil {
			t.Fatal(err)
		}
		numOK := !math.IsNaN(num) && !math.IsInf(num, 0) && math.Abs(num) <= 8.988e307
		mv := dta.Missing(miss)
		missOK := miss == 0 || miss == '.' || miss >= 'a' && miss <= 'z' // 0: the value 0
		for range rows {
			err := w.WriteRow([]dta.Value{dta.String(s), dta.String(long), dta.Num(num), mv})
			if (err == nil) != (numOK && missOK) {
				t.Fatalf("WriteRow(%v, %q) = %v", num, miss, err)
			}
			if err != nil {
				return
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The map: 14 offsets after "<map>", each at its tag.
		mapAt := bytes.Index(b, []byte("<map>")) + 5
		tags := []string{"<stata_dta>", "<map>", "<variable_types>", "<varnames>", "<sortlist>", "<formats>",
			"<value_label_names>", "<variable_labels>", "<characteristics>", "<data>", "<strls>", "<value_labels>", "</stata_dta>"}
		for i, tag := range tags {
			off := binary.LittleEndian.Uint64(b[mapAt+8*i:])
			if off > uint64(len(b)) || !bytes.HasPrefix(b[off:], []byte(tag)) {
				t.Fatalf("map[%d] = %d, not at %s", i, off, tag)
			}
		}
		if end := binary.LittleEndian.Uint64(b[mapAt+8*13:]); end != uint64(len(b)) {
			t.Fatalf("map[13] = %d, file has %d bytes", end, len(b))
		}
		nAt := bytes.Index(b, []byte("<N>")) + 3
		if n := binary.LittleEndian.Uint64(b[nAt:]); n != uint64(rows) {
			t.Fatalf("N = %d, want %d", n, rows)
		}
		// The data.
		data := int(binary.LittleEndian.Uint64(b[mapAt+8*9:])) + len("<data>")
		width := max(len(s), 1)
		strls := b[binary.LittleEndian.Uint64(b[mapAt+8*10:])+uint64(len("<strls>")):]
		for r := range rows {
			row := b[data+r*(width+8+8+1):]
			if got := string(bytes.TrimRight(row[:width], "\x00")); got != string(bytes.TrimRight([]byte(s), "\x00")) {
				t.Fatalf("row %d str: %q, want %q", r, got, s)
			}
			v := binary.LittleEndian.Uint16(row[width:])
			var o8 [8]byte
			copy(o8[:], row[width+2:width+8])
			o := binary.LittleEndian.Uint64(o8[:])
			if long == "" {
				if v != 0 || o != 0 {
					t.Fatalf("row %d strL: (%d,%d) for an empty string", r, v, o)
				}
			} else {
				if v != 2 || o != uint64(r+1) {
					t.Fatalf("row %d strL: (%d,%d)", r, v, o)
				}
				// GSO r: "GSO" v(4) o(8) t(1) len(4) data.
				if !bytes.HasPrefix(strls, []byte("GSO")) {
					t.Fatalf("row %d: no GSO", r)
				}
				n := binary.LittleEndian.Uint32(strls[16:])
				if got := string(strls[20 : 20+n-1]); got != long {
					t.Fatalf("row %d strL: %q, want %q", r, got, long)
				}
				strls = strls[20+n:]
			}
			x := math.Float64frombits(binary.LittleEndian.Uint64(row[width+8:]))
			if x != num {
				t.Fatalf("row %d double: %v, want %v", r, x, num)
			}
			want := byte(101)
			if miss == 0 {
				want = 0
			} else if miss != '.' {
				want = 101 + 1 + miss - 'a'
			}
			if got := row[width+16]; got != want {
				t.Fatalf("row %d missing byte: %d, want %d", r, got, want)
			}
		}
	})
}
