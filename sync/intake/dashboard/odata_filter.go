package dashboard

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxFilterLen bounds a $filter expression.
const maxFilterLen = 2000

// filterExpr is a parsed OData $filter on the submission date and the
// review state: comparisons joined by and, or, not and parentheses.
type filterExpr struct {
	op          string // "and", "or", "not", or a comparison: eq ne gt ge lt le
	left, right *filterExpr
	field       string    // "date" or "review" for comparisons
	t           time.Time // date literal
	s           string    // review state literal
	null        bool      // the literal null
}

// filterFields maps the property names a $filter may use (Sira's column
// names and ODK Central's __system ones) to the field compared.
var filterFields = map[string]string{
	"SubmissionDate": "date", "__system/submissionDate": "date",
	"ReviewState": "review", "__system/reviewState": "review",
}

// parseFilter parses a $filter expression. Errors say what and where.
func parseFilter(s string) (*filterExpr, error) {
	if len(s) > maxFilterLen {
		return nil, fmt.Errorf("$filter: longer than %d characters", maxFilterLen)
	}
	p := &filterParser{toks: nil}
	if err := p.lex(s); err != nil {
		return nil, err
	}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("$filter: unexpected %q", p.toks[p.i])
	}
	return e, nil
}

type filterParser struct {
	toks []string
	i    int
}

func (p *filterParser) lex(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			p.toks = append(p.toks, string(c))
			i++
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' { // '' is a quote
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return fmt.Errorf("$filter: unterminated string at %d", i)
			}
			p.toks = append(p.toks, "'"+b.String())
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '(' && s[j] != ')' && s[j] != '\'' {
				j++
			}
			p.toks = append(p.toks, s[i:j])
			i = j
		}
		if len(p.toks) > 200 {
			return errors.New("$filter: too many terms")
		}
	}
	return nil
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) next() string {
	t := p.peek()
	p.i++
	return t
}

func (p *filterParser) or(depth int) (*filterExpr, error) {
	if depth > 20 {
		return nil, errors.New("$filter: nested too deeply")
	}
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.next()
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &filterExpr{op: "or", left: l, right: r}
	}
	return l, nil
}

func (p *filterParser) and(depth int) (*filterExpr, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.next()
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = &filterExpr{op: "and", left: l, right: r}
	}
	return l, nil
}

func (p *filterParser) unary(depth int) (*filterExpr, error) {
	switch p.peek() {
	case "not":
		p.next()
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &filterExpr{op: "not", left: e}, nil
	case "(":
		p.next()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, errors.New("$filter: missing )")
		}
		return e, nil
	}
	name := p.next()
	field, ok := filterFields[name]
	if !ok {
		return nil, fmt.Errorf("$filter: %q cannot be filtered on (SubmissionDate, ReviewState, __system/submissionDate, __system/reviewState)", name)
	}
	op := p.next()
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("$filter: %q after %s is not a comparison (eq ne gt ge lt le)", op, name)
	}
	lit := p.next()
	e := &filterExpr{op: op, field: field}
	switch {
	case lit == "null":
		e.null = true
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("$filter: null compares with eq or ne only")
		}
	case field == "review":
		if !strings.HasPrefix(lit, "'") {
			return nil, fmt.Errorf("$filter: %s compares with a quoted state, not %q", name, lit)
		}
		e.s = lit[1:]
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("$filter: %s compares with eq or ne only", name)
		}
	default:
		t, err := time.Parse(time.RFC3339Nano, lit)
		if err != nil {
			if t, err = time.Parse("2006-01-02", lit); err != nil {
				return nil, fmt.Errorf("$filter: %q is not a date (2026-11-01 or 2026-11-01T00:00:00Z)", lit)
			}
		}
		e.t = t
	}
	return e, nil
}

// match evaluates the filter for a submission received at received, in
// review state review.
func (e *filterExpr) match(received time.Time, review string) bool {
	if e == nil {
		return true
	}
	switch e.op {
	case "and":
		return e.left.match(received, review) && e.right.match(received, review)
	case "or":
		return e.left.match(received, review) || e.right.match(received, review)
	case "not":
		return !e.left.match(received, review)
	}
	var c int
	if e.field == "review" {
		if e.null {
			c = cmpBool(review == "")
		} else {
			c = strings.Compare(review, e.s)
		}
	} else {
		if e.null {
			c = cmpBool(received.IsZero())
		} else {
			c = received.Compare(e.t)
		}
	}
	switch e.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	}
	return c <= 0
}

// cmpBool is 0 when isNull (equal to null), else 1.
func cmpBool(isNull bool) int {
	if isNull {
		return 0
	}
	return 1
}
