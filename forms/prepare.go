package forms

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"

	"sira/forms/xpath"
)

// maxCycleShown bounds the names a dependency-cycle problem lists.
const maxCycleShown = 12

// Prepare fills what is derived from the tree and not serialised: paths,
// parents, indices, parsed expressions, resolved lists and the dependency
// graph. Compile and Load call it; call it again after editing a Form by
// hand. It returns Problems when an expression does not parse, a reference
// does not resolve or calculations form a cycle.
func (f *Form) Prepare() error {
	c := &collector{}
	if msg := f.shapeProblem(); msg != "" {
		c.errorf("", 0, "", "%s", msg)
		return c.problems
	}
	f.prepare(c, func(key string) string { return key })
	if len(c.problems) > 0 {
		return c.problems
	}
	return nil
}

// shapeProblem describes what makes f impossible to walk, or returns "".
// A decoded compiled form can hold JSON nulls where nodes, lists or choices
// belong; Load must refuse such a file, not panic on it.
func (f *Form) shapeProblem() string {
	var walk func(n *Node, depth int) string
	walk = func(n *Node, depth int) string {
		if depth > MaxNesting+1 {
			return fmt.Sprintf("groups and repeats nested more than %d deep", MaxNesting)
		}
		for i, k := range n.Children {
			if k == nil {
				return fmt.Sprintf("group %q: child %d is null", n.Name, i+1)
			}
			if msg := walk(k, depth+1); msg != "" {
				return msg
			}
		}
		return ""
	}
	if f.Root != nil {
		if msg := walk(f.Root, 0); msg != "" {
			return msg
		}
	}
	for _, lists := range []map[string]*ChoiceList{f.Lists, f.Files} {
		for name, l := range lists {
			if l == nil {
				return fmt.Sprintf("choice list %q is null", name)
			}
			for i, ch := range l.Choices {
				if ch == nil {
					return fmt.Sprintf("choice list %q: choice %d is null", name, i+1)
				}
			}
		}
	}
	return ""
}

// Nodes returns every node in document order, the root first.
func (f *Form) Nodes() []*Node { return f.nodes }

// Node returns the node at an absolute path ("/data/legs/country"), or nil.
func (f *Form) Node(path string) *Node { return f.byPath[path] }

// ByName returns the node with that name, or nil when there is none or the
// name is used more than once (then use Node with a path).
func (f *Form) ByName(name string) *Node { return f.byName[name] }

// Questions returns the nodes that hold an answer (everything but the root,
// groups and repeats), in document order.
func (f *Form) Questions() []*Node {
	var qs []*Node
	for _, n := range f.nodes {
		if n.Type != TypeGroup && n.Type != TypeRepeat {
			qs = append(qs, n)
		}
	}
	return qs
}

// Lang returns the language key of f that code names: the key itself, a
// key ending in "(code)", or one equal to code ignoring case. It returns
// DefaultLanguage's key, or "" when nothing matches.
func (f *Form) Lang(code string) string {
	for _, l := range f.Languages {
		if l == code {
			return l
		}
	}
	for _, l := range f.Languages {
		if strings.HasSuffix(strings.ToLower(l), "("+strings.ToLower(code)+")") || strings.EqualFold(l, code) {
			return l
		}
	}
	if code != f.DefaultLanguage && f.DefaultLanguage != "" {
		return f.Lang(f.DefaultLanguage)
	}
	return ""
}

// In returns the text in lang, else in fallback, else the untranslated
// text, else any translation (the first in key order), else "".
func (t Text) In(lang, fallback string) string {
	if v, ok := t[lang]; ok && v != "" {
		return v
	}
	if v, ok := t[fallback]; ok && v != "" {
		return v
	}
	if v := t[""]; v != "" {
		return v
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// exprCol is one expression column of a node.
type exprCol struct {
	key  string
	src  *string
	dst  **xpath.Expr
	flow bool // feeds a value or relevance: part of cycle detection
}

func (n *Node) exprCols() []exprCol {
	cols := []exprCol{
		{colRequired, &n.Required, &n.Exprs.Required, false},
		{colRelevant, &n.Relevant, &n.Exprs.Relevant, true},
		{colConstraint, &n.Constraint, &n.Exprs.Constraint, false},
		{colCalculation, &n.Calculation, &n.Exprs.Calculation, true},
		{colReadOnly, &n.ReadOnly, &n.Exprs.ReadOnly, false},
		{colChoiceFilter, &n.ChoiceFilter, &n.Exprs.ChoiceFilter, false},
	}
	if n.Type == TypeRepeat {
		cols = append(cols, exprCol{colRepeatCount, &n.RepeatCount, &n.Exprs.RepeatCount, true})
	}
	if n.DynamicDefault {
		cols = append(cols, exprCol{colDefault, &n.Default, &n.Exprs.Default, true})
	}
	return cols
}

// prepare is Prepare with problems reported to c, columns named by header.
func (f *Form) prepare(c *collector, header func(key string) string) {
	const sheet = "survey"
	f.nodes = nil
	f.byPath = map[string]*Node{}
	f.byName = map[string]*Node{}
	if f.Root == nil {
		c.errorf("", 0, "", "form has no root")
		return
	}
	repeatNames := map[string]*Node{}
	var walk func(n, parent, repeat *Node)
	walk = func(n, parent, repeat *Node) {
		n.Parent, n.Repeat = parent, repeat
		n.Index = len(f.nodes)
		n.Exprs = Exprs{}
		n.Deps = nil
		n.List = nil
		if parent == nil {
			n.Path = "/" + n.Name
		} else {
			n.Path = parent.Path + "/" + n.Name
		}
		f.nodes = append(f.nodes, n)
		if prev, dup := f.byPath[n.Path]; dup {
			c.errorf(sheet, n.Row, header(colName), "duplicate name %q in the same group (also on row %d)", n.Name, prev.Row)
		} else {
			f.byPath[n.Path] = n
		}
		if parent != nil {
			if _, seen := f.byName[n.Name]; seen {
				f.byName[n.Name] = nil
			} else {
				f.byName[n.Name] = n
			}
		}
		if n.Type == TypeRepeat {
			if prev := repeatNames[n.Name]; prev != nil {
				c.errorf(sheet, n.Row, header(colName), "repeat name %q is used twice (also on row %d); repeat names must be unique in the form", n.Name, prev.Row)
			}
			if n.Name == f.Root.Name {
				c.errorf(sheet, n.Row, header(colName), "repeat name %q is the form's root name", n.Name)
			}
			repeatNames[n.Name] = n
			repeat = n
		}
		for _, k := range n.Children {
			walk(k, n, repeat)
		}
	}
	walk(f.Root, nil, nil)

	for _, n := range f.nodes {
		switch {
		case n.Type == TypeSelectFile || n.Type == TypeSelectMultiFile:
			n.List = f.Files[n.TypeArg]
		case isSelect(n.Type) && !strings.HasPrefix(n.TypeArg, "${"):
			n.List = f.Lists[n.TypeArg]
		}
	}

	// reads[n] lists the nodes n's expressions read; flow edges feed values
	// and relevance and must not form cycles.
	g := &depGraph{reads: map[*Node][]*Node{}, flow: map[*Node][]*Node{}}
	for _, n := range f.nodes[1:] {
		f.prepareNode(c, g, n, header)
	}
	f.orderDeps(c, g)
	f.prepareOthers(c)
}

// resolveRef returns the one node a ${name} names, reporting a problem when
// there is none or more than one.
func (f *Form) resolveRef(c *collector, n *Node, column, name string) *Node {
	return f.resolveRefAt(c, "survey", n.Row, column, name)
}

func (f *Form) resolveRefAt(c *collector, sheet string, row int, column, name string) *Node {
	t, ok := f.byName[name]
	if !ok {
		c.errorf(sheet, row, column, "unknown field ${%s}", name)
		return nil
	}
	if t == nil {
		c.errorf(sheet, row, column, "ambiguous field ${%s}: several questions have that name", name)
	}
	return t
}

// prepareOthers checks the references outside the survey sheet: the
// settings' instance_name and the choices' labels.
func (f *Form) prepareOthers(c *collector) {
	if f.InstanceName != "" {
		if refs, err := textRefs(f.InstanceName); err != nil {
			c.errorf("settings", 2, "instance_name", "%v", err)
		} else if _, err := xpath.Parse(f.InstanceName); err != nil {
			c.errorf("settings", 2, "instance_name", "%v", err)
		} else {
			for _, name := range refs {
				f.resolveRefAt(c, "settings", 2, "instance_name", name)
			}
		}
	}
	for _, ln := range sortedKeys(f.Lists) {
		for _, ch := range f.Lists[ln].Choices {
			for _, lang := range sortedKeys(ch.Label) {
				col := "label"
				if lang != "" {
					col += "::" + lang
				}
				names, err := textRefs(ch.Label[lang])
				if err != nil {
					c.errorf("choices", ch.Row, col, "%v", err)
					continue
				}
				for _, name := range names {
					f.resolveRefAt(c, "choices", ch.Row, col, name)
				}
			}
		}
	}
}

type depGraph struct {
	reads map[*Node][]*Node
	flow  map[*Node][]*Node
}

func (f *Form) prepareNode(c *collector, g *depGraph, n *Node, header func(string) string) {
	add := func(target *Node, flow bool) {
		if target == nil || target == n {
			return
		}
		g.reads[n] = append(g.reads[n], target)
		if flow {
			g.flow[n] = append(g.flow[n], target)
		}
	}
	for _, ec := range n.exprCols() {
		src := *ec.src
		if src == "" {
			continue
		}
		col := header(ec.key)
		// Scan the text rather than trust e.Fields(): like pyxform, a ${q}
		// inside a string literal (jr:choice-name(., '${q}')) is a reference.
		refs, err := textRefs(src)
		if err != nil {
			c.errorf("survey", n.Row, col, "%v", err)
			continue
		}
		e, err := xpath.Parse(src)
		if err != nil {
			c.errorf("survey", n.Row, col, "%v", err)
			continue
		}
		*ec.dst = e
		for _, name := range refs {
			add(f.resolveRef(c, n, col, name), ec.flow)
		}
		for _, p := range e.Paths() {
			add(f.resolvePath(n, p), ec.flow)
		}
	}
	if n.Trigger != "" {
		col := header(colTrigger)
		for _, part := range strings.Split(n.Trigger, ",") {
			part = strings.TrimSpace(part)
			name, ok := strings.CutPrefix(part, "${")
			name, ok2 := strings.CutSuffix(name, "}")
			if !ok || !ok2 || !validRefName(name) {
				c.errorf("survey", n.Row, col, "trigger must be ${name} (or several, separated by commas), not %q", part)
				continue
			}
			add(f.resolveRef(c, n, col, name), false)
		}
	}
	if strings.HasPrefix(n.TypeArg, "${") && isSelect(n.Type) {
		name := strings.TrimSuffix(strings.TrimPrefix(n.TypeArg, "${"), "}")
		add(f.resolveRef(c, n, header(colType), name), false)
	}
	texts := []struct {
		key string
		t   Text
	}{{colLabel, n.Label}, {colHint, n.Hint}, {colRequiredMessage, n.RequiredMessage}, {colConstraintMessage, n.ConstraintMessage}}
	for _, tx := range texts {
		for _, lang := range sortedKeys(tx.t) {
			col := header(tx.key)
			if lang != "" {
				col = header(tx.key + "::" + lang)
			}
			names, err := textRefs(tx.t[lang])
			if err != nil {
				c.errorf("survey", n.Row, col, "%v", err)
				continue
			}
			for _, name := range names {
				t := f.resolveRef(c, n, col, name)
				add(t, false)
				if t == nil {
					continue
				}
				if n.Exprs.Outputs == nil {
					n.Exprs.Outputs = map[string]*xpath.Expr{}
				}
				if n.Exprs.Outputs[name] == nil {
					e, err := xpath.Parse("${" + name + "}")
					if err != nil {
						c.errorf("survey", n.Row, col, "%v", err)
						continue
					}
					n.Exprs.Outputs[name] = e
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolvePath returns the form node a location path (as xpath.Expr.Paths
// reports it) reads from n, or nil when it names none.
func (f *Form) resolvePath(n *Node, p string) *Node {
	p = strings.TrimPrefix(p, "current()")
	var segs []string
	if strings.HasPrefix(p, "/") {
		segs = nil
	} else {
		segs = strings.Split(strings.TrimPrefix(n.Path, "/"), "/")
	}
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) == 0 {
				return nil
			}
			segs = segs[:len(segs)-1]
		default:
			segs = append(segs, s)
		}
	}
	return f.byPath["/"+strings.Join(segs, "/")]
}

// orderDeps fills Node.Deps (dependents, in evaluation order) and reports
// cycles among calculations, relevance, repeat counts and dynamic defaults.
func (f *Form) orderDeps(c *collector, g *depGraph) {
	// Kahn's algorithm over flow edges, ties broken by document order.
	indeg := map[*Node]int{}
	dependents := map[*Node][]*Node{}
	for n, targets := range g.flow {
		for _, t := range uniq(targets) {
			indeg[n]++
			dependents[t] = append(dependents[t], n)
		}
	}
	rank := map[*Node]int{}
	ready := &nodeHeap{}
	for _, n := range f.nodes {
		if indeg[n] == 0 {
			heap.Push(ready, n)
		}
	}
	for ready.Len() > 0 {
		n := heap.Pop(ready).(*Node)
		rank[n] = len(rank)
		for _, d := range dependents[n] {
			indeg[d]--
			if indeg[d] == 0 {
				heap.Push(ready, d)
			}
		}
	}
	if len(rank) < len(f.nodes) {
		for _, cyc := range findCycles(f.nodes, g.flow, rank) {
			names := make([]string, len(cyc))
			for i, n := range cyc {
				names[i] = "${" + n.Name + "}"
			}
			names = append(names, names[0])
			if len(names) > maxCycleShown {
				// A generated form can close a cycle through thousands of
				// questions; the ends are enough to find it.
				names = append(append(names[:maxCycleShown/2:maxCycleShown/2], fmt.Sprintf("… (%d more)", len(names)-maxCycleShown)), names[len(names)-maxCycleShown/2:]...)
			}
			c.errorf("survey", cyc[0].Row, "", "dependency cycle among calculations or relevance (%d questions): %s", len(cyc), strings.Join(names, " → "))
		}
		for _, n := range f.nodes {
			if _, ok := rank[n]; !ok {
				rank[n] = len(f.nodes) + n.Index
			}
		}
	}
	for n, targets := range g.reads {
		for _, t := range uniq(targets) {
			t.Deps = append(t.Deps, n)
		}
	}
	for _, n := range f.nodes {
		sort.Slice(n.Deps, func(i, j int) bool { return rank[n.Deps[i]] < rank[n.Deps[j]] })
	}
}

// nodeHeap orders ready nodes by document order.
type nodeHeap []*Node

func (h nodeHeap) Len() int           { return len(h) }
func (h nodeHeap) Less(i, j int) bool { return h[i].Index < h[j].Index }
func (h nodeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)        { *h = append(*h, x.(*Node)) }
func (h *nodeHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}

func uniq(ns []*Node) []*Node {
	seen := map[*Node]bool{}
	out := ns[:0:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// findCycles returns one cycle per strongly connected component (of more
// than one node) among the nodes Kahn's algorithm could not order.
func findCycles(nodes []*Node, edges map[*Node][]*Node, ordered map[*Node]int) [][]*Node {
	var cycles [][]*Node
	done := map[*Node]bool{}
	for _, start := range nodes {
		if _, ok := ordered[start]; ok || done[start] {
			continue
		}
		// Walk edges among unordered nodes until a node repeats.
		pos := map[*Node]int{}
		var path []*Node
		n := start
		for n != nil {
			if i, seen := pos[n]; seen {
				cyc := append([]*Node(nil), path[i:]...)
				// Report the cycle in document order from its first node.
				first := 0
				for j, m := range cyc {
					if m.Index < cyc[first].Index {
						first = j
					}
				}
				cyc = append(cyc[first:], cyc[:first]...)
				// Edges point from reader to read; show the flow of values.
				for a, b := 1, len(cyc)-1; a < b; a, b = a+1, b-1 {
					cyc[a], cyc[b] = cyc[b], cyc[a]
				}
				key := cycleKey(cyc)
				dup := false
				for _, prev := range cycles {
					if cycleKey(prev) == key {
						dup = true
					}
				}
				if !dup {
					cycles = append(cycles, cyc)
				}
				break
			}
			if done[n] {
				break
			}
			pos[n] = len(path)
			path = append(path, n)
			var next *Node
			for _, t := range edges[n] {
				if _, ok := ordered[t]; !ok && t != n {
					next = t
					break
				}
			}
			n = next
		}
		for _, m := range path {
			done[m] = true
		}
	}
	return cycles
}

func cycleKey(cyc []*Node) string {
	idx := make([]int, len(cyc))
	for i, n := range cyc {
		idx[i] = n.Index
	}
	sort.Ints(idx)
	return fmt.Sprint(idx)
}

// validRefName reports whether s may appear inside ${}: an NCName, or
// "last-saved#name".
func validRefName(s string) bool {
	s = strings.TrimPrefix(s, "last-saved#")
	return ncName.MatchString(s)
}

// textRefs returns the names of the ${name} references in s, in order, or
// an error for a malformed one ("${a", "${a b}").
func textRefs(s string) ([]string, error) {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names, nil
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return nil, fmt.Errorf("malformed reference: ${ without closing }")
		}
		name := s[:j]
		if !validRefName(name) {
			return nil, fmt.Errorf("malformed reference ${%s}: it must be ${ followed by a question name and }", name)
		}
		names = append(names, strings.TrimPrefix(name, "last-saved#"))
		s = s[j+1:]
	}
}
