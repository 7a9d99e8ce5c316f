package export

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"sort"
	"strconv"

	"sira/forms"
)

// maxExtraCodes bounds the codes given to answers of a select_one that
// are not in its choice list (choices removed in a later form version).
const maxExtraCodes = 1000

// typedVar is one column of a Stata or SPSS file.
type typedVar struct {
	col    Column
	typ    ColType
	name   string
	label  string
	codes  map[string]int32 // select_one: choice name → code
	labels []codeLabel      // select_one: value labels in code order
	extra  int              // codes added for answers not in the list
	maxLen int              // text: bytes of the longest value
}

type codeLabel struct {
	code int32
	text string
}

// typedTable is one table being spooled.
type typedTable struct {
	t     *Table
	vars  []*typedVar
	spool *os.File
	w     *bufio.Writer
	rows  int64
}

// typedSink spools typed rows to temporary files (one per table) while
// measuring what the file headers need (string widths, codes of
// unexpected answers); the dta and sav writers then read the spools.
type typedSink struct {
	l      *Layout
	lang   string
	fr     bool // labels in French
	tables []*typedTable
	buf    []byte
}

// Spool cell tags; reasons other than Present are written as their value.
const (
	tagNumber = 100
	tagString = 101
)

func newTypedSink(l *Layout, opts Options) (*typedSink, error) {
	lang := opts.Language
	if lang == "" {
		lang = l.Form.DefaultLanguage
	}
	s := &typedSink{l: l, lang: lang}
	s.fr = langCode(lang) == "fr" || (lang == "" && langCode(l.Form.DefaultLanguage) == "fr")
	names := VarNames(l)
	for ti, t := range l.Tables {
		tt := &typedTable{t: t}
		for ci, c := range t.Columns {
			v := &typedVar{col: c, typ: TypeOf(c), name: names[ti][ci], label: s.varLabel(c)}
			if v.typ == ColCode {
				v.codes, v.labels = choiceCodes(l.Form, c.Node, lang)
			}
			tt.vars = append(tt.vars, v)
		}
		f, err := os.CreateTemp("", "sira-typed-*")
		if err != nil {
			s.close()
			return nil, fmt.Errorf("export spool: %w", err)
		}
		tt.spool, tt.w = f, bufio.NewWriterSize(f, 64<<10)
		s.tables = append(s.tables, tt)
	}
	return s, nil
}

// close removes the spools.
func (s *typedSink) close() {
	for _, t := range s.tables {
		t.spool.Close()
		os.Remove(t.spool.Name())
	}
}

// varLabel is a column's variable label in the export language.
func (s *typedSink) varLabel(c Column) string {
	f := s.l.Form
	switch c.Kind {
	case KindMeta:
		if s.fr {
			return metaDoc[c.Meta][1]
		}
		return metaDoc[c.Meta][2]
	case KindGeoPart:
		parts := [...]string{"latitude", "longitude", "altitude", "accuracy"}
		return Text(c.Node.Label, s.lang, f.Languages) + " (" + parts[c.Part] + ")"
	case KindChoice:
		return Text(c.Node.Label, s.lang, f.Languages) + ": " + Text(c.Choice.Label, s.lang, f.Languages)
	}
	if l := Text(c.Node.Label, s.lang, f.Languages); l != "" {
		return l
	}
	return c.Name
}

// choiceCodes numbers a select_one's choices: by their names when every
// name (but dk and refused) is a whole number outside the missing-value
// codes, else 1, 2, … in list order. dk and refused get no code: they are
// the missing values "don't know" and "refused".
func choiceCodes(f *forms.Form, n *forms.Node, lang string) (map[string]int32, []codeLabel) {
	var choices []*forms.Choice
	if list := ListOf(f, n); list != nil {
		choices = list.Choices
	}
	if n.OrOther {
		choices = append(choices[:len(choices):len(choices)], &forms.Choice{Name: "other", Label: forms.Text{"": "Other"}})
	}
	numeric := true
	for _, c := range choices {
		if c.Name == ChoiceDontKnow || c.Name == ChoiceRefused {
			continue
		}
		k, err := strconv.ParseInt(c.Name, 10, 32)
		if err != nil || (k >= NumberRefused && k <= SPSSNotAnswered) {
			numeric = false
			break
		}
	}
	codes := map[string]int32{}
	var labels []codeLabel
	next := int32(1)
	for _, c := range choices {
		if c.Name == ChoiceDontKnow || c.Name == ChoiceRefused {
			continue
		}
		if _, dup := codes[c.Name]; dup {
			continue
		}
		code := next
		if numeric {
			k, _ := strconv.ParseInt(c.Name, 10, 32)
			code = int32(k)
		}
		next++
		codes[c.Name] = code
		text := Text(c.Label, lang, f.Languages)
		if text == "" {
			text = c.Name
		}
		labels = append(labels, codeLabel{code, text})
	}
	sort.SliceStable(labels, func(i, j int) bool { return labels[i].code < labels[j].code })
	return codes, labels
}

func (s *typedSink) header(int, []Column) error { return nil }

func (s *typedSink) row(ti int, cells []string, why []Reason) error {
	tt := s.tables[ti]
	tt.rows++
	b := s.buf[:0]
	for i, v := range tt.vars {
		cell, r := cells[i], why[i]
		if r != Present {
			b = append(b, byte(r))
			continue
		}
		switch v.typ {
		case ColText:
			b = append(b, tagString)
			b = binary.AppendUvarint(b, uint64(len(cell)))
			b = append(b, cell...)
			v.maxLen = max(v.maxLen, len(cell))
			continue
		case ColNumber, ColIndicator:
			f, ok := parseNumber(cell)
			if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Errorf("table %s row %d column %s: %q is not a number", tt.t.Name, tt.rows, v.col.Name, cell)
			}
			b = appendNum(b, f)
		case ColCode:
			code, ok := v.codes[cell]
			if !ok {
				if v.extra >= maxExtraCodes {
					return fmt.Errorf("table %s column %s: more than %d answers not in the choice list", tt.t.Name, v.col.Name, maxExtraCodes)
				}
				code = 1
				for _, l := range v.labels {
					code = max(code, l.code+1)
				}
				v.codes[cell] = code
				v.labels = append(v.labels, codeLabel{code, cell})
				v.extra++
			}
			b = appendNum(b, float64(code))
		case ColDate:
			d, ok := parseDate(cell)
			if !ok {
				return fmt.Errorf("table %s row %d column %s: %q is not a date", tt.t.Name, tt.rows, v.col.Name, cell)
			}
			b = appendNum(b, float64(d.Unix()))
		case ColDateTime:
			d, ok := parseDateTime(cell)
			if !ok {
				return fmt.Errorf("table %s row %d column %s: %q is not a date and time", tt.t.Name, tt.rows, v.col.Name, cell)
			}
			b = appendNum(b, float64(d.UnixMilli())/1000)
		}
	}
	s.buf = b
	if _, err := tt.w.Write(b); err != nil {
		return fmt.Errorf("export spool: %w", err)
	}
	return nil
}

func appendNum(b []byte, f float64) []byte {
	b = append(b, tagNumber)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// cell is one spooled cell read back: a reason, a number (Unix seconds
// for dates) or a string.
type cell struct {
	why Reason
	num float64
	str string
}

// each reads table tt's spool back, calling fn with each row.
func (tt *typedTable) each(fn func([]cell) error) error {
	if err := tt.w.Flush(); err != nil {
		return fmt.Errorf("export spool: %w", err)
	}
	if _, err := tt.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("export spool: %w", err)
	}
	r := bufio.NewReaderSize(tt.spool, 64<<10)
	row := make([]cell, len(tt.vars))
	var sbuf []byte
	for n := int64(0); n < tt.rows; n++ {
		for i := range row {
			tag, err := r.ReadByte()
			if err != nil {
				return fmt.Errorf("export spool: %w", err)
			}
			switch tag {
			case tagNumber:
				var x [8]byte
				if _, err := io.ReadFull(r, x[:]); err != nil {
					return fmt.Errorf("export spool: %w", err)
				}
				row[i] = cell{num: math.Float64frombits(binary.LittleEndian.Uint64(x[:]))}
			case tagString:
				l, err := binary.ReadUvarint(r)
				if err != nil || l > uint64(tt.vars[i].maxLen) {
					return errors.New("export spool: corrupt string")
				}
				if cap(sbuf) < int(l) {
					sbuf = make([]byte, l)
				}
				if _, err := io.ReadFull(r, sbuf[:l]); err != nil {
					return fmt.Errorf("export spool: %w", err)
				}
				row[i] = cell{str: string(sbuf[:l])}
			default:
				row[i] = cell{why: Reason(tag)}
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// spoolTyped runs the export into a typed spool.
func spoolTyped(ctx context.Context, f *forms.Form, rows iter.Seq2[Row, error], opts Options) (*typedSink, Summary, error) {
	l, err := NewLayout(f)
	if err != nil {
		return nil, Summary{}, err
	}
	opts.Labels = false // codes carry the labels
	opts.reasons = true
	s, err := newTypedSink(l, opts)
	if err != nil {
		return nil, Summary{}, err
	}
	sum, err := run(ctx, l, rows, opts, s)
	if err != nil {
		s.close()
		return nil, sum, err
	}
	return s, sum, nil
}

// reasonLabel is a reason's label in the export language.
func (s *typedSink) reasonLabel(r Reason) string {
	if s.fr {
		return reasonText[r][0]
	}
	return reasonText[r][1]
}

// yesNo labels the 0/1 columns.
func (s *typedSink) yesNo() [2]string {
	if s.fr {
		return [2]string{"Non", "Oui"}
	}
	return [2]string{"No", "Yes"}
}
