package forms

import "regexp"

// defaultTokens are the token rules of pyxform's expression lexer
// (pyxform/parsing/expression.py, 4.5), in its priority order: at each
// position the first rule that matches wins, as in lark's standard lexer.
// Only what isDynamicDefault needs is kept: which rule matched.
var defaultTokens = func() []struct {
	kind string
	re   *regexp.Regexp
} {
	const nameStart = `[\p{L}_]`
	const ncname = nameStart + `(?:` + nameStart + `|[-.0-9\x{b7}\x{300}-\x{36f}\x{203f}-\x{2040}])*`
	const ncnameNS = ncname + `(?::` + ncname + `)?`
	const date = `-?\d{4}-\d{2}-\d{2}`
	const tm = `\d{2}:\d{2}:\d{2}(?:\.\s+)?(?:(?:\+|\-)\d{2}:\d{2}|Z)?`
	rules := []struct{ kind, re string }{
		{"DATETIME", date + "T" + tm},
		{"DATE", date},
		{"TIME", tm},
		{"NUMBER", `-?\d+\.\d*|-?\.\d+|-?\d+`},
		{"OPS_MATH", `[\*\+\-]| mod | div `},
		{"OPS_COMP", `=|!=|<|>|<=|>=`},
		{"OPS_BOOL", ` and | or `},
		{"OPS_UNION", `\|`},
		{"OPEN_PAREN", `\(`},
		{"CLOSE_PAREN", `\)`},
		{"BRACKET", `[\[\{\}]`},
		{"PARENT_REF", `\.\.`},
		{"SELF_REF", `\.`},
		{"PATH_SEP", `/`},
		{"SYSTEM_LITERAL", `"[^"]*"|'[^']*'`},
		{"COMMA", `,`},
		{"WHITESPACE", `\s+`},
		{"PYXFORM_REF", `\$\{(?:last-saved#)?` + ncname + `\}`},
		{"FUNC_CALL", ncnameNS + `\(`},
		{"XPATH_PRED_START", ncnameNS + `\[`},
		{"XPATH_PRED_END", `\]`},
		{"URI_SCHEME", ncname + `://`},
		{"NAME", ncnameNS},
		{"PYXFORM_REF_START", `\$\{`},
		{"PYXFORM_REF_END", `\}`},
		{"OTHER", `(?s:.)`},
	}
	out := make([]struct {
		kind string
		re   *regexp.Regexp
	}, len(rules))
	for i, r := range rules {
		out[i].kind = r.kind
		out[i].re = regexp.MustCompile(`^(?:` + r.re + `)`)
	}
	return out
}()

// isDynamicDefault follows pyxform's default_is_dynamic: a default is an
// expression when its tokens include an arithmetic operator (except "-"
// for date, dateTime and geo types, whose literals hold dashes), a union,
// a ${} reference or a function call written name( with no space. So
// "Présent (indigène)" and "a-b" are literals, "concat(a, b)", "1 + 1" and
// "${age}" expressions.
func isDynamicDefault(s string, t Type) bool {
	dashy := false
	switch t {
	case TypeDate, TypeDateTime, TypeGeopoint, TypeGeotrace, TypeGeoshape:
		dashy = true
	}
	for i := 0; i < len(s); {
		var kind, tok string
		for _, r := range defaultTokens {
			if m := r.re.FindString(s[i:]); m != "" {
				kind, tok = r.kind, m
				break
			}
		}
		if tok == "" {
			return false // cannot happen: OTHER matches any character
		}
		i += len(tok)
		switch kind {
		case "OPS_MATH":
			if dashy && tok == "-" {
				return false
			}
			return true
		case "OPS_UNION", "PYXFORM_REF", "FUNC_CALL":
			return true
		}
	}
	return false
}
