package report

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"

	"sira/export"
	"sira/forms"
)

// DefaultSmallCell is the default threshold under which a count is flagged.
const DefaultSmallCell = 5

// Options tune Compute.
type Options struct {
	// Mapping names the fields read; nil means DefaultMapping().
	Mapping *Mapping
	// SmallCell flags cells counting 1..SmallCell-1 interviews; 0 means
	// DefaultSmallCell. Empty cells (0) are not flagged: they disclose nothing.
	SmallCell int
}

// Report is the computed statistics of one form's interviews.
type Report struct {
	FormID     string
	FormTitle  forms.Text
	Interviews int // interviews read
	Universe   int // interviews counted: those with consent (see Mapping.Consent)
	SmallCell  int // threshold used for Cell.Small
	Tables     []*Table
	Cube       *Cube
}

// Table is one table of counts with column percentages.
type Table struct {
	Key       string     // stable identifier: "age_sex", "occupation", …
	Objective int        // GCM objective: 1 or 18
	Title     forms.Text // keyed "fr", "en"
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
	Total     Cell   // the table's population
}

// Cell is one count.
type Cell struct {
	Count   int
	Percent float64 // of the column's total (of the table's total in the Total column); 0 when the base is 0
	Small   bool    // 0 < Count < Report.SmallCell
	Filter  Filter  // selects exactly the interviews counted
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

// tableSpec describes a table: rows by one dimension, columns by another,
// or (cols) columns that are several dimensions sharing one code list.
type tableSpec struct {
	key       string
	objective int
	title     forms.Text
	row, col  string
	cols      []string
	where     Filter
}

// The value "yes" is the XLSForm yes_no convention the built-in form uses.
var tableSpecs = []tableSpec{
	{key: "age_sex", objective: 1, title: tx("Migrants de retour par groupe d'âge et sexe", "Returnees by age group and sex"), row: "age_group", col: "sex"},
	{key: "return_sex", objective: 1, title: tx("Migrants de retour par type de retour et sexe", "Returnees by type of return and sex"), row: "return_type", col: "sex"},
	{key: "destination_sex", objective: 1, title: tx("Migrants de retour par pays de destination et sexe", "Returnees by destination country and sex"), row: "destination", col: "sex"},
	{key: "region_sex", objective: 1, title: tx("Migrants de retour par région d'origine et sexe", "Returnees by region of origin and sex"), row: "region", col: "sex"},
	{key: "destination_return", objective: 1, title: tx("Migrants de retour par pays de destination et type de retour", "Returnees by destination country and type of return"), row: "destination", col: "return_type"},
	{key: "age_return", objective: 1, title: tx("Migrants de retour par groupe d'âge et type de retour", "Returnees by age group and type of return"), row: "age_group", col: "return_type"},
	{key: "occupation", objective: 18, title: tx("Profession avant le départ, à l'étranger et maintenant (CITP-08, grands groupes)", "Occupation before leaving, abroad and now (ISCO-08 major groups)"), row: "occupation_before", cols: []string{"occupation_before", "occupation_abroad", "occupation_now"}},
	{key: "education_sex", objective: 18, title: tx("Niveau d'instruction le plus élevé (CITE 2011) par sexe", "Highest level of education (ISCED 2011) by sex"), row: "education", col: "sex"},
	{key: "certificate_sex", objective: 18, title: tx("Diplôme ou certificat obtenu à l'étranger, par sexe", "Diploma or certificate obtained abroad, by sex"), row: "certificate", col: "sex"},
	{key: "recognised_sex", objective: 18, title: tx("Reconnaissance au Mali du diplôme ou certificat obtenu à l'étranger, par sexe", "Recognition in Mali of the diploma or certificate obtained abroad, by sex"), row: "recognised", col: "sex", where: Filter{{"certificate", "yes"}}},
	{key: "wish_sex", objective: 18, title: tx("Souhait de reconnaissance des compétences ou certificats, par sexe", "Wish for recognition of skills or certificates, by sex"), row: "recognition_wish", col: "sex"},
}

var cubeKeys = []string{"sex", "age_group", "return_type", "destination", "region"}

// counter accumulates one table.
type counter struct {
	spec   tableSpec
	row    int   // index of the row dimension
	col    int   // index of the column dimension (-1 for cols tables)
	cols   []int // indices of the column dimensions of a cols table
	counts map[[2]string]int
}

// Compute counts rows of form f. It fails with a *MissingFieldsError when f
// lacks a mapped field, with the iterator's error (wrapped), or ctx.Err().
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
	r := &Report{FormID: f.ID, FormTitle: tx(text(f.Title, "fr"), text(f.Title, "en")), SmallCell: small}
	var cs []*counter
	for _, s := range tableSpecs {
		c := &counter{spec: s, row: sel.byKey[s.row], col: -1, counts: map[[2]string]int{}}
		if s.col != "" {
			c.col = sel.byKey[s.col]
		}
		for _, k := range s.cols {
			c.cols = append(c.cols, sel.byKey[k])
		}
		cs = append(cs, c)
	}
	var cubeIdx []int
	for _, k := range cubeKeys {
		cubeIdx = append(cubeIdx, sel.byKey[k])
	}
	cube := map[string]int{}
	var vals []string
	var key strings.Builder
	for row, err := range rows {
		if err != nil {
			return nil, fmt.Errorf("read interviews: %w", err)
		}
		if r.Interviews++; r.Interviews&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		iv := row.Interview
		if iv == nil {
			return nil, fmt.Errorf("row %d: no interview", r.Interviews)
		}
		if iv.FormID != f.ID {
			return nil, fmt.Errorf("interview %s: form %q, reporting on %q: %w", iv.ID, iv.FormID, f.ID, export.ErrWrongForm)
		}
		var ok bool
		if vals, ok = sel.Values(iv, vals); !ok {
			continue
		}
		r.Universe++
		for _, c := range cs {
			if !sel.matchVals(c.spec.where, vals) {
				continue
			}
			if c.cols != nil {
				for _, j := range c.cols {
					c.counts[[2]string{vals[j], sel.dims[j].Key}]++
				}
				continue
			}
			c.counts[[2]string{vals[c.row], vals[c.col]}]++
		}
		key.Reset()
		for i, j := range cubeIdx {
			if i > 0 {
				key.WriteByte(0)
			}
			key.WriteString(vals[j])
		}
		cube[key.String()]++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, c := range cs {
		r.Tables = append(r.Tables, c.table(sel, small))
	}
	r.Cube = buildCube(sel, cubeIdx, cube, r.Universe, small)
	return r, nil
}

// categories lists a dimension's categories for a table: the code list in
// order, then values seen that are not in it (sorted), then Missing.
func categories(d *Dim, seen map[string]bool) []Category {
	cats := append([]Category(nil), d.Cats...)
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
	if seen[Missing] {
		cats = append(cats, Category{Value: Missing, Label: missingLabel})
	}
	return cats
}

func pct(n, base int) float64 {
	if base == 0 {
		return 0
	}
	return 100 * float64(n) / float64(base)
}

func mkCell(n, base, small int, fl Filter) Cell {
	return Cell{Count: n, Percent: pct(n, base), Small: n > 0 && n < small, Filter: fl}
}

// table turns counts into a Table. Rows whose total is zero are dropped;
// columns are the code list's categories, plus unlisted or Missing values
// only when they occur.
func (c *counter) table(sel *Selector, small int) *Table {
	s := c.spec
	rd := sel.dims[c.row]
	t := &Table{Key: s.key, Objective: s.objective, Title: s.title, RowKey: rd.Key, RowTitle: rd.Label, Where: s.where}
	seenRow, seenCol := map[string]bool{}, map[string]bool{}
	for k := range c.counts {
		seenRow[k[0]] = true
		seenCol[k[1]] = true
	}
	if c.cols != nil {
		t.RowKey, t.ColKey = "code", "variable"
		t.RowTitle = tx("Grand groupe de la CITP-08", "ISCO-08 major group")
		for _, j := range c.cols {
			d := sel.dims[j]
			t.Cols = append(t.Cols, Category{Value: d.Key, Label: d.Label})
		}
	} else {
		cd := sel.dims[c.col]
		t.ColTitle = cd.Label
		t.ColKey = cd.Key
		t.Cols = categories(cd, seenCol)
	}
	rowTotal := map[string]int{}
	colTotal := make([]int, len(t.Cols))
	total := 0
	for k, n := range c.counts {
		rowTotal[k[0]] += n
		total += n
	}
	for j, col := range t.Cols {
		for v := range seenRow {
			colTotal[j] += c.counts[[2]string{v, col.Value}]
		}
	}
	for _, cat := range categories(rd, seenRow) {
		if rowTotal[cat.Value] > 0 {
			t.Rows = append(t.Rows, cat)
		}
	}
	t.Cells = make([][]Cell, len(t.Rows))
	for i, row := range t.Rows {
		t.Cells[i] = make([]Cell, len(t.Cols))
		for j, col := range t.Cols {
			n := c.counts[[2]string{row.Value, col.Value}]
			var fl Filter
			if c.cols != nil {
				fl = s.where.with(Cond{col.Value, row.Value})
			} else {
				fl = s.where.with(Cond{rd.Key, row.Value}, Cond{sel.dims[c.col].Key, col.Value})
			}
			t.Cells[i][j] = mkCell(n, colTotal[j], small, fl)
		}
	}
	for j, col := range t.Cols {
		fl := s.where.with()
		if c.cols == nil {
			fl = s.where.with(Cond{sel.dims[c.col].Key, col.Value})
		}
		t.ColTotals = append(t.ColTotals, mkCell(colTotal[j], colTotal[j], small, fl))
	}
	if c.cols == nil {
		for _, row := range t.Rows {
			t.RowTotals = append(t.RowTotals, mkCell(rowTotal[row.Value], total, small, s.where.with(Cond{rd.Key, row.Value})))
		}
		t.Total = mkCell(total, total, small, s.where.with())
	} else {
		// Every person counts once per column: the population is a column base.
		n := 0
		if len(colTotal) > 0 {
			n = colTotal[0]
		}
		t.Total = mkCell(n, n, small, s.where.with())
	}
	return t
}

func buildCube(sel *Selector, idx []int, counts map[string]int, universe, small int) *Cube {
	cb := &Cube{}
	for _, j := range idx {
		cb.Dims = append(cb.Dims, sel.dims[j])
	}
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
