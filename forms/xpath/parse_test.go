package xpath_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"sira/forms/xpath"
)

func TestParseOK(t *testing.T) {
	tests := []struct {
		src       string
		canonical string
		fields    []string
		paths     []string
		volatile  bool
	}{
		{src: "1 + 2 * 3", canonical: "(1 + (2 * 3))"},
		{src: "${age} >= 18 and ${sex} = 'f'", canonical: "((${age} >= 18) and (${sex} = 'f'))", fields: []string{"age", "sex"}},
		{src: ".", canonical: ".", paths: []string{"."}},
		{src: "../q + ..", canonical: "(../q + ..)", paths: []string{"../q", ".."}},
		{src: "/data/g/q", canonical: "/data/g/q", paths: []string{"/data/g/q"}},
		{src: "region = ${region}", canonical: "(region = ${region})", fields: []string{"region"}, paths: []string{"region"}},
		{src: "instance('list')/root/item[name = ${x}]/label", canonical: "instance('list')/root/item[(name = ${x})]/label", fields: []string{"x"}},
		{src: "jr:choice-name(${q}, '${q}')", canonical: "jr:choice-name(${q}, '${q}')", fields: []string{"q"}},
		{src: "div div div", canonical: "(div div div)", paths: []string{"div"}},
		{src: "mod * *", canonical: "(mod * *)", paths: []string{"mod", "*"}},
		{src: "-5 mod 3", canonical: "((-5) mod 3)"},
		{src: "--5", canonical: "(-(-5))"},
		{src: "today() - ${dob}", canonical: "(today() - ${dob})", fields: []string{"dob"}, volatile: true},
		{src: "once(uuid())", canonical: "once(uuid())", volatile: true},
		{src: "/data/group[position() = (position(current()/..) - 1)]/number", canonical: "/data/group[(position() = (position(current()/..) - 1))]/number", paths: []string{"current()/..", "/data/group/number"}},
		{src: "/data/g[n = 1]/x", canonical: "/data/g[(n = 1)]/x", paths: []string{"/data/g/n", "/data/g/x"}},
		{src: "/union | /expr", canonical: "(/union | /expr)", paths: []string{"/union", "/expr"}},
		{src: "/", canonical: "(/)", paths: []string{"/"}},
		{src: "(/) * 2", canonical: "((/) * 2)", paths: []string{"/"}},
		{src: "'it''s'", canonical: ""},
		{src: `"it's"`, canonical: `"it's"`},
		{src: "child::a/self::*/parent::*", canonical: "a/./..", paths: []string{"a/./.."}},
		{src: "(../a)[1]/b", canonical: "(../a)[1]/b", paths: []string{"../a"}},
		{src: "1.5 * .5 + 5.", canonical: "((1.5 * .5) + 5.)"},
		{src: "café = 'é'", canonical: "(café = 'é')", paths: []string{"café"}},
		{src: "${a} + ${b} + ${a}", canonical: "((${a} + ${b}) + ${a})", fields: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := xpath.Parse(tt.src)
			if tt.canonical == "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, want error", tt.src, e.Canonical())
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if got := e.String(); got != tt.src {
				t.Errorf("String() = %q", got)
			}
			if got := e.Canonical(); got != tt.canonical {
				t.Errorf("Canonical() = %q, want %q", got, tt.canonical)
			}
			if got := e.Fields(); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("Fields() = %q, want %q", got, tt.fields)
			}
			if got := e.Paths(); !reflect.DeepEqual(got, tt.paths) {
				t.Errorf("Paths() = %q, want %q", got, tt.paths)
			}
			if got := e.Volatile(); got != tt.volatile {
				t.Errorf("Volatile() = %v", got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"1 + (2 * 3))", 11, "unexpected ')'"},
		{"(1 + 2", 6, "missing ')'"},
		{"'abc", 0, "unterminated string"},
		{"foo(1)", 0, "unknown function foo"},
		{"not-a-function()", 0, "unknown function not-a-function"},
		{"true(5)", 0, "true() takes 0 arguments, got 1"},
		{"coalesce('a', 'b', 'c')", 0, "coalesce() takes 2 arguments, got 3"},
		{"number()", 0, "number() takes 1 argument, got 0"},
		{"substr('a')", 0, "substr() takes 2 or 3 arguments, got 1"},
		{"${a b}", 0, "malformed reference ${a b}"},
		{"${a", 0, "unterminated ${ reference"},
		{"", 0, "empty expression"},
		{"   ", 0, "empty expression"},
		{"1 +", 3, "unexpected end of expression"},
		{"1 2", 2, "unexpected number 2"},
		{"/cant//support", 5, "'//' (descendant paths) is not supported"},
		{"/descendant::blah", 1, "axis descendant:: is not supported"},
		{"/text()", 1, "node test text() is not supported"},
		{"@id", 0, "attributes ('@') are not supported"},
		{"$x", 0, "variables ($name) are not supported"},
		{"1 # 2", 2, "unexpected character '#'"},
		{"${a} = ‘yes’", 7, "typographic quote '‘': write strings with straight quotes"},
		{"indexed-repeat(${a}, ${r}, 1, ${r2})", 0, "indexed-repeat() takes a field"},
		{"a[1", 3, "missing ']'"},
		{"f(", 0, "unknown function f"},
		{"concat(1,", 9, "unexpected end of expression"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 200, "nested too deeply"},
		{strings.Repeat("-", 300) + "1", 200, "nested too deeply"},
		{strings.Repeat("a[", 300) + "1" + strings.Repeat("]", 300), 0, "nested too deeply"},
		{strings.Repeat("1+", 40000) + "1", 65536, "expression too long"},
	}
	for _, tt := range tests {
		name := tt.src
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := xpath.Parse(tt.src)
			var se *xpath.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want *SyntaxError", tt.src, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tt.msg)
			}
			if tt.offset != 0 && se.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d (%v)", se.Offset, tt.offset, err)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	for src, want := range map[string]string{
		"(1 + 2))":        "unexpected ')' at column 8",
		"'Ségou' = 'é' )": "unexpected ')' at column 15", // columns count characters, not bytes
		"lower('x')":      "unknown function lower at column 1",
		"concat('a'":      "missing ')' or ',' at column 11",
		"if(1, 2)":        "if() takes 3 arguments, got 2 at column 1",
	} {
		_, err := xpath.Parse(src)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", src)
			continue
		}
		if got := err.Error(); got != want {
			t.Errorf("Parse(%q): %q, want %q", src, got, want)
		}
	}
}
