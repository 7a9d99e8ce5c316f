package forms

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// CompileOptions tunes Compile.
type CompileOptions struct {
	// Files holds the choice lists of select_one_from_file questions, by
	// file name as written after the type. CompileFile fills it from the
	// CSV files beside the form; a missing file is a problem.
	Files map[string]*ChoiceList
	// Dir, when Files lacks a file, is the directory to read it from.
	Dir string
	// RequireFiles makes a file the form reads (choices CSV or GeoJSON,
	// pulldata CSV) missing from Files and Dir a problem; otherwise it is
	// a warning and Form.Missing names it (sira form check, simulate and
	// form test go on without it).
	RequireFiles bool
}

// CompileFile reads and compiles the XLSForm at path. The files it reads
// (select_one_from_file CSVs and GeoJSON, pulldata CSVs) are read from the
// form's directory into Form.Files; a missing one is a problem (what a
// laptop or the intake needs). CompileFileWith with RequireFiles false
// only warns, for checking and testing a form before its files exist.
func CompileFile(ctx context.Context, path string) (*Form, error) {
	return CompileFileWith(ctx, path, CompileOptions{RequireFiles: true})
}

// CompileFileWith is CompileFile with options; opts.Dir is the form's
// directory when empty.
func CompileFileWith(ctx context.Context, path string, opts CompileOptions) (*Form, error) {
	wb, err := ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(path)
	}
	return Compile(ctx, wb, opts)
}

// Compile turns a workbook into a Form. It collects every problem it finds
// and returns them together as Problems; warnings (comment rows, missing
// translations…) are in Form.Warnings and never stop compilation.
func Compile(ctx context.Context, wb *Workbook, opts CompileOptions) (*Form, error) {
	c := &compiler{collector: collector{file: wb.Name}, wb: wb, opts: opts, spaceChecked: map[string]bool{}}
	f := c.compile(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Prepare names sheets canonically; report them as the workbook spells them.
	for _, ps := range []Problems{c.problems, c.warnings} {
		for i := range ps {
			if s := wb.Sheet(ps[i].Sheet); s != nil {
				ps[i].Sheet = s.Name
			}
		}
	}
	if c.survey != nil && c.survey.Name != "" {
		// A lone sheet read as the survey keeps its own name.
		for _, ps := range []Problems{c.problems, c.warnings} {
			for i := range ps {
				if ps[i].Sheet == "survey" {
					ps[i].Sheet = c.survey.Name
				}
			}
		}
	}
	if len(c.problems) > 0 {
		sortProblems(wb, c.problems)
		return nil, c.problems
	}
	f.Warnings = c.warnings
	f.Missing = c.missing
	if _, err := f.MarshalCanonical(); err != nil {
		return nil, fmt.Errorf("compile %s: %w", wb.Name, err)
	}
	return f, nil
}

type compiler struct {
	collector
	wb   *Workbook
	opts CompileOptions

	survey            *Sheet
	scols             *columns
	settings          map[string]string
	clean             bool
	lists             map[string]*ChoiceList // choices sheet
	external          map[string]*ChoiceList // external_choices sheet
	osm               map[string]*ChoiceList // osm sheet
	hasChoicesHeaders bool
	spaceChecked      map[string]bool // select_multiple lists checked for names with spaces
	allowDup          bool
	missing           []string // files not found beside the form
}

// ncName is an XML NCName as pyxform checks it (ASCII letters plus any
// non-ASCII letter).
var ncName = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_.\-]*$`)

func (c *compiler) compile(ctx context.Context) *Form {
	f := &Form{Schema: SchemaVersion}
	c.survey = c.wb.Sheet("survey")
	if c.survey == nil && len(c.wb.Sheets) == 1 {
		c.survey = c.wb.Sheets[0]
	}
	if c.survey == nil {
		if s := similarSheet(c.wb, "survey"); s != "" {
			c.errorf("", 0, "", "no survey sheet (sheets: %s); did you mean %q?", sheetNames(c.wb), s)
		} else {
			c.errorf("", 0, "", "no survey sheet (sheets: %s)", sheetNames(c.wb))
		}
		return f
	}
	for _, want := range []string{"choices", "settings"} {
		if c.wb.Sheet(want) == nil {
			if s := similarSheet(c.wb, want); s != "" {
				c.warnf(s, 0, "", "sheet %q is not read; did you mean %q?", s, want)
			}
		}
	}
	c.readSettings(f)
	c.lists = c.readChoices("choices", true)
	c.external = c.readChoices("external_choices", false)
	c.osm = c.readChoices("osm", false)
	f.Lists = c.lists

	c.scols = resolveHeaders(&c.collector, c.survey, surveyAliases)
	if !c.scols.has(colType) {
		c.errorf(c.survey.Name, 1, "", "required column header not found: type")
		return f
	}
	if !c.scols.has(colName) {
		c.errorf(c.survey.Name, 1, "", "required column header not found: name")
	}
	root := &Node{Name: f.Settings["name"], Type: TypeGroup, Row: 0}
	if root.Name == "" {
		root.Name = "data"
	}
	f.Root = root
	c.buildTree(ctx, f, root)
	c.languages(f)
	c.loadFiles(f)
	f.prepare(&c.collector, c.columnHeader)
	return f
}

func sheetNames(wb *Workbook) string {
	names := make([]string, len(wb.Sheets))
	for i, s := range wb.Sheets {
		names[i] = strconv.Quote(s.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// columnHeader maps a canonical survey column ("label", or "label::Lang"
// for one translation) to its header as typed.
func (c *compiler) columnHeader(key string) string {
	if c.scols == nil {
		return key
	}
	if k, lang, ok := strings.Cut(key, "::"); ok {
		for _, col := range c.scols.byKey[k] {
			if col.lang == lang {
				return col.header
			}
		}
		return key
	}
	return c.scols.header(key)
}

func (c *compiler) readSettings(f *Form) {
	f.Settings = map[string]string{}
	s := c.wb.Sheet("settings")
	if s != nil && len(s.Rows) > 0 {
		r := s.Rows[0]
		for i, h := range s.Header {
			if h == "" {
				continue
			}
			v := r.Cell(i)
			if v == "" {
				continue
			}
			key := h
			if k, ok := lookupAlias(h, settingsAliases); ok {
				key = k
			} else if !strings.Contains(h, "::") {
				key = snake(h)
			}
			f.Settings[key] = v
		}
	}
	f.ID = f.Settings["form_id"]
	if f.ID == "" {
		f.ID = strings.TrimSuffix(c.wb.Name, filepath.Ext(c.wb.Name))
	}
	title := f.Settings["form_title"]
	if title == "" {
		title = f.ID
	}
	f.Title = Text{"": title}
	f.Version = f.Settings["version"]
	f.DefaultLanguage = f.Settings["default_language"]
	f.InstanceName = f.Settings["instance_name"]
	f.PublicKey = strings.TrimSpace(f.Settings["public_key"])
	// An RSA key compiles (ODK's forms stay readable, as pyxform reads
	// them) with a warning; the intake refuses to publish it (PublicKeyError).
	if msg := PublicKeyError(f.PublicKey); msg != "" && s != nil {
		c.warnf(s.Name, 2, "public_key", "%s; the intake will refuse to publish this form", msg)
	}
	c.clean = !isNo(f.Settings["clean_text_values"])
	c.allowDup = isYes(f.Settings["allow_choice_duplicates"])
	if isYes(f.Settings["omit_instanceid"]) && f.PublicKey != "" && s != nil {
		c.errorf(s.Name, 2, "omit_instanceID", "omit_instanceID cannot be used together with public_key")
	}
	if len(f.Settings) == 0 {
		f.Settings = nil
	}
}

func isYes(s string) bool {
	switch s {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "true()":
		return true
	}
	return false
}

func isNo(s string) bool {
	switch s {
	case "no", "No", "NO", "false", "False", "FALSE", "false()":
		return true
	}
	return false
}

// readChoices reads a sheet of choice lists (choices, external_choices, osm).
func (c *compiler) readChoices(name string, main bool) map[string]*ChoiceList {
	s := c.wb.Sheet(name)
	if s == nil {
		return nil
	}
	cols := resolveHeaders(&c.collector, s, choicesAliases)
	if !cols.has(colListName) || !cols.has(colName) {
		if main {
			c.hasChoicesHeaders = false
		}
		if len(s.Rows) > 0 || len(s.Header) > 0 {
			c.warnf(s.Name, 1, "", "sheet has no list_name and name headers; it is ignored")
		}
		return nil
	}
	if main {
		c.hasChoicesHeaders = true
	}
	lists := map[string]*ChoiceList{}
	seen := map[string]map[string]int{}
	for _, r := range s.Rows {
		ln := cols.get(r, colListName)
		nm := cols.get(r, colName)
		label := cols.text(r, colLabel)
		if ln == "" && nm == "" && label == nil {
			continue
		}
		if ln == "" {
			c.errorf(s.Name, r.Num, cols.header(colListName), "choice with no list_name")
			continue
		}
		if nm == "" {
			c.errorf(s.Name, r.Num, cols.header(colName), "choice in list %q has no name", ln)
			continue
		}
		l := lists[ln]
		if l == nil {
			l = &ChoiceList{Name: ln}
			lists[ln] = l
			seen[ln] = map[string]int{}
		}
		// pyxform checks duplicates on the choices sheet only.
		if prev, dup := seen[ln][nm]; dup && main && !c.allowDup {
			c.errorf(s.Name, r.Num, cols.header(colName), "duplicate choice name %q in list %q (first on row %d); set allow_choice_duplicates=yes in settings to allow it", nm, ln, prev)
			continue
		}
		seen[ln][nm] = r.Num
		if label == nil && main {
			c.warnf(s.Name, r.Num, cols.header(colLabel), "choice %q of list %q has no label", nm, ln)
		}
		ch := &Choice{Name: nm, Label: label, Extra: cols.extra(r), Row: r.Num}
		for _, m := range []string{colImage, colBigImage, colAudio, colVideo} {
			if t := cols.text(r, m); t != nil {
				if ch.Media == nil {
					ch.Media = map[string]Text{}
				}
				ch.Media[m] = t
			}
		}
		l.Choices = append(l.Choices, ch)
	}
	return lists
}

// frame is an open group, repeat or loop while building the tree.
type frame struct {
	node *Node
	kind rowKind
	list string // loop list
}

// MaxNesting bounds how deep groups and repeats nest. Real forms stay
// under ten levels; node paths grow with depth, so a generated form nesting
// thousands deep would cost memory quadratic in its rows.
const MaxNesting = 64

var wsRun = regexp.MustCompile(`\s+`)

func (c *compiler) buildTree(ctx context.Context, f *Form, root *Node) {
	sh := c.survey
	stack := []frame{{node: root}}
	tooDeep := false
	for i, r := range sh.Rows {
		if i%512 == 0 && ctx.Err() != nil {
			return
		}
		if c.clean {
			cells := make([]string, len(r.Cells))
			for j, v := range r.Cells {
				if strings.ContainsAny(v, " \t\n\r") {
					v = wsRun.ReplaceAllString(v, " ")
				}
				cells[j] = v
			}
			r.Cells = cells
		}
		typ := c.scols.get(r, colType)
		name := c.scols.get(r, colName)
		label := c.scols.text(r, colLabel)
		if typ == "" {
			if name == "" && label == nil {
				c.warnf(sh.Name, r.Num, "", "row without type, name or label is taken as a comment")
				continue
			}
			c.errorf(sh.Name, r.Num, c.columnHeader(colType), "question with no type")
			continue
		}
		pt := parseType(typ)
		top := &stack[len(stack)-1]
		switch pt.kind {
		case kindUnknown:
			// Keep the row as a node so references to it still resolve and
			// only the real problem is reported.
			pt = parsedType{kind: kindQuestion, typ: Type(typ)}
			if _, isSelect := selectCommands[typ]; isSelect {
				c.errorf(sh.Name, r.Num, c.columnHeader(colType), "%s needs a list name after it: %s LIST", typ, typ)
				pt.typ = Type("?" + typ) // not a select: no list to look up
			} else {
				c.errorf(sh.Name, r.Num, c.columnHeader(colType), "unknown question type %q", typ)
			}
		case kindEndGroup, kindEndRepeat, kindEndLoop:
			want := map[rowKind]rowKind{kindEndGroup: kindBeginGroup, kindEndRepeat: kindBeginRepeat, kindEndLoop: kindBeginLoop}[pt.kind]
			if len(stack) == 1 || top.kind != want {
				c.errorf(sh.Name, r.Num, c.columnHeader(colType), "unmatched %q: no open %s", typ, map[rowKind]string{kindBeginGroup: "group", kindBeginRepeat: "repeat", kindBeginLoop: "loop"}[want])
				continue
			}
			if top.kind == kindBeginLoop {
				c.expandLoop(top)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		n := c.node(f, r, pt, name, label)
		if n == nil {
			continue
		}
		switch pt.kind {
		case kindBeginGroup, kindBeginRepeat, kindBeginLoop:
			if len(stack) > MaxNesting {
				// Paths grow with depth and every node holds one: past the
				// limit, rows still match their ends but build a detached
				// subtree, so time and memory stay bounded.
				if !tooDeep {
					c.errorf(sh.Name, r.Num, c.columnHeader(colType), "groups and repeats nested more than %d deep", MaxNesting)
					tooDeep = true
				}
				stack = append(stack, frame{node: n, kind: pt.kind, list: pt.arg})
				continue
			}
			top.node.Children = append(top.node.Children, n)
			stack = append(stack, frame{node: n, kind: pt.kind, list: pt.arg})
		default:
			top.node.Children = append(top.node.Children, n)
		}
		if pt.orOther && n != nil {
			c.addOther(f, top.node, n, r)
		}
	}
	for len(stack) > 1 {
		top := stack[len(stack)-1]
		c.errorf(sh.Name, top.node.Row, c.columnHeader(colType), "unmatched begin %s %q: no matching end", map[rowKind]string{kindBeginGroup: "group", kindBeginRepeat: "repeat", kindBeginLoop: "loop"}[top.kind], top.node.Name)
		stack = stack[:len(stack)-1]
	}
}

// node builds the node of one survey row (not its children).
func (c *compiler) node(f *Form, r Row, pt parsedType, name string, label Text) *Node {
	sh := c.survey.Name
	cs := c.scols
	n := &Node{Name: name, Type: pt.typ, TypeArg: pt.arg, OrOther: pt.orOther, Row: r.Num}
	if pt.kind == kindBeginLoop {
		n.TypeArg = ""
	}
	if n.Name == "" {
		switch {
		case pt.typ == TypeNote:
			n.Name = fmt.Sprintf("generated_note_name_%d", r.Num)
		case pt.typ == TypeAudit:
			n.Name = "audit"
		default:
			what := "question"
			if pt.kind != kindQuestion {
				what = "group"
			}
			c.errorf(sh, r.Num, c.columnHeader(colName), "%s with no name", what)
			return nil
		}
	}
	if !ncName.MatchString(n.Name) {
		c.errorf(sh, r.Num, c.columnHeader(colName), "invalid name %q: names start with a letter or _ and contain only letters, digits, _, - and .", n.Name)
	}
	if n.Name == "meta" {
		// pyxform reserves it: it writes the form's own meta group
		// (instanceID…) there.
		c.errorf(sh, r.Num, c.columnHeader(colName), "the name \"meta\" is reserved for form metadata")
	}
	if pt.typ == TypeAudit && n.Name != "audit" {
		c.errorf(sh, r.Num, c.columnHeader(colName), "an audit's name must be empty or \"audit\"")
	}
	n.Label = label
	n.Hint = cs.text(r, colHint)
	if g := cs.text(r, colGuidanceHint); g != nil {
		if n.Extra == nil {
			n.Extra = map[string]string{}
		}
		for lang, v := range g {
			key := "guidance_hint"
			if lang != "" {
				key += "::" + lang
			}
			n.Extra[key] = v
		}
	}
	n.RequiredMessage = cs.text(r, colRequiredMessage)
	n.ConstraintMessage = cs.text(r, colConstraintMessage)
	for _, m := range []string{colImage, colBigImage, colAudio, colVideo} {
		if t := cs.text(r, m); t != nil {
			if n.Media == nil {
				n.Media = map[string]Text{}
			}
			n.Media[m] = t
		}
	}
	n.Required = boolExpr(cs.get(r, colRequired))
	n.Relevant = boolExpr(cs.get(r, colRelevant))
	n.Constraint = boolExpr(cs.get(r, colConstraint))
	n.Calculation = boolExpr(cs.get(r, colCalculation))
	n.ReadOnly = boolExpr(cs.get(r, colReadOnly))
	n.RepeatCount = cs.get(r, colRepeatCount)
	n.ChoiceFilter = cs.get(r, colChoiceFilter)
	n.Trigger = cs.get(r, colTrigger)
	n.Appearance = cs.get(r, colAppearance)
	n.Default = cs.get(r, colDefault)
	n.DynamicDefault = n.Default != "" && isDynamicDefault(n.Default, n.Type)
	for k, v := range cs.extra(r) {
		if n.Extra == nil {
			n.Extra = map[string]string{}
		}
		n.Extra[k] = v
	}
	if p := cs.get(r, colParameters); p != "" {
		n.Parameters = c.parameters(r, n, p)
	}
	if n.Type == TypeRange {
		if n.Parameters == nil {
			n.Parameters = map[string]string{}
		}
		for k, v := range map[string]string{"start": "1", "end": "10", "step": "1"} {
			if _, ok := n.Parameters[k]; !ok {
				n.Parameters[k] = v
			}
		}
		for _, k := range []string{"start", "end", "step"} {
			if _, err := strconv.ParseFloat(n.Parameters[k], 64); err != nil {
				c.errorf(sh, r.Num, c.columnHeader(colParameters), "range parameter %s must be a number, not %q", k, n.Parameters[k])
			}
		}
	}

	if pt.kind == kindQuestion && needsLabel(n.Type) && n.Calculation == "" && n.Label == nil && n.Hint == nil && n.Media == nil && !tableRow(n) {
		c.errorf(sh, r.Num, c.columnHeader(colLabel), "question %q has no label or hint", n.Name)
	}
	if pt.kind == kindBeginRepeat && n.Label == nil {
		c.warnf(sh, r.Num, c.columnHeader(colLabel), "repeat %q has no label", n.Name)
	}
	if n.Type == TypeCalculate && n.Calculation == "" && !n.DynamicDefault {
		c.errorf(sh, r.Num, c.columnHeader(colCalculation), "missing calculation for calculate %q", n.Name)
	}
	if n.RepeatCount != "" && pt.kind != kindBeginRepeat {
		c.warnf(sh, r.Num, c.columnHeader(colRepeatCount), "repeat_count is only used on begin repeat rows")
	}
	if n.OrOther && n.ChoiceFilter != "" {
		c.errorf(sh, r.Num, c.columnHeader(colChoiceFilter), "or_other cannot be used together with choice_filter")
	}
	c.checkList(r, n)
	return n
}

// tableRow reports whether n is a select shown as a row of a table-list
// grid, appearance "label" (the header row: choice labels only) or
// "list-nolabel" (the choices without their labels): such rows need no
// label of their own. pyxform refuses them without one; ODK Collect and
// Enketo render them, and forms use them so (a deliberate difference).
func tableRow(n *Node) bool {
	if !isSelect(n.Type) && n.Type != TypeSelectFile && n.Type != TypeSelectMultiFile {
		return false
	}
	for _, a := range strings.Fields(n.Appearance) {
		if a == "label" || a == "list-nolabel" {
			return true
		}
	}
	return false
}

// boolExpr normalises pyxform's yes/no spellings to XPath booleans.
func boolExpr(s string) string {
	switch {
	case s == "":
		return ""
	case isYes(s):
		return "true()"
	case isNo(s):
		return "false()"
	}
	return s
}

var spacedEquals = regexp.MustCompile(`\s*=\s*`)

var funcCall = regexp.MustCompile(`[\p{L}_][\p{L}\p{N}_.:\-]*\s*\(`)

// parameterKeys lists the parameters each type accepts.
func parameterKeys(t Type) map[string]bool {
	switch t {
	case TypeSelectOne, TypeSelectMulti, TypeRank, TypeSelectOneExternal:
		return map[string]bool{"randomize": true, "seed": true}
	case TypeSelectFile, TypeSelectMultiFile:
		return map[string]bool{"randomize": true, "seed": true, "value": true, "label": true}
	case TypeRange:
		return map[string]bool{"start": true, "end": true, "step": true, "tick_interval": true, "placeholder": true, "tick_labelset": true}
	case TypeText:
		return map[string]bool{"rows": true}
	case TypeImage:
		return map[string]bool{"max-pixels": true, "app": true}
	case TypeAudio:
		return map[string]bool{"quality": true}
	case TypeBackgroundAudio:
		return map[string]bool{"quality": true}
	case TypeGeopoint:
		return map[string]bool{"capture-accuracy": true, "warning-accuracy": true, "allow-mock-accuracy": true}
	case TypeGeotrace, TypeGeoshape:
		return map[string]bool{"incremental": true, "allow-mock-accuracy": true}
	case TypeAudit:
		return map[string]bool{"location-priority": true, "location-min-interval": true, "location-max-age": true, "track-changes": true, "identify-user": true, "track-changes-reasons": true}
	}
	return nil
}

// parameters parses "key=value" pairs separated by spaces, commas or
// semicolons; keys are lower-cased.
func (c *compiler) parameters(r Row, n *Node, s string) map[string]string {
	allowed := parameterKeys(n.Type)
	m := map[string]string{}
	s = strings.NewReplacer(",", " ", ";", " ").Replace(s)
	s = spacedEquals.ReplaceAllString(s, "=")
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		if !ok || k == "" || v == "" {
			c.errorf(c.survey.Name, r.Num, c.columnHeader(colParameters), "parameter %q is not key=value", kv)
			continue
		}
		if !allowed[k] {
			c.errorf(c.survey.Name, r.Num, c.columnHeader(colParameters), "unknown parameter %q for type %s", k, n.Type)
			continue
		}
		m[k] = v
	}
	if _, ok := m["seed"]; ok {
		if _, ok := m["randomize"]; !ok {
			c.errorf(c.survey.Name, r.Num, c.columnHeader(colParameters), "parameter seed needs randomize=true")
		}
	}
	if v, ok := m["randomize"]; ok && v != "true" && v != "false" {
		c.errorf(c.survey.Name, r.Num, c.columnHeader(colParameters), "parameter randomize must be true or false, not %q", v)
	}
	if v, ok := m["max-pixels"]; ok {
		if _, err := strconv.Atoi(v); err != nil {
			c.errorf(c.survey.Name, r.Num, c.columnHeader(colParameters), "parameter max-pixels must be a whole number, not %q", v)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// checkList checks that a select's list exists.
func (c *compiler) checkList(r Row, n *Node) {
	if !isSelect(n.Type) || strings.HasPrefix(n.TypeArg, "${") {
		return
	}
	var lists map[string]*ChoiceList
	where := "choices"
	switch n.Type {
	case TypeSelectOneExternal:
		lists, where = c.external, "external_choices"
	case TypeOSM:
		lists, where = c.osm, "osm"
		if lists == nil || n.TypeArg == "" {
			return // OSM tags are optional
		}
	default:
		lists = c.lists
		if lists == nil && !c.hasChoicesHeaders {
			hint := ""
			if s := similarSheet(c.wb, "choices"); s != "" && c.wb.Sheet("choices") == nil {
				hint = fmt.Sprintf(" (did you mean to name sheet %q \"choices\"?)", s)
			}
			c.errorf(c.survey.Name, r.Num, c.columnHeader(colType), "list %q: there is no choices sheet with list_name, name and label columns%s", n.TypeArg, hint)
			return
		}
	}
	l := lists[n.TypeArg]
	if l == nil {
		c.errorf(c.survey.Name, r.Num, c.columnHeader(colType), "list name not in %s sheet: %s", where, n.TypeArg)
		return
	}
	if n.Type == TypeSelectMulti && !c.spaceChecked[l.Name] {
		// A select_multiple answer is its choice names separated by spaces.
		c.spaceChecked[l.Name] = true
		for _, ch := range l.Choices {
			if strings.ContainsAny(ch.Name, " \t") {
				c.errorf(where, ch.Row, "name", "choice name %q of list %q contains a space, which select_multiple %q cannot store", ch.Name, l.Name, n.Name)
			}
		}
	}
}

// addOther adds the "other" choice and the "<name>_other" text question
// that or_other implies, as pyxform does.
func (c *compiler) addOther(f *Form, parent, n *Node, r Row) {
	if l := c.lists[n.TypeArg]; l != nil {
		has := false
		for _, ch := range l.Choices {
			if ch.Name == "other" {
				has = true
			}
		}
		if !has {
			lbl := Text{}
			for lang := range c.labelLangs() {
				lbl[lang] = otherWords(lang).choice
			}
			if len(lbl) == 0 {
				lbl[""] = "Other"
			}
			l.Choices = append(l.Choices, &Choice{Name: "other", Label: lbl})
		}
	}
	// pyxform labels the generated question "Specify other." in no language;
	// Sira gives it the select's languages, so a French interview stays French.
	label := Text{}
	for lang := range n.Label {
		w := otherWords(lang)
		if !w.known {
			c.warnf(c.survey.Name, r.Num, c.columnHeader(colType), "or_other of %q: no translation of \"Specify other.\" for language %q; English used", n.Name, lang)
		}
		label[lang] = w.specify
	}
	if len(label) == 0 {
		label[""] = "Specify other."
	}
	o := &Node{
		Name:     n.Name + "_other",
		Type:     TypeText,
		Label:    label,
		Relevant: "selected(${" + n.Name + "}, 'other')",
		Row:      n.Row,
	}
	parent.Children = append(parent.Children, o)
}

func (c *compiler) labelLangs() map[string]bool {
	m := map[string]bool{}
	for _, col := range c.scols.byKey[colLabel] {
		m[col.lang] = true
	}
	return m
}

// expandLoop turns "begin loop over L" into one group per choice of L, with
// "%(name)s" and "%(label)s" replaced in the copied children's labels.
func (c *compiler) expandLoop(fr *frame) {
	loop := fr.node
	l := c.lists[fr.list]
	if l == nil {
		c.errorf(c.survey.Name, loop.Row, c.columnHeader(colType), "list name not in choices sheet: %s", fr.list)
		return
	}
	body := loop.Children
	loop.Children = nil
	for _, ch := range l.Choices {
		g := &Node{Name: ch.Name, Type: TypeGroup, Label: ch.Label, Row: loop.Row}
		for _, b := range body {
			g.Children = append(g.Children, cloneSubst(b, ch))
		}
		loop.Children = append(loop.Children, g)
	}
}

func cloneSubst(n *Node, ch *Choice) *Node {
	cp := *n
	subst := func(t Text) Text {
		if t == nil {
			return nil
		}
		out := Text{}
		for lang, v := range t {
			lbl := ch.Label[lang]
			if lbl == "" {
				lbl = ch.Label[""]
			}
			out[lang] = strings.NewReplacer("%(name)s", ch.Name, "%(label)s", lbl).Replace(v)
		}
		return out
	}
	cp.Label = subst(n.Label)
	cp.Hint = subst(n.Hint)
	cp.Children = nil
	for _, k := range n.Children {
		cp.Children = append(cp.Children, cloneSubst(k, ch))
	}
	return &cp
}

// languages fills Form.Languages from the translatable survey and choices
// columns, warning about columns missing a language the form uses.
func (c *compiler) languages(f *Form) {
	seen := map[string]bool{}
	var langs []string
	add := func(cols *columns) {
		for _, col := range cols.all {
			if translatable[col.key] && !seen[col.lang] {
				seen[col.lang] = true
				langs = append(langs, col.lang)
			}
		}
	}
	add(c.scols)
	if s := c.wb.Sheet("choices"); s != nil {
		add(resolveHeaders(&collector{}, s, choicesAliases))
	}
	if len(langs) == 1 && langs[0] == "" {
		langs = nil
	}
	f.Languages = langs
	if len(langs) > 1 {
		for _, key := range []string{colLabel, colHint} {
			have := map[string]bool{}
			for _, col := range c.scols.byKey[key] {
				have[col.lang] = true
			}
			if len(have) == 0 {
				continue
			}
			for _, l := range langs {
				if l != "" && !have[l] {
					c.warnf(c.survey.Name, 1, "", "no %s column for language %q", key, l)
				}
			}
		}
	}
}

// loadFiles fills Form.Files with the files the form reads beside it:
// select_one_from_file choices (.csv, .geojson), pulldata() and
// instance('name') CSVs, csv-external instances, and the external_choices
// lists of select_one_external questions (ODK's itemsets.csv). A missing
// file is a warning naming it, or a problem with CompileOptions.RequireFiles
// (the laptop needs every file).
func (c *compiler) loadFiles(f *Form) {
	var walk func(n *Node)
	walk = func(n *Node) {
		switch {
		case (n.Type == TypeSelectFile || n.Type == TypeSelectMultiFile) && n.TypeArg != "":
			// The file's instance is named by its name without extension,
			// as a choice list's is by its list name: pyxform refuses two
			// instances of one name.
			if stem := strings.TrimSuffix(n.TypeArg, filepath.Ext(n.TypeArg)); c.lists[stem] != nil {
				c.errorf(c.survey.Name, n.Row, c.columnHeader(colType), "file %s and the choice list %q would both be instance('%s'): rename one", n.TypeArg, stem, stem)
				return
			}
			c.loadFile(f, n, n.TypeArg, n.Parameters["value"], n.Parameters["label"])
		case n.Type == TypeCSVExternal:
			c.loadFile(f, n, n.Name+".csv", anyColumn, "")
		case n.Type == TypeSelectOneExternal:
			if l := c.external[n.TypeArg]; l != nil {
				if f.Files == nil {
					f.Files = map[string]*ChoiceList{}
				}
				f.Files[n.TypeArg] = l
			}
		}
		for _, src := range []string{n.Calculation, n.Default, n.Relevant, n.Constraint, n.ChoiceFilter, n.Required, n.ReadOnly} {
			for _, m := range fileCall.FindAllStringSubmatch(src, -1) {
				name := m[2]
				if m[1] == "instance" {
					if c.lists[name] != nil || c.external[name] != nil || f.Files[name] != nil || fileInstance(f, name) {
						continue // a choices list or a file already loaded
					}
					if filepath.Ext(name) == "" {
						name += ".csv"
					}
				} else if filepath.Ext(name) == "" {
					name += ".csv"
				}
				c.loadFile(f, n, name, anyColumn, "")
			}
		}
		for _, k := range n.Children {
			walk(k)
		}
	}
	walk(f.Root)
}

// anyColumn as a value column reads a CSV whose rows need no "name"
// column (pulldata tables); the first column then names each row.
const anyColumn = "\x00any"

// fileCall finds pulldata('file', …) and instance('name') in an expression.
var fileCall = regexp.MustCompile(`\b(pulldata|instance)\s*\(\s*['"]([^'"]+)['"]`)

// fileInstance reports whether instance('name') names a file of f by its
// name without extension, as ODK names a select_one_from_file's instance.
func fileInstance(f *Form, name string) bool {
	for k := range f.Files {
		if strings.TrimSuffix(k, filepath.Ext(k)) == name {
			return true
		}
	}
	return false
}

// loadFile reads the file name (a choices list) for node n into f.Files.
func (c *compiler) loadFile(f *Form, n *Node, name, valueCol, labelCol string) {
	if f.Files[name] != nil {
		return
	}
	l := c.opts.Files[name]
	if l == nil {
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".csv" && ext != ".geojson" {
			// .xml files are shipped as they are; Sira reads CSV and GeoJSON.
			c.warnf(c.survey.Name, n.Row, c.columnHeader(colType), "file %s is not a CSV or GeoJSON file; its choices are not checked", name)
			return
		}
		path := filepath.Join(c.opts.Dir, name)
		if filepath.Base(name) != name || name == "" {
			c.errorf(c.survey.Name, n.Row, c.columnHeader(colType), "file name %q: the file must be beside the form", name)
			return
		}
		var err error
		if c.opts.Dir == "" {
			err = os.ErrNotExist
		} else if ext == ".geojson" {
			l, err = readChoiceGeoJSON(path, valueCol, labelCol)
		} else {
			l, err = readChoiceCSV(path, valueCol, labelCol)
		}
		if errors.Is(err, os.ErrNotExist) {
			if c.opts.RequireFiles {
				c.errorf(c.survey.Name, n.Row, c.columnHeader(colType), "file %s is not beside the form: compiling for laptops needs it", name)
			} else {
				c.warnf(c.survey.Name, n.Row, c.columnHeader(colType), "file %s is not beside the form: put it there before compiling or publishing (ODK attaches it as a media file)", name)
			}
			c.missing = append(c.missing, name)
			return
		}
		if err != nil {
			c.errorf(c.survey.Name, n.Row, c.columnHeader(colType), "file %s: %v", name, err)
			return
		}
	}
	if f.Files == nil {
		f.Files = map[string]*ChoiceList{}
	}
	f.Files[name] = l
}

// readChoiceCSV reads a select_one_from_file CSV: a header row, then one
// choice per row, value in the "name" column (or valueCol), label in
// "label" (or labelCol, or any "label::Lang" columns).
func readChoiceCSV(path, valueCol, labelCol string) (*ChoiceList, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)
	}
	r := csv.NewReader(bytes.NewReader(textToUTF8(data)))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	anyKey := valueCol == anyColumn
	if valueCol == "" || anyKey {
		valueCol = "name"
	}
	if labelCol == "" {
		labelCol = "label"
	}
	vi := -1
	labels := map[int]string{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		switch {
		case h == valueCol:
			vi = i
		case h == labelCol:
			labels[i] = ""
		case strings.HasPrefix(h, labelCol+"::"):
			labels[i] = strings.TrimPrefix(h, labelCol+"::")
		}
	}
	keepFirst := false
	if vi < 0 && anyKey && len(header) > 0 {
		vi, keepFirst = 0, true // a pulldata() table: its rows are keyed by any column
	}
	if vi < 0 {
		return nil, fmt.Errorf("no %q column", valueCol)
	}
	l := &ChoiceList{Name: filepath.Base(path)}
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if row > MaxSheetRows {
			return nil, fmt.Errorf("%w: more than %d rows", ErrTooLarge, MaxSheetRows)
		}
		get := func(i int) string {
			if i < len(rec) {
				return cleanCell(rec[i])
			}
			return ""
		}
		ch := &Choice{Name: get(vi), Row: row}
		if ch.Name == "" {
			continue
		}
		for i, lang := range labels {
			if v := get(i); v != "" {
				if ch.Label == nil {
					ch.Label = Text{}
				}
				ch.Label[lang] = v
			}
		}
		for i, h := range header {
			if _, isLabel := labels[i]; (i == vi && !keepFirst) || isLabel || h == "" {
				continue
			}
			if v := get(i); v != "" {
				if ch.Extra == nil {
					ch.Extra = map[string]string{}
				}
				ch.Extra[h] = v
			}
		}
		l.Choices = append(l.Choices, ch)
	}
	return l, nil
}

// sortProblems orders problems by sheet (workbook order, workbook-level
// first) then row, keeping discovery order otherwise.
func sortProblems(wb *Workbook, ps Problems) {
	rank := map[string]int{"": -1}
	for i, s := range wb.Sheets {
		rank[s.Name] = i
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ri, rj := rank[ps[i].Sheet], rank[ps[j].Sheet]; ri != rj {
			return ri < rj
		}
		return ps[i].Row < ps[j].Row
	})
}

// similarSheet returns the name of a sheet that looks like a misspelling
// of want ("Survey1", "choice", "setings"), or "".
func similarSheet(wb *Workbook, want string) string {
	for _, s := range wb.Sheets {
		name := strings.ToLower(strings.TrimSpace(s.Name))
		if name == want {
			continue
		}
		if editDistance(name, want) <= 2 || (len(name) > 3 && (strings.HasPrefix(name, want) || strings.HasPrefix(want, name))) {
			return s.Name
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// otherText is what or_other adds, in one language.
type otherText struct {
	choice, specify string
	known           bool
}

// otherWords returns the or_other texts for a language key such as
// "Français (fr)" or "English (en)", by its code in parentheses or its name.
// The untranslated column "" gets English, as pyxform does.
func otherWords(lang string) otherText {
	code := strings.ToLower(lang)
	if i, j := strings.LastIndex(code, "("), strings.LastIndex(code, ")"); i >= 0 && j > i {
		code = strings.TrimSpace(code[i+1 : j])
	}
	switch {
	case code == "" || code == "en" || strings.HasPrefix(code, "en-") || strings.HasPrefix(code, "english"):
		return otherText{"Other", "Specify other.", true}
	case code == "fr" || strings.HasPrefix(code, "fr-") || strings.HasPrefix(code, "fran"):
		return otherText{"Autre", "Préciser autre.", true}
	case code == "es" || strings.HasPrefix(code, "es-") || strings.HasPrefix(code, "espa"):
		return otherText{"Otro", "Especifique otro.", true}
	case code == "pt" || strings.HasPrefix(code, "pt-") || strings.HasPrefix(code, "portugu"):
		return otherText{"Outro", "Especifique outro.", true}
	}
	return otherText{"Other", "Specify other.", false}
}
