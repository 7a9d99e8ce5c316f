package report

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"
	"time"

	"sira/export"
	"sira/forms"
	"sira/survey"
)

// DefaultSmallCell is the default threshold under which a count is flagged
// (and, in a published report, suppressed).
const DefaultSmallCell = 5

// MinBase is the unweighted base under which a published report suppresses
// percentages (the DHS convention: percentages on fewer than 25 cases are
// not shown).
const MinBase = 25

// Options tune Compute.
type Options struct {
	// Mapping names the fields read; nil means DefaultMapping().
	Mapping *Mapping
	// SmallCell flags cells counting 1..SmallCell-1 interviews; 0 means
	// DefaultSmallCell. Empty cells (0) are not flagged: they disclose nothing.
	SmallCell int
	// Arrivals are the daily flow counts (form flow_count) from which
	// post × day × sex expansion weights are computed; nil: unweighted.
	Arrivals *Arrivals
	// ApprovedOnly counts only interviews whose review state is "approved".
	ApprovedOnly bool
	// Now is the generation time (time.Now if nil).
	Now func() time.Time
}

// Report is the computed statistics of one form's interviews.
type Report struct {
	FormID     string
	FormTitle  forms.Text
	Interviews int // interviews read (approved ones only with ApprovedOnly)
	Universe   int // interviews counted: consent given and, if the form screens, eligible
	SmallCell  int // threshold used for Cell.Small
	Tables     []*Table
	Stats      []*StatTable
	Cube       *Cube // nil in a published report

	Generated          time.Time
	PeriodFrom         string   // first interview day counted (YYYY-MM-DD), "" if none
	PeriodTo           string   // last interview day counted
	Versions           []string // form versions of the interviews read, sorted
	ApprovedOnly       bool     // only approved interviews were read
	NotApproved        int      // interviews left out by ApprovedOnly
	Weighted           bool     // weighted figures are shown beside the counts
	Coverage           *Coverage
	Published          bool // suppressed for circulation (Publish)
	MinBase            int  // base under which Publish suppressed percentages
	ComplementarySuppr int  // cells suppressed only to protect others
	Flow               bool // a report of the flow count form (arrivals, not interviews)
}

// Table is one table of counts with column percentages.
type Table struct {
	Key       string     // stable identifier: "age_sex", "occupation", …
	Objective int        // GCM objective
	Title     forms.Text // keyed "fr", "en"
	Universe  forms.Text // who the table counts
	RowKey    string     // the row dimension's key ("code" when columns are dimensions sharing a code list)
	ColKey    string     // the column dimension's key ("variable" when columns are dimensions)
	RowTitle  forms.Text // the row variable's label
	ColTitle  forms.Text // the column variable's label (empty for the occupation table)
	Where     Filter     // restriction of the table's population, if any
	Rows      []Category
	Cols      []Category
	Cells     [][]Cell // [row][col]
	// RowTotals is the Total column (nil when a person counts in several
	// columns, as in the occupation table, where a total would be meaningless).
	RowTotals []Cell
	ColTotals []Cell // the Total row: each column's base
	Total     Cell   // the table's base
	// Excluded counts the table's population outside the base: not
	// applicable or not stated (shown apart, never in a percentage).
	// ExcludedSuppressed hides it in a published report when small.
	Excluded           int
	ExcludedSuppressed bool
	// Multi: a multiple-response table (a person counts in every row
	// ticked; column percentages add up to more than 100).
	Multi bool
	// RowPercent: percentages are of the row total (quality tables).
	RowPercent bool
	// Unit names what cells count when not interviews ("arrivals").
	Unit forms.Text
}

// Cell is one count.
type Cell struct {
	Count   int
	Percent float64 // of the column's base (of the table's base in the Total column); 0 when the base is 0 or the row is out of base
	Small   bool    // 0 < Count < Report.SmallCell
	Filter  Filter  // selects exactly the interviews counted (when Linked)
	// Linked: Filter selects what the cell counts, so it may link to the
	// list of interviews (not for multiple-response, quality and flow tables).
	Linked bool
	// OutOfBase: a "don't know" or "refused" row, shown apart and outside
	// the percentage base.
	OutOfBase bool
	// Weighted is the sum of the expansion weights of the interviews
	// counted, and WPercent its column percentage (with Report.Weighted).
	Weighted float64
	WPercent float64
	// Suppressed hides the count (and percentage) in a published report;
	// PctSuppressed hides only the percentage (small base).
	Suppressed, PctSuppressed bool
}

// Query renders the cell's filter as a URL query ("sex=female&…").
func (c Cell) Query() string { return c.Filter.String() }

// Cube is the full cross-classification sex × age group × type of return ×
// destination × region of origin, non-empty combinations only.
type Cube struct {
	Dims  []*Dim
	Cells []CubeCell
}

// CubeCell is one combination of the cube.
type CubeCell struct {
	Values []string // aligned with Cube.Dims
	Cell            // Percent is of the universe
}

// rec is one interview of the universe: its dimensions' values (interned:
// a report may hold many thousands), the raw answers of the extra fields
// the statistics read (nil when none), and its weight.
type rec struct {
	codes []uint32
	extra []string
	wkey  string
	w     float64
}

// interner maps the few distinct values of the dimensions to small codes.
type interner struct {
	code map[string]uint32
	strs []string
}

func newInterner() *interner { return &interner{code: map[string]uint32{}} }

func (in *interner) encode(vals []string) []uint32 {
	out := make([]uint32, len(vals))
	for i, v := range vals {
		c, ok := in.code[v]
		if !ok {
			c = uint32(len(in.strs))
			in.code[v] = c
			in.strs = append(in.strs, v)
		}
		out[i] = c
	}
	return out
}

// decode writes x's values into buf (grown as needed) and returns it.
func (in *interner) decode(x rec, buf []string) []string {
	buf = buf[:0]
	for _, c := range x.codes {
		buf = append(buf, in.strs[c])
	}
	return buf
}

// records are the universe's interviews with their interner.
type records struct {
	in   *interner
	list []rec
}

// each calls fn with every record and its decoded values (the slice is
// reused between calls).
func (rs *records) each(fn func(x rec, vals []string)) {
	var buf []string
	for _, x := range rs.list {
		buf = rs.in.decode(x, buf)
		fn(x, buf)
	}
}

// Compute counts rows of form f. It fails with a *MissingFieldsError when f
// lacks a required mapped field, with the iterator's error (wrapped), or ctx.Err().
// Rows of another form are an error (export.ErrWrongForm).
func Compute(ctx context.Context, f *forms.Form, rows iter.Seq2[export.Row, error], opts Options) (*Report, error) {
	m := DefaultMapping()
	if opts.Mapping != nil {
		m = *opts.Mapping
	}
	sel, err := NewSelector(f, m)
	if err != nil {
		return nil, err
	}
	small := opts.SmallCell
	if small <= 0 {
		small = DefaultSmallCell
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r := &Report{FormID: f.ID, FormTitle: tx(text(f.Title, "fr"), text(f.Title, "en")), SmallCell: small,
		Generated: now().UTC(), ApprovedOnly: opts.ApprovedOnly, MinBase: MinBase}
	ex := newExtras(f)
	q := newQuality(f, m, sel)
	dateNode := sel.Dim("month").Node
	versions := map[string]bool{}
	recs := &records{in: newInterner()}
	for row, err := range rows {
		if err != nil {
			return nil, fmt.Errorf("read interviews: %w", err)
		}
		iv := row.Interview
		if iv == nil {
			return nil, fmt.Errorf("row %d: no interview", r.Interviews+r.NotApproved+1)
		}
		if iv.FormID != f.ID {
			return nil, fmt.Errorf("interview %s: form %q, reporting on %q: %w", iv.ID, iv.FormID, f.ID, export.ErrWrongForm)
		}
		if opts.ApprovedOnly && row.Meta.ReviewState != "approved" {
			r.NotApproved++
			continue
		}
		if r.Interviews++; r.Interviews&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		versions[iv.FormVersion] = true
		vals, ok := sel.Values(iv, nil)
		q.add(iv, ok)
		if !ok {
			continue
		}
		r.Universe++
		day := interviewDay(iv, dateNode)
		if day != "" && (r.PeriodFrom == "" || day < r.PeriodFrom) {
			r.PeriodFrom = day
		}
		if day > r.PeriodTo {
			r.PeriodTo = day
		}
		recs.list = append(recs.list, rec{codes: recs.in.encode(vals), extra: ex.read(iv), wkey: weightKey(vals[sel.byKey["post"]], day, vals[sel.byKey["sex"]])})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for v := range versions {
		r.Versions = append(r.Versions, v)
	}
	sort.Strings(r.Versions)
	if opts.Arrivals != nil {
		r.Weighted = true
		r.Coverage = applyWeights(recs.list, opts.Arrivals)
	}
	for _, s := range tableSpecs {
		if t := twoWay(sel, s, recs, small); t != nil {
			r.Tables = append(r.Tables, t)
		}
	}
	for _, s := range multiSpecs {
		if t := multiTable(f, sel, ex, s, recs, small); t != nil {
			r.Tables = append(r.Tables, t)
		}
	}
	r.Tables = append(r.Tables, q.tables(small)...)
	r.Stats = stats(sel, ex, recs)
	var cubeIdx []int
	for _, k := range cubeKeys {
		cubeIdx = append(cubeIdx, sel.byKey[k])
	}
	r.Cube = buildCube(sel, cubeIdx, recs, r.Universe, small)
	return r, nil
}

// interviewDay is the interview's day: the form's date field (today), else
// the day it started.
func interviewDay(iv *survey.Interview, date *forms.Node) string {
	if date != nil && iv.Data != nil {
		if v := strings.TrimSpace(iv.Data.Values[date.Path]); len(v) >= 10 {
			return v[:10]
		}
	}
	if iv.Started.IsZero() {
		return ""
	}
	return iv.Started.UTC().Format(time.DateOnly)
}

// categories lists a dimension's categories for a table: the code list in
// order, then values seen that are not in it (sorted). Missing is never a
// category: not applicable and not stated are outside the base.
func categories(d *Dim, seen map[string]bool, all bool) []Category {
	var cats []Category
	for _, c := range d.Cats {
		if all || seen[c.Value] {
			cats = append(cats, c)
		}
	}
	var extra []string
	for v := range seen {
		if _, known := d.index[v]; !known && v != Missing {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	for _, v := range extra {
		cats = append(cats, Category{Value: v, Label: tx(v, v)})
	}
	return cats
}

func pct(n, base float64) float64 {
	if base == 0 {
		return 0
	}
	return 100 * n / base
}

func mkCell(n, base, small int, fl Filter) Cell {
	return Cell{Count: n, Percent: pct(float64(n), float64(base)), Small: n > 0 && n < small, Filter: fl, Linked: true}
}

type pair [2]string

// twoWay counts one table of spec s, or returns nil when the form lacks
// one of its dimensions.
func twoWay(sel *Selector, s tableSpec, recs *records, small int) *Table {
	keys := append([]string{s.row, s.col}, s.cols...)
	for _, c := range s.where {
		keys = append(keys, c.Key)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		if d := sel.Dim(k); d == nil || !d.Present() {
			return nil
		}
	}
	rd := sel.Dim(s.row)
	t := &Table{Key: s.key, Objective: s.objective, Title: s.title, Universe: s.universe, RowKey: rd.Key, RowTitle: rd.Label, Where: s.where}
	counts := map[pair]int{}
	wcounts := map[pair]float64{}
	seenRow := map[string]bool{}
	if s.cols != nil {
		t.RowKey, t.ColKey = "code", "variable"
		t.RowTitle = tx("Grand groupe de la CITP-08", "ISCO-08 major group")
		for _, k := range s.cols {
			d := sel.Dim(k)
			t.Cols = append(t.Cols, Category{Value: d.Key, Label: d.Label})
		}
		recs.each(func(x rec, vals []string) {
			if !sel.matchVals(s.where, vals) {
				return
			}
			any := false
			for _, k := range s.cols {
				v := vals[sel.byKey[k]]
				if v == Missing {
					continue
				}
				any = true
				seenRow[v] = true
				counts[pair{v, k}]++
				wcounts[pair{v, k}] += x.w
			}
			if !any {
				t.Excluded++
			}
		})
	} else {
		cd := sel.Dim(s.col)
		t.ColKey, t.ColTitle = cd.Key, cd.Label
		seenCol := map[string]bool{}
		recs.each(func(x rec, vals []string) {
			if !sel.matchVals(s.where, vals) {
				return
			}
			rv, cv := vals[sel.byKey[s.row]], vals[sel.byKey[s.col]]
			if rv == Missing || OutOfBase(cv) {
				t.Excluded++
				return
			}
			seenRow[rv], seenCol[cv] = true, true
			counts[pair{rv, cv}]++
			wcounts[pair{rv, cv}] += x.w
		})
		t.Cols = categories(cd, seenCol, len(cd.Cats) > 0 && len(cd.Cats) <= 12)
		for i := 0; i < len(t.Cols); i++ { // dk/refused columns are outside the base
			if OutOfBase(t.Cols[i].Value) {
				t.Cols = append(t.Cols[:i], t.Cols[i+1:]...)
				i--
			}
		}
	}
	t.Rows = categories(rd, seenRow, false)
	fillCells(t, counts, wcounts, small, func(row, col string) Filter {
		if s.cols != nil {
			return s.where.with(Cond{col, row})
		}
		return s.where.with(Cond{s.row, row}, Cond{s.col, col})
	}, func(col string) Filter {
		if s.cols != nil {
			return s.where.with(Cond{col, Base})
		}
		return s.where.with(Cond{s.row, Base}, Cond{s.col, col})
	}, func(row string) Filter { return s.where.with(Cond{s.row, row}, Cond{s.col, Base}) },
		totalFilter(s), s.cols == nil)
	return t
}

// fillCells turns counts into cells: column bases count the rows inside
// the base only; out-of-base rows (dk, refused) keep their count without a
// percentage.
func fillCells(t *Table, counts map[pair]int, wcounts map[pair]float64, small int,
	cellFl func(row, col string) Filter, colFl func(col string) Filter, rowFl func(row string) Filter, totalFl Filter, totals bool) {
	colBase := make([]int, len(t.Cols))
	colW := make([]float64, len(t.Cols))
	for j, col := range t.Cols {
		for _, row := range t.Rows {
			if !OutOfBase(row.Value) {
				colBase[j] += counts[pair{row.Value, col.Value}]
				colW[j] += wcounts[pair{row.Value, col.Value}]
			}
		}
	}
	t.Cells = make([][]Cell, len(t.Rows))
	base, baseW := 0, 0.0
	for i, row := range t.Rows {
		t.Cells[i] = make([]Cell, len(t.Cols))
		rowN, rowW := 0, 0.0
		for j, col := range t.Cols {
			p := pair{row.Value, col.Value}
			c := mkCell(counts[p], colBase[j], small, cellFl(row.Value, col.Value))
			c.Weighted = wcounts[p]
			c.WPercent = pct(c.Weighted, colW[j])
			if OutOfBase(row.Value) {
				c.OutOfBase, c.Percent, c.WPercent = true, 0, 0
			}
			t.Cells[i][j] = c
			rowN += counts[p]
			rowW += wcounts[p]
		}
		if totals {
			t.RowTotals = append(t.RowTotals, Cell{Count: rowN, Weighted: rowW, Small: rowN > 0 && rowN < small, Filter: rowFl(row.Value), Linked: true, OutOfBase: OutOfBase(row.Value)})
		}
		if !OutOfBase(row.Value) {
			base += rowN
			baseW += rowW
		}
	}
	for i := range t.RowTotals {
		if !t.RowTotals[i].OutOfBase {
			t.RowTotals[i].Percent = pct(float64(t.RowTotals[i].Count), float64(base))
			t.RowTotals[i].WPercent = pct(t.RowTotals[i].Weighted, baseW)
		}
	}
	for j, col := range t.Cols {
		c := mkCell(colBase[j], colBase[j], small, colFl(col.Value))
		c.Weighted, c.WPercent = colW[j], pct(colW[j], colW[j])
		t.ColTotals = append(t.ColTotals, c)
	}
	if totals {
		t.Total = mkCell(base, base, small, totalFl)
		t.Total.Weighted, t.Total.WPercent = baseW, pct(baseW, baseW)
	} else {
		// Every person counts once per column: the population is a column base.
		n := 0
		if len(colBase) > 0 {
			n = colBase[0]
		}
		t.Total = mkCell(n, n, small, totalFl)
		t.Total.Linked = false
	}
}

func buildCube(sel *Selector, idx []int, recs *records, universe, small int) *Cube {
	cb := &Cube{}
	for _, j := range idx {
		cb.Dims = append(cb.Dims, sel.dims[j])
	}
	counts := map[string]int{}
	var key strings.Builder
	recs.each(func(_ rec, vals []string) {
		key.Reset()
		for i, j := range idx {
			if i > 0 {
				key.WriteByte(0)
			}
			key.WriteString(vals[j])
		}
		counts[key.String()]++
	})
	// Order combinations by each dimension's category order.
	rank := func(d *Dim, v string) int {
		if i, ok := d.index[v]; ok {
			return i
		}
		if v == Missing {
			return len(d.Cats) + 1
		}
		return len(d.Cats)
	}
	for k, n := range counts {
		vals := strings.Split(k, "\x00")
		fl := make(Filter, len(vals))
		for i, v := range vals {
			fl[i] = Cond{cb.Dims[i].Key, v}
		}
		cb.Cells = append(cb.Cells, CubeCell{Values: vals, Cell: mkCell(n, universe, small, fl)})
	}
	sort.Slice(cb.Cells, func(a, b int) bool {
		va, vb := cb.Cells[a].Values, cb.Cells[b].Values
		for i, d := range cb.Dims {
			ra, rb := rank(d, va[i]), rank(d, vb[i])
			if ra != rb {
				return ra < rb
			}
			if va[i] != vb[i] {
				return va[i] < vb[i]
			}
		}
		return false
	})
	return cb
}

// weightedTable reports whether t's cells carry weighted figures: tables of
// interviews, not the quality tables (people approached) nor flow counts.
func weightedTable(t *Table) bool { return !t.RowPercent && t.Unit == nil }

// totalFilter selects a table's base: both dimensions inside the base (the
// first column's variable for a table whose columns are variables).
func totalFilter(s tableSpec) Filter {
	if s.cols != nil {
		return s.where.with(Cond{s.cols[0], Base})
	}
	return s.where.with(Cond{s.row, Base}, Cond{s.col, Base})
}
