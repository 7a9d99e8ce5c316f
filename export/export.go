package export

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// Meta is what the central office knows about an interview beyond the
// interview itself.
type Meta struct {
	Received           time.Time // when the intake server first received it (Central's SubmissionDate)
	ReviewState        string    // "received", "hasIssues", "edited", "approved", "rejected", … as the store records it
	Post               string    // border post the interview was taken at
	SubmitterName      string    // enumerator's display name, if known; SubmitterID is Interview.Enumerator
	AttachmentsPresent int       // attachments the server holds (expected is len(Interview.Attachments))
}

// Row is one interview to export with its metadata.
type Row struct {
	Interview *survey.Interview
	Meta      Meta
}

// Options tune an export. The zero value exports choice names, every
// interview, without a byte-order mark.
type Options struct {
	// Labels writes choice labels in place of choice names in value columns.
	Labels bool
	// Language picks the label language, as a column suffix ("Français (fr)")
	// or its code ("fr"); empty means the form's default language.
	Language string
	// Since keeps only interviews received at or after this instant (zero: all).
	Since time.Time
	// BOM starts each CSV with a UTF-8 byte-order mark so that Excel reads
	// accents correctly when the CSV is opened by double-click.
	BOM bool

	// Created is the creation time written in Stata and SPSS file
	// headers; zero means now.
	Created time.Time

	// reasons asks the renderer for missing-value reasons, which takes
	// the survey engine's relevance (typed formats only).
	reasons bool
}

// Summary reports what an export wrote.
type Summary struct {
	Interviews int // interviews written
	Skipped    int // interviews left out by Options.Since
	// Unexported counts answers to fields the form does not have, by path:
	// interviews of an older form version whose questions were removed.
	// The export follows the form it is given; these answers are not in it.
	Unexported map[string]int
	Tables     []TableSummary // one per table, main table first
	// NoRelevance counts interviews whose relevance could not be
	// evaluated (Stata and SPSS exports): their empty cells are "not
	// answered" rather than "not applicable".
	NoRelevance int
	// FormVersions are the form versions of the interviews written, sorted
	// (at most maxVersions; the codebook lists them).
	FormVersions []string
}

// maxVersions bounds Summary.FormVersions.
const maxVersions = 100

// TableSummary is one table's output.
type TableSummary struct {
	Name string // table name, e.g. "returnee-legs"
	File string // file written (CSV) or sheet name (XLSX)
	Rows int    // data rows, header excluded
}

// ErrWrongForm is returned (wrapped) when a row's interview belongs to
// another form than the one exported.
var ErrWrongForm = errors.New("interview belongs to another form")

// sink receives the rows of an export; CSV, XLSX and the typed spool
// implement it. why holds, per cell, why an empty cell is empty (and marks
// don't know / refused answers); it is nil unless the export asked for
// reasons (Options.reasons).
type sink interface {
	header(t int, cols []Column) error
	row(t int, cells []string, why []Reason) error
}

// renderer turns interviews into table rows.
type renderer struct {
	l           *Layout
	opts        Options
	lang        string
	labels      map[*forms.Node]map[string]string // choice name → label, only with Options.Labels
	bufs        [][]string                        // one reusable row per table
	whys        [][]Reason                        // one reusable reason row per table (Options.reasons)
	plan        *survey.Plan                      // for relevance (Options.reasons)
	eng         *survey.Engine                    // the current interview's engine (Options.reasons)
	steps       []survey.Step                     // repeat instances of the current row
	noRelevance int                               // interviews the engine could not open
	rows        []int                             // rows written per table
	index       map[*Table]int
	known       map[string]bool // paths of value columns and repeats
	lost        map[string]int  // answers to unknown fields, by path
}

func newRenderer(l *Layout, opts Options) *renderer {
	r := &renderer{l: l, opts: opts, lang: opts.Language, index: map[*Table]int{}, known: map[string]bool{}, lost: map[string]int{}}
	if r.lang == "" {
		r.lang = l.Form.DefaultLanguage
	}
	for i, t := range l.Tables {
		r.index[t] = i
		r.bufs = append(r.bufs, make([]string, len(t.Columns)))
		if opts.reasons {
			r.whys = append(r.whys, make([]Reason, len(t.Columns)))
		}
		if t.Repeat != nil {
			r.known[t.Repeat.Path] = true
		}
		for _, c := range t.Columns {
			if c.Node != nil {
				r.known[c.Node.Path] = true
			}
		}
	}
	// Notes have no column but may hold a value; they are not lost answers.
	var notes func([]*forms.Node)
	notes = func(ns []*forms.Node) {
		for _, n := range ns {
			if n.Type == forms.TypeNote {
				r.known[n.Path] = true
			}
			notes(n.Children)
		}
	}
	notes(l.Form.Root.Children)
	r.rows = make([]int, len(l.Tables))
	if opts.Labels {
		r.labels = map[*forms.Node]map[string]string{}
		for _, t := range l.Tables {
			for _, c := range t.Columns {
				if c.Kind != KindValue || r.labels[c.Node] != nil {
					continue
				}
				if list := ListOf(l.Form, c.Node); list != nil {
					m := make(map[string]string, len(list.Choices))
					for _, ch := range list.Choices {
						if s := Text(ch.Label, r.lang, l.Form.Languages); s != "" {
							m[ch.Name] = s
						}
					}
					r.labels[c.Node] = m
				}
			}
		}
	}
	return r
}

// run drives rows through the renderer into s.
func run(ctx context.Context, l *Layout, rows iter.Seq2[Row, error], opts Options, s sink) (Summary, error) {
	r := newRenderer(l, opts)
	if opts.reasons {
		p, err := survey.NewPlan(l.Form)
		if err != nil {
			return Summary{}, fmt.Errorf("export: analyse form %s for relevance: %w", l.Form.ID, err)
		}
		r.plan = p
	}
	for i, t := range l.Tables {
		if err := s.header(i, t.Columns); err != nil {
			return Summary{}, err
		}
	}
	var sum Summary
	n := 0
	for row, err := range rows {
		if err != nil {
			return sum, fmt.Errorf("read interviews: %w", err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
		}
		iv := row.Interview
		if iv == nil {
			return sum, fmt.Errorf("row %d: no interview", n)
		}
		if iv.FormID != l.Form.ID {
			return sum, fmt.Errorf("interview %s: form %q, exporting %q: %w", iv.ID, iv.FormID, l.Form.ID, ErrWrongForm)
		}
		if !opts.Since.IsZero() && row.Meta.Received.Before(opts.Since) {
			sum.Skipped++
			continue
		}
		if err := r.interview(s, row); err != nil {
			return sum, fmt.Errorf("interview %s: %w", iv.ID, err)
		}
		sum.Interviews++
		if !slices.Contains(sum.FormVersions, iv.FormVersion) && len(sum.FormVersions) < maxVersions {
			sum.FormVersions = append(sum.FormVersions, iv.FormVersion)
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	for i, t := range l.Tables {
		sum.Tables = append(sum.Tables, TableSummary{Name: t.Name, Rows: r.rows[i]})
	}
	if len(r.lost) > 0 {
		sum.Unexported = r.lost
	}
	slices.Sort(sum.FormVersions)
	sum.NoRelevance = r.noRelevance
	return sum, nil
}

// interview writes the main row of an interview and its repeat rows.
func (r *renderer) interview(s sink, row Row) error {
	iv := row.Interview
	main := r.l.Main()
	data := iv.Data
	if data == nil {
		data = &survey.Record{}
	}
	r.eng, r.steps = nil, r.steps[:0]
	if r.plan != nil && iv.Data != nil {
		// A submitted interview is only read by the engine; a draft is
		// opened on a copy so that its preloads are not filled in.
		eiv := iv
		if iv.Editable() {
			cp := *iv
			cp.Status = survey.StatusFinalized
			eiv = &cp
		}
		// An interview the engine cannot open (an older version's
		// answers the form no longer accepts) still exports: its empty
		// cells are then "not answered", and the summary counts it.
		if eng, err := survey.NewEngine(r.l.Form, eiv, survey.EngineOptions{Plan: r.plan, Location: time.UTC}); err == nil {
			r.eng = eng
		} else {
			r.noRelevance++
		}
	}
	cells := r.bufs[0]
	for i, c := range main.Columns {
		if c.Kind == KindMeta {
			cells[i] = metaValue(c.Meta, row)
		} else {
			cells[i] = r.cell(c, data)
		}
	}
	why := r.why(0, main, cells)
	if err := s.row(0, cells, why); err != nil {
		return err
	}
	r.rows[0]++
	r.audit(data)
	return r.children(s, main, data, iv.ID)
}

// children writes the repeat instances under rec, whose KEY is key.
func (r *renderer) children(s sink, t *Table, rec *survey.Record, key string) error {
	for _, ct := range t.Children {
		ti := r.index[ct]
		for k, inst := range rec.Repeats[ct.Repeat.Path] {
			if inst == nil {
				inst = &survey.Record{}
			}
			ikey := key + "/" + ct.keySeg + "[" + strconv.Itoa(k+1) + "]"
			r.steps = append(r.steps, survey.Step{Path: ct.Repeat.Path, Index: k + 1})
			cells := r.bufs[ti]
			for i, c := range ct.Columns {
				switch {
				case c.Kind == KindMeta && c.Meta == "KEY":
					cells[i] = ikey
				case c.Kind == KindMeta && c.Meta == "PARENT_KEY":
					cells[i] = key
				default:
					cells[i] = r.cell(c, inst)
				}
			}
			why := r.why(ti, ct, cells)
			if err := s.row(ti, cells, why); err != nil {
				return err
			}
			r.rows[ti]++
			r.audit(inst)
			if err := r.children(s, ct, inst, ikey); err != nil {
				return err
			}
			r.steps = r.steps[:len(r.steps)-1]
		}
	}
	return nil
}

// audit counts rec's answers and repeats that no column exports.
func (r *renderer) audit(rec *survey.Record) {
	for p := range rec.Values {
		if !r.known[p] {
			r.lost[p]++
		}
	}
	for p, insts := range rec.Repeats {
		if !r.known[p] {
			r.lost[p] += len(insts)
		}
	}
}

// cell renders one data column of rec.
func (r *renderer) cell(c Column, rec *survey.Record) string {
	v := rec.Values[c.Node.Path]
	switch c.Kind {
	case KindGeoPart:
		parts := strings.Fields(v)
		if c.Part < len(parts) {
			return parts[c.Part]
		}
		return ""
	case KindChoice:
		if v == "" {
			// Not asked or not answered: no 0/1 either (Central writes 0).
			return ""
		}
		for _, x := range strings.Fields(v) {
			if x == c.Choice.Name {
				return "1"
			}
		}
		return "0"
	}
	if r.labels == nil || v == "" {
		return v
	}
	m := r.labels[c.Node]
	if m == nil {
		return v
	}
	if c.Node.Type == forms.TypeSelectMulti || c.Node.Type == forms.TypeSelectMultiFile || c.Node.Type == forms.TypeRank {
		parts := strings.Fields(v)
		for i, p := range parts {
			if s, ok := m[p]; ok {
				parts[i] = s
			}
		}
		return strings.Join(parts, "; ")
	}
	if s, ok := m[v]; ok {
		return s
	}
	return v
}

// why fills the reason row of table ti for cells (nil without
// Options.reasons): a value column that is empty was not applicable when
// the engine finds its question not relevant, else not answered; the
// convention's codes mark don't know and refused; empty metadata is
// system-missing.
func (r *renderer) why(ti int, t *Table, cells []string) []Reason {
	if r.whys == nil {
		return nil
	}
	out := r.whys[ti]
	for i, c := range t.Columns {
		v := cells[i]
		switch {
		case c.Kind == KindMeta:
			out[i] = Present
			if v == "" {
				out[i] = SysMissing
			}
		case v == "":
			out[i] = NotAnswered
			if r.eng != nil && !r.eng.Relevant(survey.Ref{Path: c.Node.Path, Repeats: r.steps}) {
				out[i] = NotApplicable
			}
		default:
			out[i] = reasonOf(c, v)
		}
	}
	return out
}

// reasonOf recognises the convention's don't know / refused answers.
func reasonOf(c Column, v string) Reason {
	switch TypeOf(c) {
	case ColNumber:
		if c.Kind != KindValue {
			return Present
		}
		if f, ok := parseNumber(v); ok {
			switch f {
			case NumberDontKnow:
				return DontKnow
			case NumberRefused:
				return Refused
			}
		}
	case ColCode:
		switch v {
		case ChoiceDontKnow:
			return DontKnow
		case ChoiceRefused:
			return Refused
		}
	}
	return Present
}

// Timestamp formats t as Central does (JavaScript's toISOString): UTC with
// milliseconds; the zero time is empty.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func metaValue(name string, row Row) string {
	iv, m := row.Interview, row.Meta
	switch name {
	case "SubmissionDate":
		return Timestamp(m.Received)
	case "meta-instanceID", "KEY":
		return iv.ID
	case "SubmitterID":
		return iv.Enumerator
	case "SubmitterName":
		return m.SubmitterName
	case "AttachmentsPresent":
		return strconv.Itoa(m.AttachmentsPresent)
	case "AttachmentsExpected":
		return strconv.Itoa(len(iv.Attachments))
	case "Status":
		return "" // Central's encryption status; Sira does not encrypt submissions per form
	case "ReviewState":
		return m.ReviewState
	case "DeviceID":
		return iv.DeviceID
	case "Edits":
		if iv.Revision > 1 {
			return strconv.Itoa(iv.Revision - 1)
		}
		return "0"
	case "FormVersion":
		return iv.FormVersion
	case "Post":
		return m.Post
	case "Revision":
		return strconv.Itoa(iv.Revision)
	case "Started":
		return Timestamp(iv.Started)
	case "Ended":
		return Timestamp(iv.Ended)
	}
	return ""
}
