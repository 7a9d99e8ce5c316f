package survey

import (
	"fmt"
	"strings"
	"sync"

	"sira/forms"
	"sira/forms/xpath"
)

// Plan is what the engine derives from a form once: parsed expressions,
// the dependency graph and an evaluation order. It is safe to share between
// engines and goroutines; build it once per form when many
// interviews are opened, as Simulate does.
type Plan struct {
	form   *forms.Form
	root   *nodeInfo
	infos  []*nodeInfo // document order, root first
	byNode map[*forms.Node]*nodeInfo
	byPath map[string]*nodeInfo
	byName map[string]*nodeInfo
	ranks  int // number of distinct ranks
	kids   int // children of all containers: the slots of a tree with one instance per repeat
	lists  map[*forms.ChoiceList]map[string]int

	mu   sync.Mutex
	secs map[secKey]*staticNode // secondary instances by language and id, built on first use
}

// secKey names a secondary instance in one language.
type secKey struct{ lang, id string }

// nodeInfo is the plan's view of one form node.
type nodeInfo struct {
	node    *forms.Node
	doc     int         // document order
	pos     int         // index in the parent's Children
	parent  *nodeInfo   // nil for the root
	kids    []*nodeInfo // the node's children's infos, in order
	fields  int         // root and repeats: values stored at this level, to size the record's map
	chain   []*nodeInfo // from the root's child down to this node
	repeats []*nodeInfo // enclosing repeats, outermost first, excluding the node itself
	single  bool        // no repeat on the chain: exactly one elem
	lo, hi  float64     // numeric bounds read from the constraint, for Simulate
	fit     *fitInfo    // what Simulate fits answers to (simulate_fit.go); nil: nothing
	rank    int         // topological rank: dependencies have lower ranks
	deps    []*nodeInfo // nodes whose state reads this node (expressions), plus children (relevance)
	masks   []uint8     // per dep: which of its expressions read this node (dep* bits)
	x       exprs
	// triggers are the nodes whose calculation runs when this node's value
	// is changed by the enumerator (the trigger column).
	triggers []*nodeInfo
	// A select's choice list when the form has it (nil when only
	// EngineOptions.Files may), its secondary instance's id and its
	// choices' positions.
	list    *forms.ChoiceList
	listID  string
	choices map[string]int
	// The node's type as the engine asks about it for every elem: Type is
	// a string, and comparing it to each type name is not free.
	container, sel, multi bool
	staticRO              bool  // read-only whatever the answers
	bare                  bool  // no expression of its own: its state is static or its parent's
	typed                 uint8 // how answers read in expressions (typed*)
}

// exprs are the node's parsed expressions: the form's own (set by
// forms.Prepare) or, for hand-built forms, parsed here.
type exprs struct {
	required, relevant, constraint, calculation, readOnly, repeatCount, choiceFilter, def *expr
	outputs                                                                               map[string]*expr
	alwaysRequired, alwaysReadOnly                                                        bool
}

// expr is a parsed expression with its ${} references looked up once, so
// that evaluating it resolves a ${name} without a lookup by name.
type expr struct {
	*xpath.Expr
	refs []fieldRef // Fields(), each with its node (nil when the form has none)
}

type fieldRef struct {
	name string
	ni   *nodeInfo
}

func wrap(x *xpath.Expr) *expr {
	if x == nil {
		return nil
	}
	return &expr{Expr: x}
}

// bind looks up x's ${} references; byName must be complete.
func (p *Plan) bind(x *expr) {
	if x == nil {
		return
	}
	for _, name := range x.Fields() {
		x.refs = append(x.refs, fieldRef{name, p.byName[name]})
	}
}

// constant turns true() and false() into a flag: (nil, true) and (nil, false).
func constant(x *expr) (*expr, bool) {
	if x == nil {
		return nil, false
	}
	switch strings.TrimSpace(x.String()) {
	case "true()":
		return nil, true
	case "false()":
		return nil, false
	}
	return x, false
}

// NewPlan analyses f. It fails on an expression that does not parse.
func NewPlan(f *forms.Form) (*Plan, error) {
	if f == nil || f.Root == nil {
		return nil, fmt.Errorf("plan: form has no root")
	}
	p := &Plan{form: f, byNode: map[*forms.Node]*nodeInfo{}, byPath: map[string]*nodeInfo{}, byName: map[string]*nodeInfo{}}
	var walk func(n *forms.Node, parent *nodeInfo, pos int) error
	walk = func(n *forms.Node, parent *nodeInfo, pos int) error {
		ni := &nodeInfo{node: n, doc: len(p.infos), pos: pos, parent: parent}
		path := n.Path
		if path == "" {
			// Hand-built forms may leave paths out; derive them as the compiler does.
			if parent == nil {
				path = "/" + n.Name
			} else {
				path = parent.node.Path + "/" + n.Name
			}
			n.Path = path
		}
		if parent != nil {
			ni.chain = append(append([]*nodeInfo(nil), parent.chain...), ni)
			ni.repeats = parent.repeats
			if parent.node.Type == forms.TypeRepeat {
				ni.repeats = append(append([]*nodeInfo(nil), parent.repeats...), parent)
			}
		}
		ni.single = n.Type != forms.TypeRepeat && len(ni.repeats) == 0
		p.infos = append(p.infos, ni)
		if parent != nil {
			parent.kids = append(parent.kids, ni)
		}
		p.byNode[n] = ni
		p.byPath[path] = ni
		if _, dup := p.byName[n.Name]; !dup && parent != nil {
			p.byName[n.Name] = ni
		}
		if err := ni.parse(); err != nil {
			return err
		}
		for i, c := range n.Children {
			if err := walk(c, ni, i); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(f.Root, nil, 0); err != nil {
		return nil, err
	}
	p.root = p.infos[0]
	for _, ni := range p.infos {
		p.kids += len(ni.kids)
	}
	for _, ni := range p.infos[1:] {
		if isContainer(ni.node) {
			continue
		}
		level := p.root
		if len(ni.repeats) > 0 {
			level = ni.repeats[len(ni.repeats)-1]
		}
		level.fields++
	}
	p.lists = map[*forms.ChoiceList]map[string]int{}
	for _, l := range f.Lists {
		p.lists[l] = indexList(l)
	}
	for _, l := range f.Files {
		p.lists[l] = indexList(l)
	}
	for _, ni := range p.infos {
		if isSelect(ni.node) {
			if ni.list, ni.listID = formList(f, ni.node); ni.list != nil {
				if p.lists[ni.list] == nil {
					p.lists[ni.list] = indexList(ni.list) // a hand-built node's own list
				}
				ni.choices = p.lists[ni.list]
			}
		}
	}
	for _, ni := range p.infos {
		x := &ni.x
		for _, ex := range []*expr{x.required, x.relevant, x.constraint, x.calculation, x.readOnly, x.repeatCount, x.choiceFilter, x.def} {
			p.bind(ex)
		}
		for _, ex := range x.outputs {
			p.bind(ex)
		}
	}
	p.link()
	p.order()
	return p, nil
}

// Form returns the plan's form.
func (p *Plan) Form() *forms.Form { return p.form }

func (ni *nodeInfo) parse() error {
	n := ni.node
	pick := func(pre *xpath.Expr, src, col string) (*xpath.Expr, error) {
		if pre != nil || strings.TrimSpace(src) == "" {
			return pre, nil
		}
		x, err := xpath.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %s %q: %w", n.Path, col, src, err)
		}
		return x, nil
	}
	var err error
	set := func(dst **expr, pre *xpath.Expr, src, col string) {
		if err == nil {
			var x *xpath.Expr
			x, err = pick(pre, src, col)
			*dst = wrap(x)
		}
	}
	e := &n.Exprs
	set(&ni.x.required, e.Required, n.Required, "required")
	set(&ni.x.relevant, e.Relevant, n.Relevant, "relevant")
	set(&ni.x.constraint, e.Constraint, n.Constraint, "constraint")
	set(&ni.x.calculation, e.Calculation, n.Calculation, "calculation")
	set(&ni.x.readOnly, e.ReadOnly, n.ReadOnly, "read_only")
	set(&ni.x.repeatCount, e.RepeatCount, n.RepeatCount, "repeat_count")
	set(&ni.x.choiceFilter, e.ChoiceFilter, n.ChoiceFilter, "choice_filter")
	if n.DynamicDefault {
		set(&ni.x.def, e.Default, n.Default, "default")
	}
	if err != nil {
		return err
	}
	// Most required columns say "yes": no need to evaluate true() each time.
	ni.x.required, ni.x.alwaysRequired = constant(ni.x.required)
	ni.x.readOnly, ni.x.alwaysReadOnly = constant(ni.x.readOnly)
	if ni.x.relevant != nil && strings.TrimSpace(ni.x.relevant.String()) == "true()" {
		ni.x.relevant = nil
	}
	ni.lo, ni.hi = bounds(n)
	ni.fit = newFitInfo(n)
	ni.container, ni.sel, ni.multi = isContainer(n), isSelect(n), isMulti(n)
	ni.staticRO = staticReadOnly(n, &ni.x)
	x := &ni.x
	ni.bare = x.relevant == nil && x.required == nil && x.readOnly == nil && x.calculation == nil && x.constraint == nil
	ni.typed = typedKind(n.Type)
	ni.x.outputs = make(map[string]*expr, len(e.Outputs))
	for name, x := range e.Outputs {
		ni.x.outputs[name] = wrap(x)
	}
	if e.Outputs == nil {
		texts := []forms.Text{n.Label, n.Hint, n.RequiredMessage, n.ConstraintMessage}
		for _, t := range texts {
			for _, s := range t {
				for _, name := range outputNames(s) {
					if _, ok := ni.x.outputs[name]; !ok {
						x, perr := xpath.Parse("${" + name + "}")
						if perr != nil {
							return fmt.Errorf("%s: label reference ${%s}: %w", n.Path, name, perr)
						}
						ni.x.outputs[name] = wrap(x)
					}
				}
			}
		}
	}
	return nil
}

// all lists the node's expressions that the engine caches state for.
func (x *exprs) all() []*expr {
	return []*expr{x.required, x.relevant, x.constraint, x.calculation, x.readOnly, x.repeatCount}
}

// link fills deps: the form's own Node.Deps, plus what the expressions'
// ${} references and absolute paths say (so hand-built forms and paths the
// compiler did not resolve still update), plus parent → child edges
// because a child's relevance follows its group's.
func (p *Plan) link() {
	add := func(from, to *nodeInfo, m uint8, onlyNew bool) {
		if from == nil || to == nil {
			return
		}
		for i, d := range from.deps {
			if d == to {
				if !onlyNew {
					from.masks[i] |= m
				}
				return
			}
		}
		from.deps = append(from.deps, to)
		from.masks = append(from.masks, m)
	}
	for _, ni := range p.infos {
		x := &ni.x
		for _, k := range []struct {
			e *expr
			m uint8
		}{{x.required, depReq}, {x.relevant, depRel}, {x.constraint, depCons}, {x.calculation, depCalc}, {x.readOnly, depRO}, {x.repeatCount, depCount}} {
			if k.e == nil {
				continue
			}
			for _, name := range k.e.Fields() {
				add(p.byName[name], ni, k.m, false)
			}
			for _, path := range k.e.Paths() {
				add(p.resolvePath(ni, path), ni, k.m, false)
			}
		}
		if ni.parent != nil {
			add(ni.parent, ni, depParent, false)
		}
		for _, name := range outputNames(ni.node.Trigger) {
			if src := p.byName[name]; src != nil {
				src.triggers = append(src.triggers, ni)
			}
		}
	}
	// The compiler's graph may know edges the expressions' own references
	// do not show; of unknown kind, they re-evaluate everything.
	for _, ni := range p.infos {
		for _, d := range ni.node.Deps {
			add(ni, p.byNode[d], depAll, true)
		}
	}
}

// resolvePath maps a path an expression reads to the node it designates,
// or nil ("." and unresolvable paths: the engine re-evaluates a node's own
// constraint whenever its value changes anyway).
func (p *Plan) resolvePath(from *nodeInfo, path string) *nodeInfo {
	path = strings.TrimPrefix(path, "current()")
	if strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//") {
		return p.byPath[path]
	}
	// Relative: from the node's own path (a field's "../x" is its sibling).
	base := from.node.Path
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		switch seg {
		case "", ".":
		case "..":
			if i := strings.LastIndexByte(base, '/'); i > 0 {
				base = base[:i]
			}
		default:
			base += "/" + seg
		}
	}
	if base == from.node.Path {
		return nil
	}
	return p.byPath[base]
}

// order assigns ranks by longest path from the sources (Kahn by layers), so
// that every edge goes to a strictly higher rank. Nodes on a cycle (which
// the compiler should have rejected) get ranks after all others, in
// document order; the engine's update loop tolerates the backward edges.
func (p *Plan) order() {
	indeg := make([]int, len(p.infos))
	for _, ni := range p.infos {
		for _, d := range ni.deps {
			indeg[d.doc]++
		}
	}
	done := make([]bool, len(p.infos))
	var layer []*nodeInfo
	for _, ni := range p.infos {
		if indeg[ni.doc] == 0 {
			layer = append(layer, ni)
		}
	}
	rank := 0
	for len(layer) > 0 {
		var next []*nodeInfo
		for _, ni := range layer {
			ni.rank = rank
			done[ni.doc] = true
			for _, d := range ni.deps {
				if indeg[d.doc]--; indeg[d.doc] == 0 {
					next = append(next, d)
				}
			}
		}
		layer = next
		rank++
	}
	for _, ni := range p.infos {
		if !done[ni.doc] {
			ni.rank = rank
			rank++
		}
	}
	p.ranks = rank
}

// outputNames lists the ${name} references in a label or message.
func outputNames(s string) []string {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, strings.TrimSpace(s[i+2:i+j]))
		s = s[i+j+1:]
	}
}
