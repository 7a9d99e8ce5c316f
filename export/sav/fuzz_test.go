package sav_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/export/sav"
)

// FuzzWriter: whatever strings and numbers are written, the header and
// number-of-cases record count the cases and the bytecode-compressed data
// decode back to each cell (numbers, system missing, short, long and very
// long strings).
func FuzzWriter(f *testing.F) {
	f.Add("Awa", strings.Repeat("é", 300), 31.5, false, 3)
	f.Add("", "", -98.0, true, 1)
	f.Add("        ", "x", 1e300, false, 0)
	f.Fuzz(func(t *testing.T, s, long string, num float64, sysmis bool, rows int) {
		rows %= 8
		if rows < 0 {
			rows = -rows
		}
		if len(long) > 600 {
			long = long[:600]
		}
		if len(s) > 255 {
			s = s[:255]
		}
		path := filepath.Join(t.TempDir(), "f.sav")
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		h := sav.Header{Label: "fuzz", Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Vars: []sav.Variable{
			{Name: "x", Label: "x"},
			{Name: "s", Width: max(len(s), 1)},
			{Name: "l", Width: 600},
		}}
		w, err := sav.NewWriter(fh, h)
		if err != nil {
			t.Fatal(err)
		}
		numOK := sysmis || !math.IsNaN(num) && !math.IsInf(num, 0)
		for range rows {
			err := w.WriteRow([]sav.Value{{Num: num, SysMiss: sysmis}, {Str: s}, {Str: long}})
			if (err == nil) != numOK {
				t.Fatalf("WriteRow(%v) = %v", num, err)
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
		if n := int32(binary.LittleEndian.Uint32(b[80:])); n != int32(rows) {
			t.Fatalf("header ncases %d, want %d", n, rows)
		}
		end := bytes.Index(b, []byte{0xe7, 3, 0, 0, 0, 0, 0, 0})
		if end < 0 {
			t.Fatal("no dictionary terminator")
		}
		// Decode the bytecode: 8 commands, then the raw units they ask for.
		data := b[end+8:]
		var units [][]byte
		for len(data) >= 8 {
			cmds := data[:8]
			data = data[8:]
			for _, c := range cmds {
				switch {
				case c == 0:
				case c == 253:
					units = append(units, data[:8])
					data = data[8:]
				case c == 254:
					units = append(units, []byte("        "))
				case c == 255:
					units = append(units, binary.LittleEndian.AppendUint64(nil, 0xffefffffffffffff))
				case c == 252:
					t.Fatal("unexpected end-of-file code")
				default:
					units = append(units, binary.LittleEndian.AppendUint64(nil, math.Float64bits(float64(c)-100)))
				}
			}
		}
		per := 1 + (max(len(s), 1)+7)/8 + 32 + 32 + 12 // x, s, l's three segments (255, 255, 96)
		if len(units) != rows*per {
			t.Fatalf("%d units, want %d", len(units), rows*per)
		}
		for r := range rows {
			u := units[r*per : (r+1)*per]
			x := math.Float64frombits(binary.LittleEndian.Uint64(u[0]))
			if sysmis && x != -math.MaxFloat64 || !sysmis && x != num {
				t.Fatalf("row %d: %v, want %v", r, x, num)
			}
			gs := string(bytes.Join(u[1:1+(max(len(s), 1)+7)/8], nil))
			if strings.TrimRight(gs, " ") != strings.TrimRight(s, " ") {
				t.Fatalf("row %d: %q, want %q", r, gs, s)
			}
			segs := u[1+(max(len(s), 1)+7)/8:]
			var gl []byte
			for k, n := range []int{32, 32, 12} {
				seg := bytes.Join(segs[:n], nil)
				segs = segs[n:]
				if k < 2 {
					seg = seg[:255]
				}
				gl = append(gl, seg...)
			}
			if strings.TrimRight(string(gl), " ") != strings.TrimRight(long, " ") {
				t.Fatalf("row %d: long %q, want %q", r, gl, long)
			}
		}
	})
}
