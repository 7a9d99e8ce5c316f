package sav

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatType is an SPSS print/write format type.
type FormatType uint8

// Format types used by the export.
const (
	FmtA        FormatType = 1
	FmtF        FormatType = 5
	FmtDate     FormatType = 20
	FmtTime     FormatType = 21
	FmtDatetime FormatType = 22
)

// Format is a print and write format, e.g. F8.2, A20, DATE11, DATETIME20.
type Format struct {
	Type     FormatType
	Width    uint8
	Decimals uint8
}

func (f Format) code() uint32 { return uint32(f.Type)<<16 | uint32(f.Width)<<8 | uint32(f.Decimals) }

// Measure is a variable's measurement level.
type Measure int32

// Measurement levels.
const (
	Nominal Measure = 1
	Ordinal Measure = 2
	Scale   Measure = 3
)

// Label is one value label of a numeric variable.
type Label struct {
	Value float64
	Text  string
}

// Variable describes one variable.
type Variable struct {
	Name    string // 1–64 bytes; a letter first, then letters, digits, . _ $ # @
	Width   int    // 0 numeric, 1…32767 string bytes
	Label   string
	Format  Format  // a default (F8.2 or A<width>) when zero
	Measure Measure // Scale for numbers, Nominal for strings when zero
	// MissingRange declares lo…hi user-missing (numeric only), nil for none.
	MissingRange *[2]float64
	Labels       []Label // numeric only
}

// Header is what precedes the data.
type Header struct {
	Label string // file label, at most 64 bytes
	Time  time.Time
	Vars  []Variable
}

// Value is one cell: Num for numeric variables (SysMiss for the system
// missing value), Str for strings.
type Value struct {
	Num     float64
	Str     string
	SysMiss bool
}

// Errors the writer returns (wrapped).
var (
	ErrInvalid  = errors.New("invalid sav dictionary")
	ErrValue    = errors.New("value does not fit its variable")
	ErrRowWidth = errors.New("row has the wrong number of values")
)

// Limits of the format the writer checks.
const (
	MaxNameLen  = 64
	MaxWidth    = 32767
	maxLabel    = 255 // variable label bytes written
	maxValLabel = 120
	segChunk    = 252 // logical bytes per very long string segment
)

var (
	sysmis  = math.Float64frombits(0xffefffffffffffff) // -DBL_MAX
	highest = math.Float64frombits(0x7fefffffffffffff)
	lowest  = math.Float64frombits(0xffeffffffffffffe)
)

// segment is one physical variable (8-byte units) of a logical variable.
type segment struct {
	width int // string width of the segment (0 numeric)
	units int // 8-byte units
}

func segments(width int) []segment {
	if width == 0 {
		return []segment{{0, 1}}
	}
	if width <= 255 {
		return []segment{{width, (width + 7) / 8}}
	}
	n := (width + segChunk - 1) / segChunk
	out := make([]segment, n)
	for i := range n - 1 {
		out[i] = segment{255, 32}
	}
	last := width - (n-1)*segChunk
	out[n-1] = segment{last, (last + 7) / 8}
	return out
}

// Writer writes one .sav file.
type Writer struct {
	f      io.WriteSeeker
	w      *bufio.Writer
	h      Header
	pos    int64
	n1At   int64 // header's ncases
	n2At   int64 // number-of-cases record's count
	rows   int64
	segs   [][]segment
	cmd    [8]byte
	ncmd   int
	data   []byte
	closed bool
}

// NewWriter validates h and writes the dictionary to f, which must be
// seekable: Close patches the number of cases.
func NewWriter(f io.WriteSeeker, h Header) (*Writer, error) {
	if err := check(&h); err != nil {
		return nil, err
	}
	w := &Writer{f: f, w: bufio.NewWriterSize(f, 64<<10), h: h}
	for _, v := range h.Vars {
		w.segs = append(w.segs, segments(v.Width))
	}
	w.dictionary()
	return w, w.w.Flush()
}

var reserved = map[string]bool{"ALL": true, "AND": true, "BY": true, "EQ": true, "GE": true, "GT": true,
	"LE": true, "LT": true, "NE": true, "NOT": true, "OR": true, "TO": true, "WITH": true}

// CheckName applies SPSS's rules for variable names.
func CheckName(s string) error {
	if s == "" {
		return errors.New("empty name")
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("longer than %d bytes", MaxNameLen)
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && r != utf8.RuneError
		ok := letter || (i > 0 && (r >= '0' && r <= '9' || strings.ContainsRune("._$#@", r)))
		if !ok {
			return fmt.Errorf("character %q not allowed there", r)
		}
	}
	if reserved[strings.ToUpper(s)] {
		return errors.New("reserved word")
	}
	if strings.HasSuffix(s, ".") {
		return errors.New("ends with a period")
	}
	return nil
}

func check(h *Header) error {
	if len(h.Vars) == 0 {
		return fmt.Errorf("%w: no variables", ErrInvalid)
	}
	seen := map[string]bool{}
	units := 0
	for i, v := range h.Vars {
		if err := CheckName(v.Name); err != nil {
			return fmt.Errorf("%w: variable %d %q: %v", ErrInvalid, i+1, v.Name, err)
		}
		up := strings.ToUpper(v.Name)
		if seen[up] {
			return fmt.Errorf("%w: variable %q appears twice (names ignore case)", ErrInvalid, v.Name)
		}
		seen[up] = true
		if v.Width < 0 || v.Width > MaxWidth {
			return fmt.Errorf("%w: variable %q: width %d (0 to %d)", ErrInvalid, v.Name, v.Width, MaxWidth)
		}
		if v.Width > 0 && (v.MissingRange != nil || len(v.Labels) > 0) {
			return fmt.Errorf("%w: variable %q: missing values and labels are for numeric variables only", ErrInvalid, v.Name)
		}
		for _, s := range segments(v.Width) {
			units += s.units
		}
	}
	if units > math.MaxInt32/8 {
		return fmt.Errorf("%w: cases too wide", ErrInvalid)
	}
	return nil
}

func (w *Writer) put(b []byte) {
	w.w.Write(b) // errors surface at Flush
	w.pos += int64(len(b))
}
func (w *Writer) i32(v int32)   { w.put(binary.LittleEndian.AppendUint32(nil, uint32(v))) }
func (w *Writer) f64(v float64) { w.put(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))) }

// padded writes s cut to n bytes (at a character boundary), space-padded.
func (w *Writer) padded(s string, n int) {
	b := []byte(cut(s, n))
	for len(b) < n {
		b = append(b, ' ')
	}
	w.put(b)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// shortName is the 8-byte name of physical variable k (0-based).
func shortName(k int) string { return "V" + strconv.Itoa(k+1) }

func (w *Writer) dictionary() {
	h := &w.h
	caseUnits := 0
	for _, ss := range w.segs {
		for _, s := range ss {
			caseUnits += s.units
		}
	}
	w.put([]byte("$FL2"))
	w.padded("@(#) SPSS DATA FILE - sira", 60)
	w.i32(2)
	w.i32(int32(caseUnits))
	w.i32(1) // bytecode compression
	w.i32(0) // no weight
	w.n1At = w.pos
	w.i32(-1)
	w.f64(100)
	t := h.Time
	if t.IsZero() {
		t = time.Unix(0, 0).UTC()
	}
	w.padded(fmt.Sprintf("%02d %s %02d", t.Day(), months[t.Month()-1], t.Year()%100), 9)
	w.padded(fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second()), 8)
	w.padded(h.Label, 64)
	w.put([]byte{0, 0, 0})

	// Variable records.
	phys := 0 // physical variables so far (for short names)
	index := make([]int32, len(h.Vars))
	unit := 1
	for i, v := range h.Vars {
		index[i] = int32(unit)
		for k, s := range w.segs[i] {
			w.i32(2)
			w.i32(int32(s.width))
			lbl := k == 0 && v.Label != ""
			w.i32(b2i(lbl))
			nmiss := int32(0)
			if k == 0 && v.MissingRange != nil {
				nmiss = -2
			}
			w.i32(nmiss)
			f := v.Format
			if f.Type == 0 {
				if v.Width == 0 {
					f = Format{FmtF, 8, 2}
				} else {
					f = Format{FmtA, uint8(min(v.Width, 255)), 0}
				}
			}
			if k > 0 {
				f = Format{FmtA, uint8(min(s.width, 255)), 0}
			}
			w.i32(int32(f.code()))
			w.i32(int32(f.code()))
			w.padded(shortName(phys), 8)
			phys++
			if lbl {
				l := cut(v.Label, maxLabel)
				w.i32(int32(len(l)))
				w.padded(l, (len(l)+3)/4*4)
			}
			if nmiss == -2 {
				w.f64(v.MissingRange[0])
				w.f64(v.MissingRange[1])
			}
			for range s.units - 1 {
				w.i32(2)
				w.i32(-1)
				w.i32(0)
				w.i32(0)
				w.i32(0x011d01)
				w.i32(0x011d01)
				w.padded("", 8)
			}
			unit += s.units
		}
	}

	// Value labels: one record pair per labelled variable.
	for i, v := range h.Vars {
		if len(v.Labels) == 0 {
			continue
		}
		w.i32(3)
		w.i32(int32(len(v.Labels)))
		for _, l := range v.Labels {
			w.f64(l.Value)
			t := cut(l.Text, maxValLabel)
			w.put([]byte{byte(len(t))})
			w.padded(t, (len(t)+1+7)/8*8-1)
		}
		w.i32(4)
		w.i32(1)
		w.i32(index[i])
	}

	// Machine integer info.
	w.ext(3, 4, 8)
	for _, x := range []int32{20, 0, 0, -1, 1, 1, 2, 65001} {
		w.i32(x)
	}
	// Machine floating-point info.
	w.ext(4, 8, 3)
	w.f64(sysmis)
	w.f64(highest)
	w.f64(lowest)
	// Variable display parameters: one triple per physical segment.
	nseg := 0
	for _, ss := range w.segs {
		nseg += len(ss)
	}
	w.ext(11, 4, int32(3*nseg))
	for i, v := range h.Vars {
		m := v.Measure
		if m == 0 {
			m = Scale
			if v.Width > 0 {
				m = Nominal
			}
		}
		width, align := int32(8), int32(1)
		if v.Width > 0 {
			width, align = int32(min(max(v.Width, 8), 40)), 0
		}
		for range w.segs[i] {
			w.i32(int32(m))
			w.i32(width)
			w.i32(align)
		}
	}
	// Long variable names.
	var ln strings.Builder
	phys = 0
	for i, v := range h.Vars {
		if i > 0 {
			ln.WriteByte('\t')
		}
		ln.WriteString(shortName(phys) + "=" + v.Name)
		phys += len(w.segs[i])
	}
	w.ext(13, 1, int32(ln.Len()))
	w.put([]byte(ln.String()))
	// Very long strings.
	var vl strings.Builder
	phys = 0
	for i, v := range h.Vars {
		if v.Width > 255 {
			fmt.Fprintf(&vl, "%s=%05d\x00\t", shortName(phys), v.Width)
		}
		phys += len(w.segs[i])
	}
	if vl.Len() > 0 {
		w.ext(14, 1, int32(vl.Len()))
		w.put([]byte(vl.String()))
	}
	// Number of cases (patched by Close).
	w.ext(16, 8, 2)
	w.put(binary.LittleEndian.AppendUint64(nil, 1))
	w.n2At = w.pos
	w.put(binary.LittleEndian.AppendUint64(nil, 0))
	// Character encoding.
	w.ext(20, 1, 5)
	w.put([]byte("UTF-8"))
	// Dictionary terminator.
	w.i32(999)
	w.i32(0)
}

func (w *Writer) ext(subtype, size, count int32) {
	w.i32(7)
	w.i32(subtype)
	w.i32(size)
	w.i32(count)
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// WriteRow writes one case; vals has one Value per variable.
func (w *Writer) WriteRow(vals []Value) error {
	if w.closed {
		return errors.New("sav: write after close")
	}
	if len(vals) != len(w.h.Vars) {
		return fmt.Errorf("sav: %w: %d values for %d variables", ErrRowWidth, len(vals), len(w.h.Vars))
	}
	w.rows++
	for i, v := range w.h.Vars {
		val := vals[i]
		if v.Width == 0 {
			if val.SysMiss {
				w.code(255, nil)
				continue
			}
			f := val.Num
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("sav: case %d, variable %s: %w: %v", w.rows, v.Name, ErrValue, f)
			}
			if f == math.Trunc(f) && f >= -99 && f <= 151 {
				w.code(byte(f+100), nil)
				continue
			}
			w.code(253, binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)))
			continue
		}
		s := val.Str
		if len(s) > v.Width {
			return fmt.Errorf("sav: case %d, variable %s: %w: %d bytes for width %d", w.rows, v.Name, ErrValue, len(s), v.Width)
		}
		// Each segment holds 255 bytes of the string (the last of its 256
		// is padding), the last segment the rest.
		for k, seg := range w.segs[i] {
			chunk := ""
			if v.Width > 255 {
				lo := k * 255
				if lo < len(s) {
					chunk = s[lo:min(len(s), lo+255)]
				}
			} else {
				chunk = s
			}
			for u := range seg.units {
				var b [8]byte
				n := 0
				if u*8 < len(chunk) {
					n = copy(b[:], chunk[u*8:])
				}
				for j := n; j < 8; j++ {
					b[j] = ' '
				}
				if n == 0 {
					w.code(254, nil)
				} else {
					w.code(253, b[:])
				}
			}
		}
	}
	return nil
}

// code appends one compression command (and its 8 raw bytes for 253).
func (w *Writer) code(c byte, raw []byte) {
	w.cmd[w.ncmd] = c
	w.ncmd++
	w.data = append(w.data, raw...)
	if w.ncmd == 8 {
		w.flushBlock()
	}
}

func (w *Writer) flushBlock() {
	if w.ncmd == 0 {
		return
	}
	clear(w.cmd[w.ncmd:])
	w.put(w.cmd[:])
	w.put(w.data)
	w.ncmd = 0
	w.data = w.data[:0]
}

// Rows returns the number of cases written.
func (w *Writer) Rows() int64 { return w.rows }

// Close flushes the last compression block and patches the case counts.
// It does not close the underlying file.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.flushBlock()
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("sav: %w", err)
	}
	n := int32(-1)
	if w.rows <= math.MaxInt32 {
		n = int32(w.rows)
	}
	for _, p := range []struct {
		at int64
		b  []byte
	}{
		{w.n1At, binary.LittleEndian.AppendUint32(nil, uint32(n))},
		{w.n2At, binary.LittleEndian.AppendUint64(nil, uint64(w.rows))},
	} {
		if _, err := w.f.Seek(p.at, io.SeekStart); err != nil {
			return fmt.Errorf("sav: %w", err)
		}
		if _, err := w.f.Write(p.b); err != nil {
			return fmt.Errorf("sav: %w", err)
		}
	}
	if _, err := w.f.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("sav: %w", err)
	}
	return nil
}
