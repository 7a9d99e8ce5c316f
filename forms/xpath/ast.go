package xpath

import (
	"strings"
)

// node is a parsed expression tree node.
type node interface {
	// format writes a canonical, fully parenthesised rendering; parsing it
	// again gives the same tree (the fuzz target checks that).
	format(b *strings.Builder)
}

type opKind uint8

const (
	opOr opKind = iota
	opAnd
	opEq
	opNeq
	opLt
	opLe
	opGt
	opGe
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opUnion
)

var opText = [...]string{
	opOr: "or", opAnd: "and", opEq: "=", opNeq: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opAdd: "+", opSub: "-", opMul: "*", opDiv: "div", opMod: "mod", opUnion: "|",
}

type numberLit struct {
	v    float64
	text string
}

type stringLit struct{ s string }

type fieldRef struct {
	name string
	idx  int // name's position in Expr.Fields, for FieldIndexer
	// lastSaved: ${last-saved#name}, read through LastSavedContext; not in
	// Expr.Fields (it depends on no answer of this interview).
	lastSaved bool
}

type binaryExpr struct {
	op   opKind
	l, r node
}

type negExpr struct{ x node }

type callExpr struct {
	name string
	fn   *function
	args []node
}

type axisKind uint8

const (
	axisChild axisKind = iota
	axisSelf
	axisParent
)

// step is one location step: a child name test ("*" for any), "." or "..".
type step struct {
	axis  axisKind
	name  string // child axis: the name test; "*" matches any element
	preds []node
}

// pathExpr is a location path: absolute (/data/q), relative (../q, item),
// or applied to a filter expression (instance('x')/root/item, current()/..).
type pathExpr struct {
	filter node // nil for a plain location path
	fpreds []node
	abs    bool
	steps  []step
}

func (n *numberLit) format(b *strings.Builder) { b.WriteString(n.text) }

func (n *stringLit) format(b *strings.Builder) {
	q := "'"
	if strings.Contains(n.s, "'") {
		q = `"`
	}
	b.WriteString(q)
	b.WriteString(n.s)
	b.WriteString(q)
}

func (n *fieldRef) format(b *strings.Builder) {
	b.WriteString("${")
	if n.lastSaved {
		b.WriteString("last-saved#")
	}
	b.WriteString(n.name)
	b.WriteString("}")
}

func (n *binaryExpr) format(b *strings.Builder) {
	b.WriteString("(")
	n.l.format(b)
	b.WriteString(" ")
	b.WriteString(opText[n.op])
	b.WriteString(" ")
	n.r.format(b)
	b.WriteString(")")
}

func (n *negExpr) format(b *strings.Builder) {
	b.WriteString("(-")
	n.x.format(b)
	b.WriteString(")")
}

func (n *callExpr) format(b *strings.Builder) {
	b.WriteString(n.name)
	b.WriteString("(")
	for i, a := range n.args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.format(b)
	}
	b.WriteString(")")
}

func formatPreds(b *strings.Builder, preds []node) {
	for _, p := range preds {
		b.WriteString("[")
		p.format(b)
		b.WriteString("]")
	}
}

func (s *step) format(b *strings.Builder) {
	switch s.axis {
	case axisSelf:
		b.WriteString(".")
	case axisParent:
		b.WriteString("..")
	default:
		b.WriteString(s.name)
	}
	formatPreds(b, s.preds)
}

func (n *pathExpr) format(b *strings.Builder) {
	if n.filter != nil {
		switch n.filter.(type) {
		case *callExpr, *fieldRef, *stringLit, *numberLit, *binaryExpr:
			n.filter.format(b)
		default:
			b.WriteString("(")
			n.filter.format(b)
			b.WriteString(")")
		}
		formatPreds(b, n.fpreds)
		for _, s := range n.steps {
			b.WriteString("/")
			s.format(b)
		}
		return
	}
	if n.abs && len(n.steps) == 0 {
		// Bare "/" is parenthesised: "/ * 2" would lex as "/*" then "2".
		b.WriteString("(/)")
		return
	}
	if n.abs {
		b.WriteString("/")
	}
	for i, s := range n.steps {
		if i > 0 {
			b.WriteString("/")
		}
		s.format(b)
	}
}

// walk calls f for n and every node below it, stopping descent where f
// returns false.
func walk(n node, f func(node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *binaryExpr:
		walk(n.l, f)
		walk(n.r, f)
	case *negExpr:
		walk(n.x, f)
	case *callExpr:
		for _, a := range n.args {
			walk(a, f)
		}
	case *pathExpr:
		walk(n.filter, f)
		for _, p := range n.fpreds {
			walk(p, f)
		}
		for _, s := range n.steps {
			for _, p := range s.preds {
				walk(p, f)
			}
		}
	}
}
