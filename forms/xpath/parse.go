package xpath

import (
	"fmt"
)

// Limits that keep hostile or broken spreadsheets from exhausting memory or
// the stack: form expressions are a few hundred bytes in practice.
const (
	// MaxLength is the longest expression Parse accepts, in bytes.
	MaxLength = 64 << 10
	// MaxDepth bounds the nesting of parentheses, predicates, function
	// arguments and unary minus signs.
	MaxDepth = 200
)

type parser struct {
	toks  []token
	pos   int
	depth int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(k int) token {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return &SyntaxError{Offset: t.off, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(t token) error {
	return p.errAt(t, "unexpected %s", t.describe())
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		if t.kind == tEOF {
			return t, p.errAt(t, "missing %s", what)
		}
		return t, p.errAt(t, "expected %s, found %s", what, t.describe())
	}
	return t, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(p.peek(), "expression nested too deeply (more than %d levels)", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseExpr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseBinary(0)
}

// levels lists the binary operators from loosest to tightest binding.
var levels = [][]struct {
	tok tokKind
	op  opKind
}{
	{{tOr, opOr}},
	{{tAnd, opAnd}},
	{{tEq, opEq}, {tNeq, opNeq}},
	{{tLt, opLt}, {tLe, opLe}, {tGt, opGt}, {tGe, opGe}},
	{{tPlus, opAdd}, {tMinus, opSub}},
	{{tMul, opMul}, {tDiv, opDiv}, {tMod, opMod}},
}

func (p *parser) parseBinary(level int) (node, error) {
	if level == len(levels) {
		return p.parseUnary()
	}
	l, err := p.parseBinary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		found := false
		var op opKind
		for _, o := range levels[level] {
			if o.tok == t.kind {
				found, op = true, o.op
				break
			}
		}
		if !found {
			return l, nil
		}
		p.next()
		r, err := p.parseBinary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: op, l: l, r: r}
	}
}

func (p *parser) parseUnary() (node, error) {
	if p.peek().kind == tMinus {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &negExpr{x: x}, nil
	}
	return p.parseUnion()
}

func (p *parser) parseUnion() (node, error) {
	l, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tPipe {
		p.next()
		r, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: opUnion, l: l, r: r}
	}
	return l, nil
}

// startsStep reports whether the current token begins a location step
// rather than a primary expression.
func (p *parser) startsStep() bool {
	t := p.peek()
	switch t.kind {
	case tDot, tDot2, tAt, tStar:
		return true
	case tName:
		nt := p.peekAt(1)
		if nt.kind == tLParen {
			return isNodeType(t.text)
		}
		return true
	}
	return false
}

func isNodeType(name string) bool {
	switch name {
	case "node", "text", "comment", "processing-instruction":
		return true
	}
	return false
}

func (p *parser) parsePath() (node, error) {
	t := p.peek()
	switch t.kind {
	case tSlash:
		p.next()
		path := &pathExpr{abs: true}
		if p.startsStep() {
			if err := p.parseSteps(path); err != nil {
				return nil, err
			}
		}
		return path, nil
	case tSlash2:
		return nil, p.errAt(t, "'//' (descendant paths) is not supported; write the full path")
	}
	if p.startsStep() {
		path := &pathExpr{}
		if err := p.parseSteps(path); err != nil {
			return nil, err
		}
		return path, nil
	}
	prim, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	var preds []node
	for p.peek().kind == tLBrack {
		pr, err := p.parsePredicate()
		if err != nil {
			return nil, err
		}
		preds = append(preds, pr)
	}
	switch p.peek().kind {
	case tSlash:
		p.next()
		path := &pathExpr{filter: prim, fpreds: preds}
		if err := p.parseSteps(path); err != nil {
			return nil, err
		}
		return path, nil
	case tSlash2:
		return nil, p.errAt(p.peek(), "'//' (descendant paths) is not supported; write the full path")
	}
	if len(preds) > 0 {
		return &pathExpr{filter: prim, fpreds: preds}, nil
	}
	return prim, nil
}

// parseSteps parses step ('/' step)* into path.
func (p *parser) parseSteps(path *pathExpr) error {
	for {
		s, err := p.parseStep()
		if err != nil {
			return err
		}
		path.steps = append(path.steps, s)
		switch p.peek().kind {
		case tSlash:
			p.next()
		case tSlash2:
			return p.errAt(p.peek(), "'//' (descendant paths) is not supported; write the full path")
		default:
			return nil
		}
	}
}

func (p *parser) parseStep() (step, error) {
	t := p.next()
	var s step
	switch t.kind {
	case tDot:
		s.axis = axisSelf
	case tDot2:
		s.axis = axisParent
	case tAt:
		return s, p.errAt(t, "attributes ('@') are not supported")
	case tStar:
		s.name = "*"
	case tName:
		if p.peek().kind == tAxis {
			p.next()
			switch t.text {
			case "child":
			case "self":
				s.axis = axisSelf
			case "parent":
				s.axis = axisParent
			default:
				return s, p.errAt(t, "axis %s:: is not supported (only child, self and parent)", t.text)
			}
			nt := p.next()
			switch {
			case nt.kind == tStar:
				s.name = "*"
			case nt.kind == tName && p.peek().kind != tLParen:
				s.name = nt.text
			case nt.kind == tName:
				return s, p.errAt(nt, "node test %s() is not supported", nt.text)
			default:
				return s, p.errAt(nt, "expected a name after %s::, found %s", t.text, nt.describe())
			}
			if s.axis != axisChild && s.name != "*" {
				// self::x and parent::x filter by name; keep it simple
				// and reject them rather than mis-evaluate.
				return s, p.errAt(t, "%s::%s is not supported; use '.' or '..'", t.text, s.name)
			}
			if s.axis != axisChild {
				s.name = ""
			}
		} else if p.peek().kind == tLParen {
			return s, p.errAt(t, "node test %s() is not supported", t.text)
		} else {
			s.name = t.text
		}
	default:
		return s, p.unexpected(t)
	}
	for p.peek().kind == tLBrack {
		if s.axis != axisChild {
			return s, p.errAt(p.peek(), "a predicate cannot follow '.' or '..'")
		}
		pr, err := p.parsePredicate()
		if err != nil {
			return s, err
		}
		s.preds = append(s.preds, pr)
	}
	return s, nil
}

func (p *parser) parsePredicate() (node, error) {
	p.next() // [
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRBrack, "']'"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.next()
	switch t.kind {
	case tNum:
		return &numberLit{v: t.num, text: t.text}, nil
	case tStr:
		return &stringLit{s: t.str}, nil
	case tField:
		return &fieldRef{name: t.str, lastSaved: t.lastSaved}, nil
	case tLParen:
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	case tDollar:
		return nil, p.errAt(t, "variables ($name) are not supported; write ${name} for a question")
	case tName:
		return p.parseCall(t)
	case tEOF:
		return nil, p.errAt(t, "unexpected end of expression")
	}
	return nil, p.unexpected(t)
}

func (p *parser) parseCall(name token) (node, error) {
	p.next() // (
	fn := lookupFunc(name.text)
	if fn == nil {
		return nil, p.errAt(name, "unknown function %s", name.text)
	}
	call := &callExpr{name: name.text, fn: fn}
	if p.peek().kind != tRParen {
		for {
			a, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, a)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	if _, err := p.expect(tRParen, "')' or ','"); err != nil {
		return nil, err
	}
	if n := len(call.args); n < fn.min || (fn.max >= 0 && n > fn.max) {
		return nil, p.errAt(name, "%s() takes %s, got %d", name.text, fn.arity(), n)
	}
	if fn.check != nil {
		if err := fn.check(call); err != nil {
			return nil, &SyntaxError{Offset: name.off, Msg: err.Error()}
		}
	}
	return call, nil
}
