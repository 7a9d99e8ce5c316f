package xpath

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Expr is a parsed expression. It is immutable and safe for concurrent use.
type Expr struct {
	src       string
	root      node
	fields    []string
	lastSaved []string // ${last-saved#name} names
	paths     []string
	volatile  bool
}

// Parse parses an XLSForm/ODK expression. Errors are *SyntaxError, including
// calls to unknown functions and calls with a number of arguments the
// function never accepts. Inputs longer than MaxLength or nested deeper than
// MaxDepth are rejected, never a panic.
func Parse(src string) (*Expr, error) {
	e, err := parse(src)
	if se, ok := err.(*SyntaxError); ok && se.Offset <= len(src) {
		se.Column = utf8.RuneCountInString(src[:se.Offset]) + 1
	}
	return e, err
}

func parse(src string) (*Expr, error) {
	if len(src) > MaxLength {
		return nil, &SyntaxError{Offset: MaxLength, Msg: "expression too long"}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, &SyntaxError{Offset: 0, Msg: "empty expression"}
	}
	root, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t)
	}
	e := &Expr{src: src, root: root}
	e.analyse()
	return e, nil
}

// MustParse is Parse for expressions written in Go source (tests, the
// built-in survey); it panics on a syntax error.
func MustParse(src string) *Expr {
	e, err := Parse(src)
	if err != nil {
		panic("xpath: MustParse(" + src + "): " + err.Error())
	}
	return e
}

// String returns the expression's source text as given to Parse.
func (e *Expr) String() string { return e.src }

// Canonical returns a normalised, fully parenthesised rendering of the
// expression; Parse(Canonical()) yields the same expression.
func (e *Expr) Canonical() string {
	var b strings.Builder
	e.root.format(&b)
	return b.String()
}

// LastSaved returns the distinct ${last-saved#name} references, in order
// of appearance (not in Fields: they read the last saved interview).
func (e *Expr) LastSaved() []string { return append([]string(nil), e.lastSaved...) }

// Fields returns the distinct ${name} references, in order of appearance.
func (e *Expr) Fields() []string { return append([]string(nil), e.fields...) }

// Paths returns the location paths the expression reads, for dependency
// analysis: as written, without predicates, in order of appearance and
// without duplicates. Absolute ("/data/g/q") and relative ("../q", "q",
// ".") paths are included; paths into secondary instances (under
// instance()) are not. A path that starts at current() keeps that prefix
// ("current()/../q"). A relative path inside a predicate is reported joined
// to the step it filters ("/data/g[n = 1]" reads "/data/g" and "/data/g/n").
func (e *Expr) Paths() []string { return append([]string(nil), e.paths...) }

// Volatile reports whether the expression calls now(), today(), random() or
// uuid(), whose value changes without any answer changing.
func (e *Expr) Volatile() bool { return e.volatile }

// analyse fills fields, paths and volatile from the tree.
func (e *Expr) analyse() {
	seenF := map[string]int{}
	seenP := map[string]bool{}
	addPath := func(p string) {
		if p != "" && !seenP[p] {
			seenP[p] = true
			e.paths = append(e.paths, p)
		}
	}
	var visit func(n node, base string, skip bool)
	visit = func(n node, base string, skip bool) {
		walk(n, func(n node) bool {
			switch n := n.(type) {
			case *fieldRef:
				if n.lastSaved {
					if !slices.Contains(e.lastSaved, n.name) {
						e.lastSaved = append(e.lastSaved, n.name)
					}
					return true
				}
				i, ok := seenF[n.name]
				if !ok {
					i = len(e.fields)
					seenF[n.name] = i
					e.fields = append(e.fields, n.name)
				}
				n.idx = i
			case *callExpr:
				if n.fn.volatile {
					e.volatile = true
				}
			case *pathExpr:
				visitPath(n, base, skip, addPath, visit)
				return false
			}
			return true
		})
	}
	visit(e.root, "", false)
}

// visitPath records the path n and descends into its filter and predicates.
// base is the path of the step a predicate filters ("" at top level); skip
// is set inside predicates whose candidates are not nodes of the form
// (instance items), where relative paths must not be recorded.
func visitPath(n *pathExpr, base string, skip bool, addPath func(string), visit func(node, string, bool)) {
	var b strings.Builder
	record := true
	switch {
	case n.filter != nil:
		visit(n.filter, base, skip)
		for _, p := range n.fpreds {
			visit(p, "", true)
		}
		if f, ok := n.filter.(*callExpr); ok && f.name == "current" {
			b.WriteString("current()")
		} else {
			// instance('x')/..., ${x}/..., (expr)/...: not a form path, or
			// one Fields and the inner paths already report.
			record, skip = false, true
		}
	case n.abs:
	case skip:
		record = false
	default:
		b.WriteString(base)
	}
	for i, s := range n.steps {
		if i > 0 || n.abs || b.Len() > 0 {
			b.WriteString("/")
		}
		switch s.axis {
		case axisSelf:
			b.WriteString(".")
		case axisParent:
			b.WriteString("..")
		default:
			b.WriteString(s.name)
		}
		for _, p := range s.preds {
			// Relative paths in a predicate start at the candidate node.
			visit(p, b.String(), !record)
		}
	}
	if n.abs && len(n.steps) == 0 {
		b.WriteString("/")
	}
	if record {
		addPath(b.String())
	}
}
