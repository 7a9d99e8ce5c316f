package xpath_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"sira/forms/xpath"
)

// household is a small interview: a household head, a roster repeat of
// three members and a secondary instance of regions and cercles.
func household() *tctx {
	member := func(name string, age any, sex string) *tnode {
		return el("member", leaf("mname", name), leaf("mage", age), leaf("msex", sex), leaf("mcalc", ""))
	}
	root := el("data",
		leaf("age", 34),
		leaf("empty", ""),
		leaf("dob", time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC)),
		leaf("region", "kayes"),
		leaf("cercle", "nioro"),
		leaf("reasons", "work  family other"),
		leaf("arrival", xpath.DateTime(time.Date(2026, 11, 27, 18, 45, 30, 0, time.UTC))),
		leaf("clock", xpath.Time(time.Date(0, 1, 1, 6, 0, 0, 0, time.UTC))),
		leaf("trace", "12.6 -8.0 0 0;12.6 -7.99 0 0"),
		el("grp", leaf("inner", "x")),
		member("Awa", 30, "f"),
		member("Moussa", 12, "m"),
		member("Fanta", "", "f"),
	)
	item := func(name, label, region string) *tnode {
		return el("item", leaf("name", name), leaf("label", label), leaf("region", region))
	}
	return &tctx{
		root: root,
		cur:  find(root, "/data/age"),
		inst: map[string]*tnode{"cercles": el("root",
			item("kayes_c", "Kayes", "kayes"), item("nioro", "Nioro du Sahel", "kayes"),
			item("bamako_c", "Bamako", "bamako"))},
		labels: map[string]string{"/data/region\x00kayes": "Kayes"},
		now:    time.Date(2026, 11, 28, 9, 15, 0, 0, time.UTC),
	}
}

func TestEval(t *testing.T) {
	tests := []struct {
		expr string
		cur  string // path of the current node; "" = /data/age
		want any    // string, float64, bool, or "date:YYYY-MM-DD"
	}{
		// References and empty answers.
		{expr: "${age} >= 18", want: true},
		{expr: "${empty} = ''", want: true},
		{expr: "${empty} = 0", want: false},
		{expr: "${empty} + 1", want: math.NaN()},
		{expr: "coalesce(${empty}, 0) + 1", want: 1.0},
		{expr: "${empty} < 5 or ${empty} >= 5", want: false},
		{expr: ". + 1", want: 35.0},
		{expr: "../region", want: "kayes"},
		{expr: "/data/grp/inner", want: "x"},
		{expr: "/data/grp/*", want: "x"},
		{expr: "/data/nothing", want: ""},
		{expr: "string(/data/grp)", want: ""},
		// Inside a repeat: ${} resolves to the same instance.
		{expr: "${mage} * 2", cur: "/data/member[2]/mcalc", want: 24.0},
		{expr: "position(..)", cur: "/data/member[3]/mcalc", want: 3.0},
		{expr: "../mname", cur: "/data/member[1]/mcalc", want: "Awa"},
		{expr: "count(${member})", want: 3.0},
		{expr: "count(/data/member[msex = 'f'])", want: 2.0},
		{expr: "sum(${mage})", want: 42.0},
		{expr: "max(${mage})", want: 30.0},
		{expr: "min(${mage})", want: 12.0},
		{expr: "min(${empty})", want: math.NaN()},
		{expr: "count-non-empty(${mage})", want: 2.0},
		{expr: "concat(${mname})", want: "AwaMoussaFanta"},
		{expr: "join(', ', ${mname})", want: "Awa, Moussa, Fanta"},
		{expr: "join('-', 'a', 2, true())", want: "a-2-true"},
		{expr: "/data/member[2]/mname", want: "Moussa"},
		{expr: "/data/member[last()]/mname", want: "Fanta"},
		{expr: "/data/member[position() > 1][1]/mname", want: "Moussa"},
		{expr: "/data/member[mage > 20]/mname", want: "Awa"},
		{expr: "(/data/member/mname)[3]", want: "Fanta"},
		{expr: "indexed-repeat(${mname}, ${member}, 2)", want: "Moussa"},
		{expr: "indexed-repeat(${mname}, ${member}, 0)", want: "Awa"},
		{expr: "indexed-repeat(${mname}, ${member}, 9)", want: ""},
		{expr: "indexed-repeat(/data/member/mname, /data/member, ${age} - 31)", want: "Fanta"},
		// Secondary instances and choice filters.
		{expr: "instance('cercles')/root/item[name = ${cercle}]/label", want: "Nioro du Sahel"},
		{expr: "count(instance('cercles')/root/item[region = current()/../region])", want: 2.0},
		{expr: "region = ${region}", cur: "cercles:/root/item[2]", want: true},
		{expr: "region = ${region}", cur: "cercles:/root/item[3]", want: false},
		{expr: "selected('kayes bamako', region)", cur: "cercles:/root/item[3]", want: true},
		{expr: "jr:choice-name(${region}, '${region}')", want: "Kayes"},
		{expr: "jr:choice-name(${region}, ' /data/region ')", want: "Kayes"},
		{expr: "jr:choice-name(${empty}, '${region}')", want: ""},
		{expr: "pulldata('cercles', 'label', 'name', ${cercle})", want: "Nioro du Sahel"},
		{expr: "pulldata('cercles.csv', 'region', 'name', 'bamako_c')", want: "bamako"},
		{expr: "pulldata('cercles', 'label', 'name', 'nowhere')", want: ""},
		// Selects.
		{expr: "selected(${reasons}, 'family')", want: true},
		{expr: "selected(${reasons}, 'fam')", want: false},
		{expr: "count-selected(${reasons})", want: 3.0},
		{expr: "selected-at(${reasons}, 0)", want: "work"},
		{expr: "selected-at(${reasons}, -1)", want: ""},
		{expr: "is-selected(${reasons}, 'other')", want: true},
		// Strings.
		{expr: "string-length('Ségou')", want: 5.0},
		{expr: "substr('Ségou', 1, 3)", want: "ég"},
		{expr: "translate('abcabc', 'abc', 'AB')", want: "ABAB"},
		{expr: "regex('76123456', '[67][0-9]{7}')", want: true},
		{expr: "regex('7612345', '[67][0-9]{7}')", want: false},
		{expr: "regex('ab', concat('a', 'b?'))", want: true},
		{expr: "normalize-space()", cur: "/data/grp/inner", want: "x"},
		{expr: "string(0.1 + 0.2)", want: "0.30000000000000004"},
		{expr: "string(1 div 3)", want: "0.3333333333333333"},
		{expr: "string(0.0000001)", want: "0.0000001"},
		{expr: "string(12345678901234)", want: "12345678901234"},
		{expr: "boolean-from-string('TRUE')", want: true},
		{expr: "base64-decode('U2lyYQ==')", want: "Sira"},
		// Dates.
		{expr: "today()", want: "date:2026-11-28"},
		{expr: "today() - ${dob}", want: 13407.0},
		{expr: "int((today() - ${dob}) div 365.25)", want: 36.0},
		{expr: "${dob} < date('2000-01-01')", want: true},
		{expr: "${dob} = '1990-03-15'", want: true},
		{expr: "format-date(${dob}, '%d/%m/%Y %a %b %n %e %y')", want: "15/03/1990 Thu Mar 3 15 90"},
		{expr: "format-date(${arrival}, '%H:%M:%S.%3 %h%%')", want: "18:45:30.000 18%"},
		{expr: "format-date('', '%Y')", want: ""},
		{expr: "string(${arrival})", want: "2026-11-27"},
		{expr: "today() - ${arrival}", want: 1.0},
		{expr: "decimal-date-time(now()) - decimal-date-time(${arrival})", want: 0.6038194444444444},
		{expr: "decimal-time(${clock})", want: 0.25},
		{expr: "decimal-time('06:00:00')", want: 0.25},
		{expr: "date('2026-11-27T23:59:59')", want: "date:2026-11-27"},
		{expr: "date('')", want: ""},
		{expr: "date(number(''))", want: math.NaN()},
		{expr: "date-time(0.5) = date('1970-01-01')", want: true},
		{expr: "decimal-date-time(date-time(0.5))", want: 0.5},
		// Numbers.
		{expr: "round(2.5)", want: 3.0},
		{expr: "round(-2.5)", want: -2.0},
		{expr: "round(1.005, 2)", want: 1.01},
		{expr: "round(99.95, 1)", want: 100.0},
		{expr: "round(0.5, 31)", want: math.NaN()},
		{expr: "round(1 div 0, 2)", want: math.Inf(1)},
		{expr: "int(-3.9)", want: -3.0},
		{expr: "floor(-3.5) + ceiling(3.2)", want: 0.0},
		{expr: "pow(2, 10) + abs(-1) + sqrt(16)", want: 1029.0},
		{expr: "atan2(1, 1) * 4 = pi()", want: true},
		{expr: "log(exp(2))", want: 2.0},
		{expr: "sin(0) + cos(0) + tan(0) + asin(0) + acos(1) + atan(0)", want: 1.0},
		{expr: "checklist(2, -1, ${age} > 18, ${region} = 'kayes', false())", want: true},
		{expr: "weighted-checklist(3, 10, true(), 2, false(), 5, 'x', 1.5)", want: true},
		{expr: "round(distance(${trace}))", want: 1086.0},
		{expr: "round(distance('0 0', '0 1'))", want: 111319.0},
		{expr: "round(area('0 0;0 0.01;0.01 0.01;0.01 0;0 0'))", want: 1239189.0},
		{expr: "area('0 0')", want: 0.0},
		{expr: "geofence('0.005 0.005', '0 0;0 0.01;0.01 0.01;0.01 0;0 0')", want: true},
		{expr: "geofence('0.02 0.005', '0 0;0 0.01;0.01 0.01;0.01 0;0 0')", want: false},
		{expr: "digest('abc', 'SHA-256', 'hex')", want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{expr: "digest('abc', 'MD5')", want: "kAFQmDzST7DWlj99KOF/cg=="},
		// once(): keeps a stored value.
		{expr: "once(5)", cur: "/data/empty", want: 5.0},
		{expr: "once(5)", want: 34.0},
		{expr: "string-length(uuid())", want: 36.0},
		{expr: "string-length(uuid(12))", want: 12.0},
		{expr: "random() < 1", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"@"+tt.cur, func(t *testing.T) {
			ctx := household()
			switch {
			case strings.HasPrefix(tt.cur, "cercles:"):
				inst := ctx.inst["cercles"]
				ctx.cur = find(inst, strings.TrimPrefix(tt.cur, "cercles:"))
			case tt.cur != "":
				ctx.cur = find(ctx.root, tt.cur)
			}
			e, err := xpath.Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := e.Eval(ctx)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			switch want := tt.want.(type) {
			case float64:
				if got.Kind != xpath.KindNumber {
					t.Fatalf("got %+v, want number %v", got, want)
				}
				if !(got.N == want || math.Abs(got.N-want) < 1e-9 || (math.IsNaN(want) && math.IsNaN(got.N))) {
					t.Errorf("got %v, want %v", got.N, want)
				}
			case bool:
				if got.Kind != xpath.KindBool || got.B != want {
					t.Errorf("got %+v, want %v", got, want)
				}
			case string:
				if d, ok := strings.CutPrefix(want, "date:"); ok {
					if got.Kind != xpath.KindDate || xpath.ToString(got) != d {
						t.Errorf("got %+v, want date %s", got, d)
					}
					return
				}
				if s := xpath.ToString(got); s != want {
					t.Errorf("got %q, want %q", s, want)
				}
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		expr string
		msg  string
	}{
		{"${mage} + 1", "This field is repeated"},
		{"concat(${mname}, '!')", "This field is repeated"},
		{"${nosuch}", `no field named "nosuch"`},
		{"/data | /data", "union operator"},
		{"date('2026-02-30')", "can't be converted to a date"},
		{"date(true())", "can't be converted to a date"},
		{"date(1 div 0)", "out of range"},
		{"selected(${reasons}, 1)", "must be in quotes"},
		{"count('abc')", "count(): the argument must be a field or path"},
		{"instance('nope')/root/item", `no instance named "nope"`},
		{"'abc'/x", "a path cannot start from a single value"},
		{"indexed-repeat(${age}, ${member}, 1)", "must be a repeat containing the field"},
		{"regex('a', concat('(', ''))", "invalid or unsupported pattern"},
		{"decimal-date-time('yesterday')", "can't be converted to a date"},
		{"uuid(-1)", "out of range"},
		{"digest('a', 'CRC32')", "unknown algorithm"},
		{"pulldata('nope', 'a', 'b', 'c')", `no file named "nope"`},
		{"distance('12.6')", "not a geopoint"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e := xpath.MustParse(tt.expr)
			_, err := e.Eval(household())
			var ee *xpath.EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Eval error = %v (%T), want *EvalError", err, err)
			}
			if !strings.Contains(ee.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", ee.Msg, tt.msg)
			}
			if ee.Expr != tt.expr {
				t.Errorf("Expr = %q, want %q", ee.Expr, tt.expr)
			}
		})
	}
}

func TestEvalHelpers(t *testing.T) {
	ctx := household()
	if got, err := xpath.MustParse("${age} > 18").EvalBool(ctx); err != nil || !got {
		t.Errorf("EvalBool = %v, %v; want true", got, err)
	}
	if got, err := xpath.MustParse("${age} div 4").EvalString(ctx); err != nil || got != "8.5" {
		t.Errorf("EvalString = %q, %v; want 8.5", got, err)
	}
	if got, err := xpath.MustParse("count(${member})").EvalNumber(ctx); err != nil || got != 3 {
		t.Errorf("EvalNumber = %v, %v; want 3", got, err)
	}
	// A repeated field is a nodeset for Eval, an error for the helpers.
	e := xpath.MustParse("${mname}")
	v, err := e.Eval(ctx)
	if err != nil || v.Kind != xpath.KindNodeset || len(v.Set) != 3 {
		t.Fatalf("Eval(${mname}) = %+v, %v; want a 3-value nodeset", v, err)
	}
	if _, err := e.EvalBool(ctx); err == nil || !strings.Contains(err.Error(), "This field is repeated") {
		t.Errorf("EvalBool(${mname}) error = %v", err)
	}
	if _, err := e.EvalString(ctx); err == nil {
		t.Error("EvalString(${mname}) succeeded")
	}
	nodes, err := xpath.MustParse("instance('cercles')/root/item[region = 'kayes']").EvalNodes(ctx)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("EvalNodes = %d nodes, %v; want 2", len(nodes), err)
	}
	if _, err := xpath.MustParse("1 + 1").EvalNodes(ctx); err == nil {
		t.Error("EvalNodes(1 + 1) succeeded")
	}
	// No instance at all: absolute and relative paths are errors, not panics.
	empty := &tctx{}
	for _, src := range []string{"/data/x", "x", "current()", "string-length()", "position(..)"} {
		if _, err := xpath.MustParse(src).Eval(empty); err == nil {
			t.Errorf("Eval(%q) without instance succeeded", src)
		}
	}
}

func TestConversions(t *testing.T) {
	day := time.Date(2008, 9, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		v    xpath.Value
		s    string
		n    float64
		b    bool
		null bool
	}{
		{v: xpath.String(""), s: "", n: math.NaN(), b: false, null: true},
		{v: xpath.String(" 12,5 "), s: " 12,5 ", n: 12.5, b: true},
		{v: xpath.String("1e3"), s: "1e3", n: math.NaN(), b: true},
		{v: xpath.String("-"), s: "-", n: math.NaN(), b: true},
		{v: xpath.String("--1"), s: "--1", n: math.NaN(), b: true},
		{v: xpath.Number(2), s: "2", n: 2, b: true},
		{v: xpath.Number(-1.5), s: "-1.5", n: -1.5, b: true},
		{v: xpath.Number(1e-13), s: "0", n: 1e-13, b: false},
		{v: xpath.Number(math.NaN()), s: "NaN", n: math.NaN(), b: false, null: true},
		{v: xpath.Number(1e300), s: "1" + strings.Repeat("0", 300), n: 1e300, b: true},
		{v: xpath.Bool(true), s: "true", n: 1, b: true},
		{v: xpath.Date(day), s: "2008-09-05", n: 14127, b: true},
		{v: xpath.DateTime(day.Add(23 * time.Hour)), s: "2008-09-05", n: 14127, b: true},
		{v: xpath.Time(time.Date(2000, 1, 1, 18, 0, 0, 0, time.UTC)), s: "18:00:00.000", n: 0.75, b: true},
		{v: xpath.Value{Kind: xpath.KindNodeset}, s: "", n: math.NaN(), b: false, null: true},
		{v: xpath.Value{Kind: xpath.KindNodeset, Set: []xpath.Value{xpath.Number(4)}}, s: "4", n: 4, b: true},
	}
	for _, tt := range tests {
		if got := xpath.ToString(tt.v); got != tt.s {
			t.Errorf("ToString(%+v) = %q, want %q", tt.v, got, tt.s)
		}
		if got := xpath.ToNumber(tt.v); !(got == tt.n || math.IsNaN(got) && math.IsNaN(tt.n)) {
			t.Errorf("ToNumber(%+v) = %v, want %v", tt.v, got, tt.n)
		}
		if got := xpath.ToBool(tt.v); got != tt.b {
			t.Errorf("ToBool(%+v) = %v, want %v", tt.v, got, tt.b)
		}
		if got := xpath.IsEmpty(tt.v); got != tt.null {
			t.Errorf("IsEmpty(%+v) = %v, want %v", tt.v, got, tt.null)
		}
	}
}

// TestDateZone checks that dates follow the Context's clock zone, as
// JavaRosa follows the device's: Bamako is on GMT, but a laptop may not be.
func TestDateZone(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	ctx := &tctx{now: time.Date(2026, 11, 28, 0, 30, 0, 0, paris)}
	for expr, want := range map[string]string{
		"string(today())": "2026-11-28",
		"decimal-time('2000-01-01T10:20:30.000+03:00')":                    "0.34756944444444443", // 08:20:30 CET
		"format-date(date-time('2000-01-01T23:30:00Z'), '%Y-%m-%d %H:%M')": "2000-01-02 00:30",
		"number(date('1970-01-02'))":                                       "1",
	} {
		got, err := xpath.MustParse(expr).EvalString(ctx)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
}

func TestFunctionNames(t *testing.T) {
	names := xpath.FunctionNames()
	for _, want := range []string{"if", "jr:choice-name", "indexed-repeat", "format-date-time", "weighted-checklist"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("FunctionNames() lacks %s", want)
		}
	}
}
