package survey

import (
	"fmt"
	"time"

	"sira/forms"
	"sira/forms/xpath"
)

// The engine's instance tree as the expression evaluator sees it.

var _ xpath.Node = (*elem)(nil)
var _ xpath.Context = (*evalCtx)(nil)
var _ xpath.FieldIndexer = (*evalCtx)(nil)

// Name implements xpath.Node.
func (x *elem) Name() string { return x.ni.node.Name }

// Parent implements xpath.Node.
func (x *elem) Parent() xpath.Node {
	if x.parent == nil {
		return nil
	}
	return x.parent
}

// Children implements xpath.Node: fields and groups in form order, a
// repeat's instances in a row.
func (x *elem) Children() []xpath.Node {
	if x.kids == nil && len(x.slots) > 0 {
		n := 0
		for _, s := range x.slots {
			n += len(s)
		}
		x.kids = x.eng.mem.nodes.take(n, len(x.eng.plan.infos))[:0]
		for _, s := range x.slots {
			for _, c := range s {
				x.kids = append(x.kids, c)
			}
		}
	}
	return x.kids
}

// Value implements xpath.Node: "" when not relevant (JavaRosa), a
// calculation's own typed result, else the stored answer typed by the
// question's type.
func (x *elem) Value() xpath.Value {
	// A value its constraint refuses is not an answer: expressions read
	// it as empty, as they would had ODK Collect refused it at entry.
	if !x.relevant || x.slots != nil || x.invalid {
		return xpath.String("")
	}
	if x.vk == vNone {
		if x.ni.typed == typedString {
			x.v = xpath.Value{Kind: xpath.KindString, S: x.val}
		} else {
			x.v = typedAs(x.ni.typed, x.val, x.eng.loc)
		}
		x.vk = vTyped
	}
	return x.v
}

// raw returns the stored answer, relevant or not.
func (x *elem) raw() string {
	if x.slots != nil {
		return ""
	}
	return x.val
}

// evalCtx is the xpath.Context of one evaluation: cur is ".", owner is the
// field whose expression it is (they differ in choice filters, where "." is
// the candidate item).
type evalCtx struct {
	e     *Engine
	cur   xpath.Node
	owner *elem
	refs  []fieldRef // the ${} references of the expression evaluated
}

func (c *evalCtx) Current() xpath.Node { return c.cur }
func (c *evalCtx) Root() xpath.Node    { return c.e.root }
func (c *evalCtx) Now() time.Time      { return c.e.opts.Now().In(c.e.loc) }

func (c *evalCtx) Instance(id string) xpath.Node {
	if s := c.e.secondary(id); s != nil {
		return s
	}
	return nil
}

// Field resolves ${name} from the owner: inside the deepest repeat both
// share, the owner's own instance; otherwise every node the path designates.
func (c *evalCtx) Field(name string) ([]xpath.Node, error) {
	ni, ok := c.ref(name)
	if !ok {
		ni = c.e.plan.byName[name]
	}
	return c.field(ni, name)
}

// FieldAt implements xpath.FieldIndexer: name is reference i of the
// expression evaluated, looked up when the plan was made.
func (c *evalCtx) FieldAt(i int, name string) ([]xpath.Node, error) {
	if i >= 0 && i < len(c.refs) && c.refs[i].name == name {
		return c.field(c.refs[i].ni, name)
	}
	return c.Field(name)
}

func (c *evalCtx) field(ni *nodeInfo, name string) ([]xpath.Node, error) {
	if ni == nil {
		return nil, fmt.Errorf("${%s}: %w", name, ErrUnknownField)
	}
	return c.e.resolve(c.owner, ni, nil), nil
}

// ref finds name among the references of the expression evaluated: a
// few names, compared faster than a map finds one.
func (c *evalCtx) ref(name string) (*nodeInfo, bool) {
	for i := range c.refs {
		if c.refs[i].name == name {
			return c.refs[i].ni, true
		}
	}
	return nil, false
}

// LastSaved implements xpath.LastSavedContext: name's answer in
// EngineOptions.LastSaved (top level, or the first instance of the
// repeats it is in), typed by its question's type.
func (c *evalCtx) LastSaved(name string) xpath.Value {
	ni := c.e.plan.byName[name]
	rec := c.e.opts.LastSaved
	if ni == nil || rec == nil {
		return xpath.String("")
	}
	return typedAs(ni.typed, lastSavedValue(rec, ni.node), c.e.loc)
}

// lastSavedValue finds n's answer in rec, descending into the first
// instance of each repeat around n.
func lastSavedValue(rec *Record, n *forms.Node) string {
	var reps []*forms.Node
	for r := n.Repeat; r != nil; r = r.Repeat {
		reps = append(reps, r)
	}
	for i := len(reps) - 1; i >= 0 && rec != nil; i-- {
		insts := rec.Repeats[reps[i].Path]
		if len(insts) == 0 {
			return ""
		}
		rec = insts[0]
	}
	if rec == nil {
		return ""
	}
	return rec.Values[n.Path]
}

func (c *evalCtx) ChoiceLabel(path, value string) string {
	ni := c.e.plan.byPath[path]
	if ni == nil {
		return ""
	}
	list, _ := c.e.listOf(ni.node)
	if list == nil {
		return ""
	}
	for _, ch := range list.Choices {
		if ch.Name == value {
			return c.e.text(ch.Label)
		}
	}
	return ""
}

// resolve appends to dst the elems of target reachable from x as ${}
// references are: from x's instance of the deepest repeat they share, or
// from the root.
func (e *Engine) resolve(x *elem, target *nodeInfo, dst []xpath.Node) []xpath.Node {
	start := e.root
	k := 0 // index in target.chain of the first node to descend to
	if x != nil && len(target.repeats) > 0 {
		// The repeats x is inside (an instance counts as inside its repeat).
		for y := x; y != nil; y = y.parent {
			if y.index == 0 {
				continue
			}
			if i := indexOf(target.repeats, y.ni); i >= 0 {
				start, k = y, len(y.ni.chain)
				break
			}
		}
	}
	if start == e.root && target.single {
		// The common case: a field outside any repeat, one elem.
		y := e.singles[target.doc]
		if dst == nil {
			return y.self[:]
		}
		return append(dst, y)
	}
	if dst != nil {
		return descend(start, target.chain[k:], dst)
	}
	// Collected in scratch memory, then copied to a slice of their exact
	// size: no growing by appends.
	m := e.mem
	ns := descend(start, target.chain[k:], m.scratch[:0])
	m.scratch = ns
	if len(ns) == 0 {
		return nil
	}
	out := m.nodes.take(len(ns), len(e.plan.infos))
	copy(out, ns)
	return out
}

func descend(x *elem, chain []*nodeInfo, dst []xpath.Node) []xpath.Node {
	if len(chain) == 0 {
		return append(dst, x)
	}
	for _, c := range x.slots[chain[0].pos] {
		dst = descend(c, chain[1:], dst)
	}
	return dst
}

func indexOf(s []*nodeInfo, ni *nodeInfo) int {
	for i, v := range s {
		if v == ni {
			return i
		}
	}
	return -1
}

// eval evaluates x with "." and the owner both at owner.
func (e *Engine) eval(x *expr, owner *elem) (xpath.Value, error) {
	return e.evalAt(x, owner, owner)
}

// evalAt evaluates x with "." at cur and ${} resolved from owner. The
// context is not restored afterwards: nothing the evaluator calls back
// evaluates another expression, and every evaluation sets all of it.
func (e *Engine) evalAt(x *expr, cur xpath.Node, owner *elem) (xpath.Value, error) {
	e.ctx.cur, e.ctx.owner, e.ctx.refs = cur, owner, x.refs
	return x.Eval(&e.ctx)
}

// staticNode is an element of a secondary instance (a choice list as
// instance('list')/root/item with name, label and extra columns).
type staticNode struct {
	name   string
	value  string
	parent *staticNode
	kids   []xpath.Node
}

func (s *staticNode) Name() string { return s.name }
func (s *staticNode) Parent() xpath.Node {
	if s.parent == nil {
		return nil
	}
	return s.parent
}
func (s *staticNode) Children() []xpath.Node { return s.kids }
func (s *staticNode) Value() xpath.Value     { return xpath.String(s.value) }

// secondary returns the root of instance(id): a choice list or a file, with
// labels in the active language. Built on first use.
func (e *Engine) secondary(id string) *staticNode {
	if s, ok := e.secs[id]; ok {
		return s
	}
	var root *staticNode
	if list := e.form.Lists[id]; list != nil {
		root = e.plan.instance(e, id, list)
	} else if list := e.form.Files[id]; list != nil {
		root = e.plan.instance(e, id, list)
	} else if list := e.opts.Files[id]; list != nil {
		root = e.listInstance(list)
	} else if name, list := fileByStem(e.form.Files, id); list != nil {
		// instance('sites') names sites.geojson or sites.csv, as in ODK.
		root = e.plan.instance(e, name, list)
	} else if _, list := fileByStem(e.opts.Files, id); list != nil {
		root = e.listInstance(list)
	} else {
		return nil
	}
	if e.secs == nil {
		e.secs = map[string]*staticNode{}
	}
	e.secs[id] = root
	return root
}

// externalWithoutList reports whether n is a select_one_external whose
// list the form does not carry (compiled before Sira read external_choices,
// or without that sheet): its answer is then free text, as before.
func (e *Engine) externalWithoutList(n *forms.Node) bool {
	if n.Type != forms.TypeSelectOneExternal {
		return false
	}
	l, _ := e.listOf(n)
	return l == nil
}

// fileByStem finds the file whose name without extension is stem.
func fileByStem(files map[string]*forms.ChoiceList, stem string) (string, *forms.ChoiceList) {
	for _, ext := range []string{".csv", ".geojson", ".xml"} {
		if l := files[stem+ext]; l != nil {
			return stem + ext, l
		}
	}
	return "", nil
}

// instance returns the plan's shared, immutable copy of a form list's
// secondary instance in e's language, building it on first use.
func (p *Plan) instance(e *Engine, id string, list *forms.ChoiceList) *staticNode {
	key := secKey{e.lang, id}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.secs[key]; ok {
		return s
	}
	s := e.listInstance(list)
	if p.secs == nil {
		p.secs = map[secKey]*staticNode{}
	}
	p.secs[key] = s
	return s
}

// listInstance builds root/item[name, label, extras...] for list.
func (e *Engine) listInstance(list *forms.ChoiceList) *staticNode {
	root := &staticNode{name: "root"}
	root.kids = make([]xpath.Node, len(list.Choices))
	for i, ch := range list.Choices {
		item := &staticNode{name: "item", parent: root}
		item.kids = append(item.kids,
			&staticNode{name: "name", value: ch.Name, parent: item},
			&staticNode{name: "label", value: e.text(ch.Label), parent: item})
		for _, k := range sortedKeys(ch.Extra) {
			item.kids = append(item.kids, &staticNode{name: k, value: ch.Extra[k], parent: item})
		}
		root.kids[i] = item
	}
	return root
}

// listOf returns the full choice list of a select node (before
// filtering) and the id of its secondary instance, or nil for select_one ${q}.
func (e *Engine) listOf(n *forms.Node) (*forms.ChoiceList, string) {
	if l, id := formList(e.form, n); l != nil {
		return l, id
	}
	if l := e.opts.Files[n.TypeArg]; l != nil {
		return l, n.TypeArg
	}
	return nil, ""
}

// formList is listOf without the engine's EngineOptions.Files.
func formList(f *forms.Form, n *forms.Node) (*forms.ChoiceList, string) {
	if n.List != nil {
		if n.Type == forms.TypeSelectFile || n.Type == forms.TypeSelectMultiFile {
			return n.List, n.TypeArg
		}
		return n.List, n.List.Name
	}
	if n.Type != forms.TypeSelectFile && n.Type != forms.TypeSelectMultiFile {
		if l := f.Lists[n.TypeArg]; l != nil {
			return l, n.TypeArg
		}
	}
	if l := f.Files[n.TypeArg]; l != nil {
		return l, n.TypeArg
	}
	return nil, ""
}

// choiceIndex maps a list's choice names to their positions.
func (e *Engine) choiceIndex(l *forms.ChoiceList) map[string]int {
	if m, ok := e.plan.lists[l]; ok {
		return m
	}
	if m, ok := e.lists[l]; ok {
		return m
	}
	m := indexList(l)
	if e.lists == nil {
		e.lists = map[*forms.ChoiceList]map[string]int{}
	}
	e.lists[l] = m
	return m
}

func indexList(l *forms.ChoiceList) map[string]int {
	m := make(map[string]int, len(l.Choices))
	for i, c := range l.Choices {
		if _, dup := m[c.Name]; !dup {
			m[c.Name] = i
		}
	}
	return m
}

// offered reports whether choice name is among x's choices now: in the
// list and passing the filter (one evaluation, not the whole list), or
// "other" of an or_other select.
func (e *Engine) offered(x *elem, name string) bool {
	n := x.ni.node
	if n.OrOther && name == "other" {
		return true
	}
	list, id, index := x.ni.list, x.ni.listID, x.ni.choices
	if list == nil {
		if list, id = e.listOf(n); list == nil {
			return hasChoice(e.choices(x), name)
		}
		index = e.choiceIndex(list)
	}
	i, ok := index[name]
	if !ok {
		return false
	}
	return e.passes(x, list, id, i)
}

// passes reports whether choice i of list passes x's choice filter.
func (e *Engine) passes(x *elem, list *forms.ChoiceList, id string, i int) bool {
	filter := x.ni.x.choiceFilter
	if filter == nil {
		return true
	}
	inst := e.secondary(id)
	if inst == nil || i >= len(inst.kids) {
		return false
	}
	v, err := e.evalAt(filter, inst.kids[i], x)
	if err != nil {
		x.err, x.errs = fmt.Errorf("choice_filter: %w", err), x.errs|depOther
		return false
	}
	return toBool(v)
}
