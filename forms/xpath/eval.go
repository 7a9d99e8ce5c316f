package xpath

import (
	"fmt"
	"math"
	"reflect"
	"time"
)

// EvalError reports an expression that parsed but cannot be evaluated
// against the given answers: a repeated field used as a single value, a
// string that is not a date, an unknown ${name}, union, and so on.
type EvalError struct {
	Expr string // the expression's source
	Msg  string
	Err  error // underlying error (from Context.Field), if any
}

func (e *EvalError) Error() string {
	if e.Expr == "" {
		return e.Msg
	}
	return fmt.Sprintf("evaluate %s: %s", e.Expr, e.Msg)
}

// Unwrap returns the Context's error, if that is the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// errRepeated is JavaRosa's message for a nodeset used as a single value.
const errRepeated = "This field is repeated: use indexed-repeat() or a predicate to pick one instance"

func evalErrorf(format string, args ...any) *EvalError {
	return &EvalError{Msg: fmt.Sprintf(format, args...)}
}

// result is an intermediate value: a scalar, or the nodes a path selected.
type result struct {
	v     Value
	nodes []Node
	isSet bool
}

func scalar(v Value) result      { return result{v: v} }
func nodeset(ns []Node) result   { return result{nodes: ns, isSet: true} }
func strResult(s string) result  { return scalar(String(s)) }
func numResult(n float64) result { return scalar(Number(n)) }
func boolResult(b bool) result   { return scalar(Bool(b)) }

// evaluator holds the state of one evaluation. It lives on the caller's
// stack: nothing it is handed to may keep it (see function).
type evaluator struct {
	ctx  Context
	orig Node           // current(): the context node of the whole expression
	cur  Node           // ".": changes inside predicates
	pos  int            // context position inside a predicate, 1-based; 0 outside
	size int            // context size inside a predicate
	loc  *time.Location // the clock's zone; nil until location reads it
	work int            // nodes visited, bounded by maxWork
}

// maxWork bounds the nodes one evaluation may visit: nested predicates over
// absolute paths are exponential, and a form must not hang the laptop.
// Choice filters over lists of tens of thousands of items stay far below.
const maxWork = 1 << 22

func (ev *evaluator) spend(n int) error {
	ev.work += n
	if ev.work > maxWork {
		return evalErrorf("expression too expensive to evaluate (visits more than %d nodes)", maxWork)
	}
	return nil
}

// init prepares a zero evaluator.
func (ev *evaluator) init(ctx Context) {
	ev.ctx = ctx
	ev.cur = ctx.Current()
	ev.orig = ev.cur
}

// location is the zone dates are read and built in: the Context clock's.
// Most expressions never need it, so the clock is read on first use.
func (ev *evaluator) location() *time.Location {
	if ev.loc == nil {
		ev.loc = ev.ctx.Now().Location()
	}
	return ev.loc
}

// Eval evaluates the expression. A path or ${name} that selects one node
// yields that node's value, none yields String(""), several yield a
// KindNodeset value (which EvalBool, EvalString and EvalNumber reject with
// the "field is repeated" error). Errors are *EvalError.
func (e *Expr) Eval(ctx Context) (Value, error) {
	var ev evaluator
	ev.init(ctx)
	var v Value
	var err error
	switch n := e.root.(type) {
	case *binaryExpr:
		if n.op <= opGe {
			var b bool
			b, err = ev.cond(n)
			v = Bool(b)
		} else {
			err = ev.valTo(n, &v)
		}
	case *numberLit, *stringLit, *negExpr:
		// Never a node-set.
		err = ev.valTo(n, &v)
	case *pathExpr:
		if s := oneStep(n); s != nil && s.axis == axisSelf {
			err = ev.relStep(s, &v)
		} else {
			err = ev.top(n, &v)
		}
	default:
		err = ev.top(n, &v)
	}
	if err != nil {
		return Value{}, e.wrap(err)
	}
	return v, nil
}

// top evaluates n into *v as Eval's result: several nodes are a
// KindNodeset value.
func (ev *evaluator) top(n node, v *Value) error {
	var ns []Node
	if f, ok := n.(*fieldRef); ok {
		var err error
		if ns, err = ev.field(f); err != nil {
			return err
		}
	} else {
		r, err := ev.eval(n)
		if err != nil {
			return err
		}
		if !r.isSet {
			*v = r.v
			return nil
		}
		ns = r.nodes
	}
	if len(ns) <= 1 {
		return singleTo(ns, v)
	}
	set := make([]Value, len(ns))
	for i, n := range ns {
		set[i] = n.Value()
	}
	*v = Value{Kind: KindNodeset, Set: set}
	return nil
}

// EvalNodes evaluates an expression that selects nodes, such as an itemset
// (instance('list')/root/item[...]), and returns them in document order.
func (e *Expr) EvalNodes(ctx Context) ([]Node, error) {
	var ev evaluator
	ev.init(ctx)
	r, err := ev.eval(e.root)
	if err != nil {
		return nil, e.wrap(err)
	}
	if !r.isSet {
		return nil, e.wrap(evalErrorf("not a node-set"))
	}
	return r.nodes, nil
}

func (e *Expr) single(ctx Context) (Value, error) {
	v, err := e.Eval(ctx)
	if err != nil {
		return v, err
	}
	if v.Kind == KindNodeset {
		return v, e.wrap(evalErrorf(errRepeated))
	}
	return v, nil
}

// EvalBool evaluates the expression and converts it with ToBool, as
// relevant, required, constraint and read_only do.
func (e *Expr) EvalBool(ctx Context) (bool, error) {
	v, err := e.single(ctx)
	if err != nil {
		return false, err
	}
	return ToBool(v), nil
}

// EvalString evaluates the expression and converts it with ToString, as
// label outputs do.
func (e *Expr) EvalString(ctx Context) (string, error) {
	v, err := e.single(ctx)
	if err != nil {
		return "", err
	}
	return ToString(v), nil
}

// EvalNumber evaluates the expression and converts it with ToNumber, as
// repeat_count does.
func (e *Expr) EvalNumber(ctx Context) (float64, error) {
	v, err := e.single(ctx)
	if err != nil {
		return math.NaN(), err
	}
	return ToNumber(v), nil
}

func (e *Expr) wrap(err error) error {
	if ee, ok := err.(*EvalError); ok {
		if ee.Expr == "" {
			c := *ee
			c.Expr = e.src
			return &c
		}
		return ee
	}
	return &EvalError{Expr: e.src, Msg: err.Error(), Err: err}
}

// value unpacks r into a single value as JavaRosa does: an empty nodeset is
// "", one node gives its value, several are an error.
func (ev *evaluator) value(r result) (Value, error) {
	if !r.isSet {
		return r.v, nil
	}
	var v Value
	err := singleTo(r.nodes, &v)
	return v, err
}

// singleTo is value for the nodes ns, into *v.
func singleTo(ns []Node, v *Value) error {
	switch len(ns) {
	case 0:
		*v = String("")
		return nil
	case 1:
		*v = ns[0].Value()
		return nil
	}
	return evalErrorf(errRepeated)
}

// val evaluates n to a single value.
func (ev *evaluator) val(n node) (Value, error) {
	var v Value
	err := ev.valTo(n, &v)
	return v, err
}

// valTo is val into *v, which it leaves alone on error. The hot paths use
// it: a Value is 88 bytes, and returning one through each level of the
// recursion costs more than the rest of a comparison. The common shapes
// (literals, ${x}, ".", a child name, operators) are computed without
// building a result.
func (ev *evaluator) valTo(n node, v *Value) error {
	switch n := n.(type) {
	case *stringLit:
		*v = String(n.s)
		return nil
	case *numberLit:
		*v = Number(n.v)
		return nil
	case *fieldRef:
		ns, err := ev.field(n)
		if err != nil {
			return err
		}
		return singleTo(ns, v)
	case *binaryExpr:
		switch {
		case n.op <= opGe:
			b, err := ev.cond(n)
			if err != nil {
				return err
			}
			*v = Bool(b)
			return nil
		case n.op <= opMod:
			x, err := ev.arith(n)
			if err != nil {
				return err
			}
			*v = Number(x)
			return nil
		}
		r, err := ev.binary(n)
		if err != nil {
			return err
		}
		*v = r
		return nil
	case *negExpr:
		x, err := ev.num(n.x)
		if err != nil {
			return err
		}
		*v = Number(-x)
		return nil
	case *pathExpr:
		if s := oneStep(n); s != nil && s.axis != axisParent {
			return ev.relStep(s, v)
		}
	}
	r, err := ev.eval(n)
	if err != nil {
		return err
	}
	if !r.isSet {
		*v = r.v
		return nil
	}
	return singleTo(r.nodes, v)
}

// oneStep returns the step of a one-step relative path without
// predicates, else nil.
func oneStep(n *pathExpr) *step {
	if n.filter == nil && !n.abs && len(n.steps) == 1 && len(n.steps[0].preds) == 0 {
		return &n.steps[0]
	}
	return nil
}

// relStep puts in *v the value of a one-step relative path without
// predicates ("." or a child name, as choice filters write them), as path
// and value would compute it, visiting as many nodes, without collecting
// them.
func (ev *evaluator) relStep(s *step, v *Value) error {
	if ev.cur == nil {
		return evalErrorf("no context node to evaluate a relative path against")
	}
	if s.axis == axisSelf {
		if err := ev.spend(1); err != nil {
			return err
		}
		*v = ev.cur.Value()
		return nil
	}
	var one Node
	k := 0
	for _, c := range ev.cur.Children() {
		if s.name == "*" || c.Name() == s.name {
			one = c
			k++
		}
	}
	if err := ev.spend(k); err != nil {
		return err
	}
	switch k {
	case 0:
		*v = String("")
		return nil
	case 1:
		*v = one.Value()
		return nil
	}
	return evalErrorf(errRepeated)
}

func (ev *evaluator) str(n node) (string, error) {
	var v Value
	err := ev.valTo(n, &v)
	return stringOf(&v), err
}

func (ev *evaluator) num(n node) (float64, error) {
	switch n := n.(type) {
	case *numberLit:
		return n.v, nil
	case *binaryExpr:
		if n.op >= opAdd && n.op <= opMod {
			return ev.arith(n)
		}
	}
	var v Value
	if err := ev.valTo(n, &v); err != nil {
		return math.NaN(), err
	}
	return numberOf(&v), nil
}

func (ev *evaluator) boolean(n node) (bool, error) {
	switch n := n.(type) {
	case *binaryExpr:
		if n.op <= opGe {
			return ev.cond(n)
		}
	case *callExpr:
		switch n.fn.id {
		case fNot:
			b, err := ev.boolean(n.args[0])
			return !b, err
		case fSelected:
			return ev.selected(n.args)
		}
	}
	var v Value
	err := ev.valTo(n, &v)
	return boolOf(&v), err
}

// nodes evaluates n, which must select nodes (count(), sum(), ...).
func (ev *evaluator) nodes(n node, fn string) ([]Node, error) {
	r, err := ev.eval(n)
	if err != nil {
		return nil, err
	}
	if !r.isSet {
		return nil, evalErrorf("%s(): the argument must be a field or path, not a single value", fn)
	}
	return r.nodes, nil
}

// field resolves ${name}, by FieldAt when the Context has it.
func (ev *evaluator) field(n *fieldRef) ([]Node, error) {
	var ns []Node
	var err error
	if n.lastSaved {
		v := String("")
		if ls, ok := ev.ctx.(LastSavedContext); ok {
			v = ls.LastSaved(n.name)
		}
		return []Node{&valueNode{name: n.name, v: v}}, nil
	}
	if fi, ok := ev.ctx.(FieldIndexer); ok {
		ns, err = fi.FieldAt(n.idx, n.name)
	} else {
		ns, err = ev.ctx.Field(n.name)
	}
	if err != nil {
		return nil, &EvalError{Msg: fmt.Sprintf("${%s}: %v", n.name, err), Err: err}
	}
	return ns, nil
}

func (ev *evaluator) eval(n node) (result, error) {
	switch n := n.(type) {
	case *numberLit:
		return numResult(n.v), nil
	case *stringLit:
		return strResult(n.s), nil
	case *regexLit:
		return strResult(n.s), nil
	case *fieldRef:
		ns, err := ev.field(n)
		if err != nil {
			return result{}, err
		}
		return nodeset(ns), nil
	case *negExpr:
		x, err := ev.num(n.x)
		return numResult(-x), err
	case *binaryExpr:
		v, err := ev.binary(n)
		return scalar(v), err
	case *callExpr:
		return ev.call(n)
	case *pathExpr:
		return ev.path(n)
	}
	return result{}, evalErrorf("internal error: unknown node %T", n)
}

// call runs a function: the common ones directly, the others through a
// heap copy of ev, since escape analysis assumes that a function value
// keeps its arguments.
func (ev *evaluator) call(n *callExpr) (result, error) {
	a := n.args
	switch n.fn.id {
	case fIf:
		return fnIf(ev, a)
	case fCoalesce:
		return fnCoalesce(ev, a)
	case fOnce:
		return fnOnce(ev, a)
	case fSelected:
		b, err := ev.selected(a)
		return boolResult(b), err
	case fCountSelected:
		return fnCountSelected(ev, a)
	case fSelectedAt:
		return fnSelectedAt(ev, a)
	case fChoiceName:
		return fnChoiceName(ev, a)
	case fConcat:
		return fnConcat(ev, a)
	case fJoin:
		return fnJoin(ev, a)
	case fStringLength:
		return fnStringLength(ev, a)
	case fSubstr:
		return fnSubstr(ev, a)
	case fContains:
		return fnContains(ev, a)
	case fStartsWith:
		return fnStartsWith(ev, a)
	case fEndsWith:
		return fnEndsWith(ev, a)
	case fRegex:
		return fnRegex(ev, a)
	case fToday:
		return fnToday(ev, a)
	case fNow:
		return fnNow(ev, a)
	case fDate:
		return fnDate(ev, a)
	case fDecimalDateTime:
		return fnDecimalDateTime(ev, a)
	case fFormatDate:
		return fnFormatDate(ev, a)
	case fInt:
		return fnInt(ev, a)
	case fRound:
		return fnRound(ev, a)
	case fNumber:
		return fnNumber(ev, a)
	case fString:
		return fnString(ev, a)
	case fBoolean:
		return fnBoolean(ev, a)
	case fTrue:
		return boolResult(true), nil
	case fFalse:
		return boolResult(false), nil
	case fNot:
		return fnNot(ev, a)
	case fCount:
		return fnCount(ev, a)
	case fCountNonEmpty:
		return fnCountNonEmpty(ev, a)
	case fSum:
		return fnSum(ev, a)
	case fMax:
		return fnMax(ev, a)
	case fMin:
		return fnMin(ev, a)
	case fPosition:
		return fnPosition(ev, a)
	case fCurrent:
		return fnCurrent(ev, a)
	case fInstance:
		return fnInstance(ev, a)
	}
	if n.fn.call == nil {
		return result{}, evalErrorf("internal error: %s() has no implementation", n.name)
	}
	h := new(evaluator)
	*h = *ev
	r, err := n.fn.call(h, a)
	*ev = *h
	return r, err
}

// binary evaluates an operator.
func (ev *evaluator) binary(n *binaryExpr) (Value, error) {
	switch {
	case n.op <= opGe:
		b, err := ev.cond(n)
		return Bool(b), err
	case n.op <= opMod:
		x, err := ev.arith(n)
		return Number(x), err
	case n.op == opUnion:
		return Value{}, evalErrorf("the union operator '|' is not supported")
	}
	return Value{}, evalErrorf("internal error: operator %d", n.op)
}

// cond evaluates a logical or comparison operator.
func (ev *evaluator) cond(n *binaryExpr) (bool, error) {
	switch n.op {
	case opOr, opAnd:
		l, err := ev.boolean(n.l)
		if err != nil {
			return false, err
		}
		if l == (n.op == opOr) {
			return l, nil
		}
		return ev.boolean(n.r)
	case opEq, opNeq:
		var l, r Value
		if err := ev.valTo(n.l, &l); err != nil {
			return false, err
		}
		var eq bool
		if lit, ok := n.r.(*stringLit); ok {
			eq = equalString(&l, lit.s)
		} else {
			if err := ev.valTo(n.r, &r); err != nil {
				return false, err
			}
			eq = equal(&l, &r)
		}
		return eq == (n.op == opEq), nil
	}
	a, err := ev.num(n.l)
	if err != nil {
		return false, err
	}
	b, err := ev.num(n.r)
	if err != nil {
		return false, err
	}
	switch n.op {
	case opLt:
		return a < b, nil
	case opLe:
		return a <= b, nil
	case opGt:
		return a > b, nil
	case opGe:
		return a >= b, nil
	}
	return false, evalErrorf("internal error: operator %d", n.op)
}

// arith evaluates an arithmetic operator.
func (ev *evaluator) arith(n *binaryExpr) (float64, error) {
	a, err := ev.num(n.l)
	if err != nil {
		return math.NaN(), err
	}
	b, err := ev.num(n.r)
	if err != nil {
		return math.NaN(), err
	}
	switch n.op {
	case opAdd:
		return a + b, nil
	case opSub:
		return a - b, nil
	case opMul:
		return a * b, nil
	case opDiv:
		return a / b, nil
	case opMod:
		return math.Mod(a, b), nil
	}
	return math.NaN(), evalErrorf("internal error: operator %d", n.op)
}

// equal is JavaRosa's '=': booleans if either side is boolean, else numbers
// (within 1e-12) if either side is a number, else strings.
func equal(l, r *Value) bool {
	switch {
	case l.Kind == KindBool || r.Kind == KindBool:
		return boolOf(l) == boolOf(r)
	case l.Kind == KindNumber || r.Kind == KindNumber:
		a, b := numberOf(l), numberOf(r)
		return a == b || math.Abs(a-b) < epsilon
	}
	return stringOf(l) == stringOf(r)
}

// equalString is equal(l, String(s)), as ${x} = 'yes' compares.
func equalString(l *Value, s string) bool {
	switch l.Kind {
	case KindString:
		return l.S == s
	case KindBool:
		return l.B == (s != "")
	case KindNumber:
		a, b := l.N, parseNumber(s)
		return a == b || math.Abs(a-b) < epsilon
	}
	r := String(s)
	return equal(l, &r)
}

// docNode is the document node above a root element: what "/" and
// instance('id') designate, so that /data/q and instance('x')/root/item
// name the root element in their first step.
type docNode struct{ root Node }

func (d docNode) Name() string     { return "" }
func (d docNode) Parent() Node     { return nil }
func (d docNode) Children() []Node { return []Node{d.root} }
func (d docNode) Value() Value     { return String("") }

// parentOf is n.Parent(), with the document node above a root element.
func parentOf(n Node) Node {
	if _, ok := n.(docNode); ok {
		return nil
	}
	if p := n.Parent(); p != nil {
		return p
	}
	return docNode{root: n}
}

// sameNode compares node identities; Node implementations are pointers (or
// other comparable values), which the engine and tests guarantee.
func sameNode(a, b Node) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	return a == b
}

func (ev *evaluator) path(p *pathExpr) (result, error) {
	var set []Node
	switch {
	case p.filter != nil:
		r, err := ev.eval(p.filter)
		if err != nil {
			return result{}, err
		}
		if !r.isSet {
			return result{}, evalErrorf("a path cannot start from a single value")
		}
		set = r.nodes
		for _, pr := range p.fpreds {
			if set, err = ev.filter(set, pr); err != nil {
				return result{}, err
			}
		}
	case p.abs:
		root := ev.ctx.Root()
		if root == nil {
			return result{}, evalErrorf("no instance to evaluate an absolute path against")
		}
		set = []Node{docNode{root: root}}
	default:
		if ev.cur == nil {
			return result{}, evalErrorf("no context node to evaluate a relative path against")
		}
		set = []Node{ev.cur}
	}
	for i := range p.steps {
		s := &p.steps[i]
		var next []Node
		for _, n := range set {
			var cand []Node
			switch s.axis {
			case axisSelf:
				cand = []Node{n}
			case axisParent:
				par := parentOf(n)
				if par == nil {
					continue
				}
				// Siblings share a parent: keep it once.
				if len(next) > 0 && sameNode(next[len(next)-1], par) {
					continue
				}
				cand = []Node{par}
			default:
				for _, c := range n.Children() {
					if s.name == "*" || c.Name() == s.name {
						cand = append(cand, c)
					}
				}
			}
			if err := ev.spend(len(cand)); err != nil {
				return result{}, err
			}
			var err error
			for _, pr := range s.preds {
				if cand, err = ev.filter(cand, pr); err != nil {
					return result{}, err
				}
			}
			next = append(next, cand...)
		}
		set = next
	}
	return nodeset(set), nil
}

// filter keeps the candidates for which pred holds, evaluating it with each
// candidate as the context node; a number predicate selects by position.
func (ev *evaluator) filter(cand []Node, pred node) ([]Node, error) {
	saveCur, savePos, saveSize := ev.cur, ev.pos, ev.size
	defer func() { ev.cur, ev.pos, ev.size = saveCur, savePos, saveSize }()
	if err := ev.spend(len(cand)); err != nil {
		return nil, err
	}
	var kept []Node
	for i, c := range cand {
		ev.cur, ev.pos, ev.size = c, i+1, len(cand)
		v, err := ev.val(pred)
		if err != nil {
			return nil, err
		}
		var ok bool
		if v.Kind == KindNumber {
			ok = v.N == float64(i+1)
		} else {
			ok = ToBool(v)
		}
		if ok {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// position returns n's 1-based index among its parent's children of the
// same name: the repeat instance number.
func position(n Node) int {
	par := n.Parent()
	if par == nil {
		return 1
	}
	i := 0
	for _, c := range par.Children() {
		if c.Name() != n.Name() {
			continue
		}
		i++
		if sameNode(c, n) {
			return i
		}
	}
	return 1
}

// namePath is the absolute path of element names from the root to n.
func namePath(n Node) []string {
	var names []string
	for ; n != nil; n = n.Parent() {
		if _, ok := n.(docNode); ok {
			break
		}
		names = append(names, n.Name())
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return names
}
