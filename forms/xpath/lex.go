package xpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError reports an expression that does not parse, or that calls an
// unknown function or a function with the wrong number of arguments.
type SyntaxError struct {
	Offset int    // byte offset in the source where the problem was found
	Column int    // 1-based column of Offset, counted in characters
	Msg    string // what is wrong, without the position
}

// Error reports the message with a 1-based column, as form authors count.
func (e *SyntaxError) Error() string {
	col := e.Column
	if col == 0 {
		col = e.Offset + 1
	}
	return fmt.Sprintf("%s at column %d", e.Msg, col)
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tNum
	tStr
	tName   // NCName or QName (prefix:local); also "prefix:*"
	tField  // ${name}
	tStar   // * as a name test
	tMul    // * as multiplication
	tAnd    // and
	tOr     // or
	tDiv    // div
	tMod    // mod
	tLParen // (
	tRParen // )
	tLBrack // [
	tRBrack // ]
	tComma
	tSlash  // /
	tSlash2 // //
	tDot    // .
	tDot2   // ..
	tAt     // @
	tAxis   // ::
	tPipe   // |
	tPlus
	tMinus
	tEq
	tNeq
	tLt
	tLe
	tGt
	tGe
	tDollar // $ (variable reference, unsupported)
)

type token struct {
	kind tokKind
	off  int
	text string  // source text of the token
	num  float64 // tNum
	str  string  // tStr: contents; tField: the name
	// lastSaved marks ${last-saved#name} (tField).
	lastSaved bool
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tStr:
		return "string " + t.text
	case tNum:
		return "number " + t.text
	}
	return "'" + t.text + "'"
}

// lex splits src into tokens. It resolves XPath's lexical ambiguities (is '*'
// a name test or multiplication, is "div" a name or an operator) from the
// preceding token, as XPath 1.0 §3.7 prescribes.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	// operandEnd reports whether the last token ends an operand, which
	// makes a following '*' or operator name an operator.
	operandEnd := func() bool {
		if len(toks) == 0 {
			return false
		}
		switch toks[len(toks)-1].kind {
		case tNum, tStr, tName, tField, tStar, tRParen, tRBrack, tDot, tDot2:
			return true
		}
		return false
	}
	add := func(k tokKind, start int) {
		toks = append(toks, token{kind: k, off: start, text: src[start:i]})
	}
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c {
				j++
			}
			if j >= len(src) {
				return nil, &SyntaxError{Offset: start, Msg: "unterminated string"}
			}
			i = j + 1
			toks = append(toks, token{kind: tStr, off: start, text: src[start:i], str: src[start+1 : j]})
			continue
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			for i < len(src) && isDigit(src[i]) {
				i++
			}
			if i < len(src) && src[i] == '.' {
				i++
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
			text := src[start:i]
			n, err := strconv.ParseFloat(text, 64)
			if err != nil {
				// Only range errors are possible here; ParseFloat then gives ±Inf.
				n = parseFloatLoose(text)
			}
			toks = append(toks, token{kind: tNum, off: start, text: text, num: n})
			continue
		case c == '$':
			if i+1 < len(src) && src[i+1] == '{' {
				j := i + 2
				for j < len(src) && src[j] != '}' {
					j++
				}
				if j >= len(src) {
					return nil, &SyntaxError{Offset: start, Msg: "unterminated ${ reference"}
				}
				name := src[i+2 : j]
				// ${last-saved#name}: the answer in the last interview
				// saved with this form (ODK's last-saved instance).
				bare, last := strings.CutPrefix(name, "last-saved#")
				if !isNCName(bare) {
					return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("malformed reference ${%s}", name)}
				}
				i = j + 1
				toks = append(toks, token{kind: tField, off: start, text: src[start:i], str: bare, lastSaved: last})
				continue
			}
			i++
			add(tDollar, start)
			continue
		}
		if r, size := utf8.DecodeRuneInString(src[i:]); isNameStart(r) {
			i += size
			i = scanNameRest(src, i)
			// A prefix: "jr:choice-name" or "jr:*", but not the axis "child::".
			if i+1 < len(src) && src[i] == ':' && src[i+1] != ':' {
				if r2, size2 := utf8.DecodeRuneInString(src[i+1:]); isNameStart(r2) {
					i = scanNameRest(src, i+1+size2)
				} else if src[i+1] == '*' {
					i += 2
				}
			}
			text := src[start:i]
			k := tName
			if operandEnd() {
				switch text {
				case "and":
					k = tAnd
				case "or":
					k = tOr
				case "div":
					k = tDiv
				case "mod":
					k = tMod
				}
			}
			toks = append(toks, token{kind: k, off: start, text: text})
			continue
		}
		two := ""
		if i+1 < len(src) {
			two = src[i : i+2]
		}
		switch two {
		case "//":
			i += 2
			add(tSlash2, start)
			continue
		case "..":
			i += 2
			add(tDot2, start)
			continue
		case "::":
			i += 2
			add(tAxis, start)
			continue
		case "!=":
			i += 2
			add(tNeq, start)
			continue
		case "<=":
			i += 2
			add(tLe, start)
			continue
		case ">=":
			i += 2
			add(tGe, start)
			continue
		}
		var k tokKind
		switch c {
		case '(':
			k = tLParen
		case ')':
			k = tRParen
		case '[':
			k = tLBrack
		case ']':
			k = tRBrack
		case ',':
			k = tComma
		case '/':
			k = tSlash
		case '.':
			k = tDot
		case '@':
			k = tAt
		case '|':
			k = tPipe
		case '+':
			k = tPlus
		case '-':
			k = tMinus
		case '=':
			k = tEq
		case '<':
			k = tLt
		case '>':
			k = tGt
		case '*':
			k = tStar
			if operandEnd() {
				k = tMul
			}
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			msg := fmt.Sprintf("unexpected character %q", r)
			switch r {
			case '‘', '’', '‚', '“', '”', '„', '«', '»':
				// Spreadsheets turn ' into typographic quotes.
				msg = fmt.Sprintf("typographic quote %q: write strings with straight quotes ' or \"", r)
			}
			return nil, &SyntaxError{Offset: start, Msg: msg}
		}
		i++
		add(k, start)
	}
	toks = append(toks, token{kind: tEOF, off: len(src)})
	return toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}

func isNameChar(r rune) bool {
	return r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '\u00B7'
}

func scanNameRest(src string, i int) int {
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		if !isNameChar(r) {
			break
		}
		i += size
	}
	return i
}

// isNCName reports whether s is a valid XML name without a colon, which is
// what XLSForm allows in the name column and hence inside ${}.
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	r, size := utf8.DecodeRuneInString(s)
	if !isNameStart(r) {
		return false
	}
	return scanNameRest(s, size) == len(s)
}

// parseFloatLoose handles literals ParseFloat rejects for range: huge
// literals become ±Inf, tiny ones 0, which is what Java's parser yields.
func parseFloatLoose(text string) float64 {
	n, _ := strconv.ParseFloat(text, 64)
	return n
}
