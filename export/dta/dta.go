package dta

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is a variable's storage type, as format 118 codes it.
type Type uint16

// Storage types. Str(n) gives the fixed-width string types str1…str2045.
const (
	StrL   Type = 32768
	Double Type = 65526
	Float  Type = 65527
	Long   Type = 65528
	Int    Type = 65529
	Byte   Type = 65530
)

// MaxStr is the widest fixed-width string (str2045); longer strings need StrL.
const MaxStr = 2045

// Limits of format 118 that the writer checks.
const (
	MaxVars       = 32767
	MaxNameLen    = 32  // characters in a variable or value-label name
	maxLabelBytes = 320 // bytes of a variable label
	maxValueLabel = 32000
)

// Str returns the type strN; n must be 1…MaxStr.
func Str(n int) Type { return Type(n) }

// IsString reports whether t holds strings (strN or strL).
func (t Type) IsString() bool { return t == StrL || (t >= 1 && t <= MaxStr) }

func (t Type) width() int {
	switch {
	case t == StrL:
		return 8
	case t >= 1 && t <= MaxStr:
		return int(t)
	case t == Double:
		return 8
	case t == Float, t == Long:
		return 4
	case t == Int:
		return 2
	case t == Byte:
		return 1
	}
	return 0
}

// Variable describes one column.
type Variable struct {
	Name        string // 1–32 characters: letters, digits, _; not starting with a digit
	Type        Type
	Format      string // display format, e.g. "%9.0g", "%td", "%tc", "%-20s"; a default when empty
	ValueLabels string // name of a LabelSet, or ""
	Label       string // variable label, at most 320 bytes (longer is cut at a character boundary)
}

// Label is one value label. Missing 'a'…'z' labels the extended missing
// value .a….z (Value is then ignored).
type Label struct {
	Value   int32
	Missing byte
	Text    string
}

// LabelSet is a named set of value labels.
type LabelSet struct {
	Name   string
	Labels []Label
}

// Header is what precedes the data.
type Header struct {
	DataLabel string    // dataset label, at most 80 characters
	Time      time.Time // timestamp shown by Stata's describe
	Vars      []Variable
	LabelSets []LabelSet
}

// Value is one cell. For numeric variables Missing is 0 when Num holds the
// value, '.' for system missing, 'a'…'z' for extended missing values. For
// string variables Str holds the text ("" is Stata's missing string).
type Value struct {
	Num     float64
	Str     string
	Missing byte
}

// Num returns a present numeric value.
func Num(f float64) Value { return Value{Num: f} }

// Missing returns the missing value '.' or 'a'…'z'.
func Missing(c byte) Value { return Value{Missing: c} }

// String returns a string value.
func String(s string) Value { return Value{Str: s} }

// Errors the writer returns (wrapped).
var (
	ErrInvalid  = errors.New("invalid dta header")
	ErrValue    = errors.New("value does not fit its variable")
	ErrRowWidth = errors.New("row has the wrong number of values")
)

// Writer writes one .dta file.
type Writer struct {
	f      io.WriteSeeker
	w      *bufio.Writer
	h      Header
	pos    int64 // bytes written so far
	mapAt  int64 // offset of <map>
	nAt    int64 // offset of N's value
	offs   [14]uint64
	rows   uint64
	row    []byte
	strl   *os.File // GSO spool
	strlW  *bufio.Writer
	closed bool
}

// NewWriter validates h and writes everything before the data to f. f must
// be seekable: Close goes back to patch the observation count and the map.
func NewWriter(f io.WriteSeeker, h Header) (*Writer, error) {
	if err := check(&h); err != nil {
		return nil, err
	}
	w := &Writer{f: f, w: bufio.NewWriterSize(f, 64<<10), h: h}
	rowLen := 0
	for _, v := range h.Vars {
		rowLen += v.Type.width()
	}
	w.row = make([]byte, rowLen)
	w.header()
	return w, w.w.Flush()
}

func check(h *Header) error {
	if len(h.Vars) == 0 || len(h.Vars) > MaxVars {
		return fmt.Errorf("%w: %d variables (1 to %d)", ErrInvalid, len(h.Vars), MaxVars)
	}
	sets := map[string]bool{}
	for _, s := range h.LabelSets {
		if err := checkName(s.Name); err != nil {
			return fmt.Errorf("%w: value labels %q: %v", ErrInvalid, s.Name, err)
		}
		if sets[s.Name] {
			return fmt.Errorf("%w: value labels %q defined twice", ErrInvalid, s.Name)
		}
		sets[s.Name] = true
		for _, l := range s.Labels {
			if l.Missing != 0 && (l.Missing < 'a' || l.Missing > 'z') {
				return fmt.Errorf("%w: value labels %q: missing code %q (a to z)", ErrInvalid, s.Name, l.Missing)
			}
		}
	}
	names := map[string]bool{}
	for i, v := range h.Vars {
		if err := checkName(v.Name); err != nil {
			return fmt.Errorf("%w: variable %d %q: %v", ErrInvalid, i+1, v.Name, err)
		}
		if names[v.Name] {
			return fmt.Errorf("%w: variable %q appears twice", ErrInvalid, v.Name)
		}
		names[v.Name] = true
		if v.Type.width() == 0 {
			return fmt.Errorf("%w: variable %q: unknown type %d", ErrInvalid, v.Name, v.Type)
		}
		if v.ValueLabels != "" && !sets[v.ValueLabels] {
			return fmt.Errorf("%w: variable %q: no value labels %q", ErrInvalid, v.Name, v.ValueLabels)
		}
		if v.ValueLabels != "" && v.Type.IsString() {
			return fmt.Errorf("%w: variable %q: value labels on a string variable", ErrInvalid, v.Name)
		}
		if len(v.Format) > 48 {
			return fmt.Errorf("%w: variable %q: format %q too long", ErrInvalid, v.Name, v.Format)
		}
	}
	return nil
}

var reserved = map[string]bool{"_all": true, "_b": true, "byte": true, "_coef": true, "_cons": true,
	"double": true, "float": true, "if": true, "in": true, "int": true, "long": true, "_n": true,
	"_N": true, "_pi": true, "_pred": true, "_rc": true, "_skip": true, "strL": true, "using": true, "with": true}

// checkName applies Stata's rules for names.
func checkName(s string) error {
	if s == "" {
		return errors.New("empty name")
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return fmt.Errorf("longer than %d characters", MaxNameLen)
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("character %q not allowed", r)
		}
	}
	if reserved[s] {
		return errors.New("reserved word")
	}
	if strings.HasPrefix(s, "str") {
		if _, err := strconv.Atoi(s[3:]); err == nil {
			return errors.New("reserved word")
		}
	}
	return nil
}

func (w *Writer) put(b []byte) {
	w.w.Write(b) // errors surface at Flush
	w.pos += int64(len(b))
}

func (w *Writer) tag(s string) { w.put([]byte(s)) }

// fixed writes s cut to n-1 bytes at a character boundary, NUL-padded to n.
func (w *Writer) fixed(s string, n int) {
	b := make([]byte, n)
	copy(b, cut(s, n-1))
	w.put(b)
}

// cut returns the longest prefix of s of at most n bytes that ends on a
// character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (w *Writer) u16(v uint16) { w.put(binary.LittleEndian.AppendUint16(nil, v)) }
func (w *Writer) u32(v uint32) { w.put(binary.LittleEndian.AppendUint32(nil, v)) }
func (w *Writer) u64(v uint64) { w.put(binary.LittleEndian.AppendUint64(nil, v)) }

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func (w *Writer) header() {
	h := &w.h
	w.tag("<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>")
	w.u16(uint16(len(h.Vars)))
	w.tag("</K><N>")
	w.nAt = w.pos
	w.u64(0)
	w.tag("</N><label>")
	lbl := cut(h.DataLabel, 80)
	w.u16(uint16(len(lbl)))
	w.tag(lbl)
	w.tag("</label><timestamp>")
	if h.Time.IsZero() {
		w.put([]byte{0})
	} else {
		t := h.Time
		ts := fmt.Sprintf("%02d %s %04d %02d:%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
		w.put([]byte{byte(len(ts))})
		w.tag(ts)
	}
	w.tag("</timestamp></header>")
	w.mapAt = w.pos
	w.offs[1] = uint64(w.pos)
	w.tag("<map>")
	w.put(make([]byte, 14*8))
	w.tag("</map>")
	w.offs[2] = uint64(w.pos)
	w.tag("<variable_types>")
	for _, v := range h.Vars {
		w.u16(uint16(v.Type))
	}
	w.tag("</variable_types>")
	w.offs[3] = uint64(w.pos)
	w.tag("<varnames>")
	for _, v := range h.Vars {
		w.fixed(v.Name, 129)
	}
	w.tag("</varnames>")
	w.offs[4] = uint64(w.pos)
	w.tag("<sortlist>")
	w.put(make([]byte, 2*(len(h.Vars)+1)))
	w.tag("</sortlist>")
	w.offs[5] = uint64(w.pos)
	w.tag("<formats>")
	for _, v := range h.Vars {
		w.fixed(format(v), 57)
	}
	w.tag("</formats>")
	w.offs[6] = uint64(w.pos)
	w.tag("<value_label_names>")
	for _, v := range h.Vars {
		w.fixed(v.ValueLabels, 129)
	}
	w.tag("</value_label_names>")
	w.offs[7] = uint64(w.pos)
	w.tag("<variable_labels>")
	for _, v := range h.Vars {
		w.fixed(cut(v.Label, maxLabelBytes), 321)
	}
	w.tag("</variable_labels>")
	w.offs[8] = uint64(w.pos)
	w.tag("<characteristics></characteristics>")
	w.offs[9] = uint64(w.pos)
	w.tag("<data>")
}

func format(v Variable) string {
	if v.Format != "" {
		return v.Format
	}
	switch v.Type {
	case Byte:
		return "%8.0g"
	case Int:
		return "%8.0g"
	case Long:
		return "%12.0g"
	case Float:
		return "%9.0g"
	case Double:
		return "%10.0g"
	case StrL:
		return "%9s"
	}
	n := int(v.Type)
	if n > 244 {
		n = 244
	}
	return "%-" + strconv.Itoa(n) + "s"
}

// Missing-value codes of format 113 and later, by storage type: system
// missing "."; ".a" is one more (integers) or the next step (floats).
const (
	missByte   = 101
	missInt    = 32741
	missLong   = 2147483621
	missFloat  = 0x7f000000
	missDouble = 0x7fe0000000000000
	maxByte    = 100
	maxInt     = 32740
	maxLong    = 2147483620
)

// WriteRow writes one observation; vals has one Value per variable.
func (w *Writer) WriteRow(vals []Value) error {
	if w.closed {
		return errors.New("dta: write after close")
	}
	if len(vals) != len(w.h.Vars) {
		return fmt.Errorf("dta: %w: %d values for %d variables", ErrRowWidth, len(vals), len(w.h.Vars))
	}
	w.rows++
	b := w.row
	off := 0
	for i, v := range w.h.Vars {
		val := vals[i]
		n := v.Type.width()
		dst := b[off : off+n]
		off += n
		if err := w.encode(dst, i+1, v, val); err != nil {
			return fmt.Errorf("dta: observation %d, variable %s: %w", w.rows, v.Name, err)
		}
	}
	w.put(b)
	return nil
}

func missIndex(c byte) (uint64, error) {
	switch {
	case c == '.':
		return 0, nil
	case c >= 'a' && c <= 'z':
		return uint64(c-'a') + 1, nil
	}
	return 0, fmt.Errorf("%w: missing code %q", ErrValue, c)
}

func (w *Writer) encode(dst []byte, vnum int, v Variable, val Value) error {
	le := binary.LittleEndian
	if v.Type.IsString() {
		if v.Type == StrL {
			return w.strL(dst, uint64(vnum), val.Str)
		}
		if len(val.Str) > int(v.Type) {
			return fmt.Errorf("%w: %d bytes in str%d", ErrValue, len(val.Str), v.Type)
		}
		clear(dst[copy(dst, val.Str):])
		return nil
	}
	if val.Missing != 0 {
		k, err := missIndex(val.Missing)
		if err != nil {
			return err
		}
		switch v.Type {
		case Byte:
			dst[0] = byte(missByte + k)
		case Int:
			le.PutUint16(dst, uint16(missInt+k))
		case Long:
			le.PutUint32(dst, uint32(missLong+k))
		case Float:
			le.PutUint32(dst, uint32(missFloat+k*0x800))
		case Double:
			le.PutUint64(dst, missDouble+k*0x010000000000)
		}
		return nil
	}
	f := val.Num
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%w: %v", ErrValue, f)
	}
	isInt := f == math.Trunc(f)
	switch v.Type {
	case Byte:
		if !isInt || f < -127 || f > maxByte {
			return fmt.Errorf("%w: %v is not a byte", ErrValue, f)
		}
		dst[0] = byte(int8(f))
	case Int:
		if !isInt || f < -32767 || f > maxInt {
			return fmt.Errorf("%w: %v is not an int", ErrValue, f)
		}
		le.PutUint16(dst, uint16(int16(f)))
	case Long:
		if !isInt || f < -2147483647 || f > maxLong {
			return fmt.Errorf("%w: %v is not a long", ErrValue, f)
		}
		le.PutUint32(dst, uint32(int32(f)))
	case Float:
		if math.Abs(f) > 1.7e38 {
			return fmt.Errorf("%w: %v is not a float", ErrValue, f)
		}
		le.PutUint32(dst, math.Float32bits(float32(f)))
	case Double:
		if math.Abs(f) > 8.988e307 {
			return fmt.Errorf("%w: %v is out of Stata's double range", ErrValue, f)
		}
		le.PutUint64(dst, math.Float64bits(f))
	}
	return nil
}

// strL writes the (v,o) reference of a strL cell (v the 1-based variable,
// o the 1-based observation) and spools its GSO; an empty string is the
// reference (0,0).
func (w *Writer) strL(dst []byte, v uint64, s string) error {
	if s == "" {
		clear(dst)
		return nil
	}
	if w.strl == nil {
		f, err := os.CreateTemp("", "sira-strl-*")
		if err != nil {
			return fmt.Errorf("strL spool: %w", err)
		}
		os.Remove(f.Name()) // unlinked: the descriptor keeps it until Close
		w.strl, w.strlW = f, bufio.NewWriterSize(f, 64<<10)
	}
	o := w.rows
	le := binary.LittleEndian
	le.PutUint16(dst, uint16(v))
	var o8 [8]byte
	le.PutUint64(o8[:], o)
	copy(dst[2:], o8[:6])
	var hdr [3 + 4 + 8 + 1 + 4]byte
	copy(hdr[:], "GSO")
	le.PutUint32(hdr[3:], uint32(v))
	le.PutUint64(hdr[7:], o)
	hdr[15] = 0x82 // ASCII (text), NUL-terminated
	le.PutUint32(hdr[16:], uint32(len(s)+1))
	w.strlW.Write(hdr[:])
	w.strlW.WriteString(s)
	if err := w.strlW.WriteByte(0); err != nil {
		return fmt.Errorf("strL spool: %w", err)
	}
	return nil
}

// Rows returns the number of observations written.
func (w *Writer) Rows() uint64 { return w.rows }

// Close writes the strLs and value labels, patches the map and the
// observation count, and flushes. It does not close the underlying file.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.strl != nil {
		defer w.strl.Close()
	}
	w.tag("</data>")
	w.offs[10] = uint64(w.pos)
	w.tag("<strls>")
	if w.strl != nil {
		if err := w.strlW.Flush(); err != nil {
			return fmt.Errorf("strL spool: %w", err)
		}
		if _, err := w.strl.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("strL spool: %w", err)
		}
		n, err := io.Copy(w.w, w.strl)
		if err != nil {
			return fmt.Errorf("dta: copy strLs: %w", err)
		}
		w.pos += n
	}
	w.tag("</strls>")
	w.offs[11] = uint64(w.pos)
	w.tag("<value_labels>")
	for _, s := range w.h.LabelSets {
		w.labelSet(s)
	}
	w.tag("</value_labels>")
	w.offs[12] = uint64(w.pos)
	w.tag("</stata_dta>")
	w.offs[13] = uint64(w.pos)
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	// Patch N and the map.
	if _, err := w.f.Seek(w.nAt, io.SeekStart); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	if _, err := w.f.Write(binary.LittleEndian.AppendUint64(nil, w.rows)); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	m := make([]byte, 0, 14*8)
	for _, o := range w.offs {
		m = binary.LittleEndian.AppendUint64(m, o)
	}
	if _, err := w.f.Seek(w.mapAt+int64(len("<map>")), io.SeekStart); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	if _, err := w.f.Write(m); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	if _, err := w.f.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("dta: %w", err)
	}
	return nil
}

func (w *Writer) labelSet(s LabelSet) {
	ls := append([]Label(nil), s.Labels...)
	code := func(l Label) int64 {
		if l.Missing != 0 {
			return missLong + 1 + int64(l.Missing-'a')
		}
		return int64(l.Value)
	}
	sort.SliceStable(ls, func(i, j int) bool { return code(ls[i]) < code(ls[j]) })
	var txt []byte
	off := make([]uint32, 0, len(ls))
	val := make([]uint32, 0, len(ls))
	seen := map[int64]bool{}
	for _, l := range ls {
		c := code(l)
		if seen[c] {
			continue
		}
		seen[c] = true
		off = append(off, uint32(len(txt)))
		val = append(val, uint32(int32(c)))
		txt = append(txt, cut(l.Text, maxValueLabel)...)
		txt = append(txt, 0)
	}
	n := len(off)
	w.tag("<lbl>")
	w.u32(uint32(8 + 8*n + len(txt)))
	w.fixed(s.Name, 129)
	w.put([]byte{0, 0, 0})
	w.u32(uint32(n))
	w.u32(uint32(len(txt)))
	for _, o := range off {
		w.u32(o)
	}
	for _, v := range val {
		w.u32(v)
	}
	w.put(txt)
	w.tag("</lbl>")
}
