package xpath_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/forms/xpath"
	"sira/internal/testenv"
)

// xcase is one row of shared/xlsform/xpath_cases.tsv.
type xcase struct {
	id, topic, expr, context, expected, typ, note string
}

func loadCases(tb testing.TB) []xcase {
	tb.Helper()
	path := filepath.Join(testenv.XLSFormDir(tb), "xpath_cases.tsv")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read cases: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if got, want := lines[0], "id\ttopic\texpression\tcontext\texpected\texpected_type\tnote\tsource\tbasis"; got != want {
		tb.Fatalf("%s header = %q, want %q", path, got, want)
	}
	var cases []xcase
	for i, line := range lines[1:] {
		f := strings.Split(line, "\t")
		if len(f) != 9 {
			tb.Fatalf("%s:%d: %d fields, want 9", path, i+2, len(f))
		}
		expr := f[2]
		if strings.Contains(f[6], "expression contains escapes") {
			expr = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(expr)
		}
		cases = append(cases, xcase{id: f[0], topic: f[1], expr: expr, context: f[3], expected: f[4], typ: f[5], note: f[6]})
	}
	return cases
}

// skipCases lists rows that do not apply to Sira, with the reason.
var skipCases = map[string]string{}

// gmt is the clock of the date rows (run in GMT).
var gmt = time.Date(2026, 11, 28, 14, 30, 15, 0, time.UTC)

// fivePaths is the instance of rows 1, 2, 118 and 119.
func fivePaths() *tnode {
	return el("data",
		el("path", leaf("a", "x"), leaf("b", "y")),
		leaf("path", ""),
		leaf("path", "    some    value"),
		el("path", leaf("c", "z")),
		leaf("path", ""),
	)
}

// repeatN builds /data with n instances of repeat, each built by inst(i).
func repeatN(root, rep string, n int, inst func(i int) []*tnode, extra ...*tnode) *tnode {
	var kids []*tnode
	for i := 1; i <= n; i++ {
		kids = append(kids, el(rep, inst(i)...))
	}
	return el(root, append(kids, extra...)...)
}

// caseContext builds the Context a row's `context` column describes.
func caseContext(t *testing.T, c xcase) *tctx {
	t.Helper()
	ctx := &tctx{now: gmt}
	none := func(int) []*tnode { return nil }
	switch c.id {
	case "1", "2", "118", "119":
		ctx.root = fivePaths()
	case "256":
		ctx.root = el("data", leaf("some-field", 42))
	case "257":
		// The engine supplies a non-relevant node's value as "" (Node.Value).
		ctx.root = el("data", leaf("some-field", ""))
	case "258":
		ctx.root = el("data", leaf("a", 2))
	case "259":
		ctx.root = el("data", leaf("a", 2), leaf("b", 6))
	case "260":
		ctx.root = repeatN("data", "house", 3, func(int) []*tnode { return []*tnode{leaf("pos", "")} })
		ctx.cur = find(ctx.root, "/data/house[3]/pos")
	case "261":
		ctx.root = repeatN("data", "repeat", 5, none)
	case "262":
		ctx.root = repeatN("data", "repeat", 5, func(int) []*tnode { return []*tnode{leaf("inner-count", "")} })
		ctx.cur = find(ctx.root, "/data/repeat[2]/inner-count")
	case "263":
		ctx.root = repeatN("data", "repeat", 4, func(int) []*tnode { return []*tnode{leaf("position1", "")} })
		// Compute each position1 = position(..) with the evaluator itself.
		pos := xpath.MustParse("position(..)")
		for i := 1; i <= 4; i++ {
			n := find(ctx.root, "/data/repeat["+strconv.Itoa(i)+"]/position1")
			v, err := pos.Eval(&tctx{root: ctx.root, cur: n})
			if err != nil {
				t.Fatalf("position(..): %v", err)
			}
			n.val = v
		}
	case "264":
		ctx.root = repeatN("data", "repeat", 2, func(i int) []*tnode {
			return []*tnode{leaf("position_2", i*2), leaf("other", i*4), leaf("concat", "")}
		})
		ctx.cur = find(ctx.root, "/data/repeat[1]/concat")
	case "265", "266":
		ctx.root = repeatN("data", "group", 2, func(i int) []*tnode {
			return []*tnode{leaf("number", 11*i), leaf("prev", "")}
		})
		if c.id == "265" {
			ctx.cur = find(ctx.root, "/data/group[1]/prev")
		} else {
			ctx.cur = find(ctx.root, "/data/group[2]/prev")
		}
	case "267":
		ctx.root = repeatN("data", "repeat", 1, func(int) []*tnode { return []*tnode{leaf("odd", "")} })
		ctx.cur = find(ctx.root, "/data/repeat[1]/odd")
	case "269", "270":
		weights := []any{1, 2, "", ""}
		ctx.root = el("test", repeatN("details", "group2", 4, func(i int) []*tnode {
			return []*tnode{leaf("weight", weights[i-1])}
		}))
	case "271":
		ctx.root = el("data", leaf("q1", "1.234 5.678"))
	case "272":
		ctx.root = el("data", leaf("q1", "1.234 5.678 0 0"))
	case "273", "274":
		index := 2
		if c.id == "274" {
			index = 1
		}
		ctx.root = el("data",
			repeatN("outer_group", "repeat", 3, func(i int) []*tnode {
				return []*tnode{leaf("inside", "index"+strconv.Itoa(i))}
			}),
			leaf("index", index), leaf("calc", ""))
		ctx.cur = find(ctx.root, "/data/calc")
	case "275":
		ctx.root = repeatN("data", "repeat1", 3, func(i int) []*tnode {
			return []*tnode{leaf("inside1", "index"+strconv.Itoa(i))}
		}, el("repeat2", leaf("calc", "")), el("repeat2", leaf("calc", "")))
		ctx.cur = find(ctx.root, "/data/repeat2[2]/calc")
	case "276", "277":
		inner := func(i int) func(int) []*tnode {
			return func(j int) []*tnode {
				return []*tnode{leaf("inside-r1-d2", "["+strconv.Itoa(i)+"]["+strconv.Itoa(j)+"]")}
			}
		}
		var r1, r2 []*tnode
		for i := 1; i <= 3; i++ {
			d1 := repeatN("r1-d1", "r1-d2", 3, inner(i))
			r1 = append(r1, d1)
		}
		for i := 1; i <= 2; i++ {
			r2 = append(r2, repeatN("r2-d1", "r2-d2", 2, func(int) []*tnode { return []*tnode{leaf("calc", "")} }))
		}
		ctx.root = el("data", append(r1, r2...)...)
		ctx.cur = find(ctx.root, "/data/r2-d1[2]/r2-d2[1]/calc")
	case "278":
		ctx.root = el("data", leaf("outside", "x"), el("repeat", leaf("inside", "y")))
	case "279", "280":
		ctx.root = el("jr-choice-name", leaf("select_one_outside", "choice3"))
		label := "Choice 3"
		if c.id == "280" {
			label = "Choix 3" // the test Context's active language is French
		}
		ctx.labels = map[string]string{"/jr-choice-name/select_one_outside\x00choice3": label}
	case "281":
		ctx.root = el("data", el("thing", leaf("choice", "choice1")), el("thing", leaf("choice", "choice2")))
		ctx.labels = map[string]string{"/data/thing/choice\x00choice1": "Choice1", "/data/thing/choice\x00choice2": "Choice2"}
	case "282":
		ctx.root = el("data", leaf("country", "france"), leaf("city", "grenoble"))
		ctx.labels = map[string]string{"/data/city\x00grenoble": "Grenoble", "/data/city\x00lyon": "Lyon"}
	case "283":
		ctx.root = el("data", el("my_group", leaf("name", "Bob"), leaf("name_relative", "")))
		ctx.cur = find(ctx.root, "/data/my_group/name_relative")
	case "284":
		ctx.root = el("data", leaf("fruit", "blueberry"), leaf("variety", ""))
		ctx.cur = find(ctx.root, "/data/variety")
		item := func(name, fruit string) *tnode { return el("item", leaf("name", name), leaf("fruit", fruit)) }
		ctx.inst = map[string]*tnode{"variety": el("root",
			item("gala", "apple"), item("blueray", "blueberry"), item("collins", "blueberry"),
			item("fuji", "apple"), item("duke", "blueberry"))}
	case "289":
		ctx.root = el("data", leaf("r", ""))
		ctx.cur = ctx.root.kids[0]
	case "290":
		ctx.root = el("data", leaf("r", 0.42))
		ctx.cur = ctx.root.kids[0]
	case "292":
		ctx.root = repeatN("data", "r", 3, func(i int) []*tnode { return []*tnode{leaf("x", []any{1, "", 2}[i-1])} })
	case "294":
		ctx.root = repeatN("data", "r", 2, func(i int) []*tnode { return []*tnode{leaf("x", i)} })
	case "295", "296":
		ctx.root = el("data", leaf("age", ""))
	case "297", "298":
		ctx.root = el("data", leaf("dob", time.Date(2010, 5, 5, 0, 0, 0, 0, time.UTC)))
	case "300":
		ctx.root = el("data",
			leaf("start", xpath.DateTime(time.Date(2020, 1, 1, 23, 0, 0, 0, time.UTC))),
			leaf("end", xpath.DateTime(time.Date(2020, 1, 3, 1, 0, 0, 0, time.UTC))))
	default:
		if c.context != "-" && !strings.HasPrefix(c.context, "TZ=GMT") && c.id != "268" {
			t.Fatalf("row %s: context %q has no tree", c.id, c.context)
		}
	}
	return ctx
}

// errorKinds maps JavaRosa exception classes to where Sira reports them:
// arity and unknown functions at parse time, type errors at evaluation.
var errorKinds = map[string]string{
	"XPathUnhandledException":    "syntax",
	"XPathTypeMismatchException": "eval",
	"XPathException":             "eval",
	"XPathUnsupportedException":  "any",
}

func TestXPathCases(t *testing.T) {
	cases := loadCases(t)
	if len(cases) != 300 {
		t.Fatalf("%d cases, want 300", len(cases))
	}
	passed, skipped := 0, 0
	for _, c := range cases {
		ok := t.Run(c.id+"_"+c.topic, func(t *testing.T) {
			if reason, ok := skipCases[c.id]; ok {
				skipped++
				t.Skip(reason)
			}
			ctx := caseContext(t, c)
			e, perr := xpath.Parse(c.expr)
			if c.typ == "error" {
				checkError(t, c, e, perr, ctx)
				return
			}
			if perr != nil {
				t.Fatalf("Parse(%q): %v", c.expr, perr)
			}
			if c.typ == "nodeset" {
				checkNodeset(t, c, e, ctx)
				return
			}
			got, err := e.Eval(ctx)
			if err != nil {
				t.Fatalf("Eval(%q): %v", c.expr, err)
			}
			checkValue(t, c, got, ctx)
		})
		if ok {
			passed++
		}
	}
	passed -= skipped
	t.Logf("xpath_cases.tsv: %d passed, %d skipped, %d failed", passed, skipped, len(cases)-passed-skipped)
	if want := len(cases) - len(skipCases); passed != want {
		t.Errorf("%d rows passed, want %d", passed, want)
	}
}

func checkError(t *testing.T, c xcase, e *xpath.Expr, perr error, ctx *tctx) {
	t.Helper()
	kind, known := errorKinds[c.expected]
	if !known {
		t.Fatalf("unknown exception class %q", c.expected)
	}
	var se *xpath.SyntaxError
	var ee *xpath.EvalError
	if perr != nil {
		if !errors.As(perr, &se) {
			t.Fatalf("Parse error %T, want *SyntaxError", perr)
		}
		if kind == "eval" {
			t.Fatalf("Parse(%q) failed (%v); %s is an evaluation error", c.expr, perr, c.expected)
		}
		return
	}
	if kind == "syntax" {
		t.Fatalf("Parse(%q) succeeded; %s must be reported at parse time", c.expr, c.expected)
	}
	v, err := e.Eval(ctx)
	if err == nil {
		t.Fatalf("Eval(%q) = %+v, want %s", c.expr, v, c.expected)
	}
	if !errors.As(err, &ee) {
		t.Fatalf("Eval error %T, want *EvalError", err)
	}
}

func checkNodeset(t *testing.T, c xcase, e *xpath.Expr, ctx *tctx) {
	t.Helper()
	nodes, err := e.EvalNodes(ctx)
	if err != nil {
		t.Fatalf("EvalNodes(%q): %v", c.expr, err)
	}
	var want []xpath.Node
	switch c.id {
	case "118", "119":
		want = []xpath.Node{ctx.root.kids[2]}
	case "284":
		items := ctx.inst["variety"].kids
		want = []xpath.Node{items[1], items[2], items[4]}
	default:
		t.Fatalf("no expected nodes for row %s", c.id)
	}
	if len(nodes) != len(want) {
		t.Fatalf("EvalNodes(%q) = %d nodes, want %d", c.expr, len(nodes), len(want))
	}
	for i := range want {
		if nodes[i] != want[i] {
			t.Errorf("node %d = %v, want %v", i, nodes[i], want[i])
		}
	}
}

func checkValue(t *testing.T, c xcase, got xpath.Value, ctx *tctx) {
	t.Helper()
	switch c.typ {
	case "number":
		if got.Kind != xpath.KindNumber {
			t.Fatalf("Eval(%q) = %+v, want a number", c.expr, got)
		}
		switch c.id {
		case "260":
			checkNumber(t, c.expr, got.N, "3") // n = 3
		case "263":
			checkNumber(t, c.expr, got.N, "10") // n = 4: 4*5/2
		case "289":
			if got.N < 0 || got.N >= 1 {
				t.Errorf("once(random()) = %v, want a value in [0, 1)", got.N)
			}
		case "290":
			checkNumber(t, c.expr, got.N, "0.42")
		case "300":
			checkNumber(t, c.expr, got.N, "2") // 2020-01-01T23:00 → 2020-01-03T01:00
		default:
			checkNumber(t, c.expr, got.N, c.expected)
		}
	case "string":
		var want string
		if c.id == "299" {
			want = ctx.Now().Format("2006-01-02")
		} else if err := json.Unmarshal([]byte(c.expected), &want); err != nil {
			t.Fatalf("expected %q: %v", c.expected, err)
		}
		if got.Kind != xpath.KindString {
			t.Errorf("Eval(%q) kind %v, want a string", c.expr, got.Kind)
		}
		if s := xpath.ToString(got); s != want {
			t.Errorf("Eval(%q) = %q, want %q", c.expr, s, want)
		}
	case "boolean":
		if got.Kind != xpath.KindBool {
			t.Fatalf("Eval(%q) = %+v, want a boolean", c.expr, got)
		}
		if want := c.expected == "true"; got.B != want {
			t.Errorf("Eval(%q) = %v, want %v", c.expr, got.B, want)
		}
	case "date":
		if got.Kind != xpath.KindDate {
			t.Fatalf("Eval(%q) = %+v, want a date", c.expr, got)
		}
		if s := xpath.ToString(got); s != c.expected {
			t.Errorf("Eval(%q) = %s, want %s", c.expr, s, c.expected)
		}
	case "dateTime":
		if got.Kind != xpath.KindDateTime {
			t.Fatalf("Eval(%q) = %+v, want a dateTime", c.expr, got)
		}
		if s := got.T.Format("2006-01-02T15:04:05.000"); s != c.expected {
			t.Errorf("Eval(%q) = %s, want %s", c.expr, s, c.expected)
		}
	default:
		t.Fatalf("unknown expected_type %q", c.typ)
	}
}

func checkNumber(t *testing.T, expr string, got float64, wantS string) {
	t.Helper()
	var want float64
	switch wantS {
	case "NaN":
		if !math.IsNaN(got) {
			t.Errorf("Eval(%q) = %v, want NaN", expr, got)
		}
		return
	case "Infinity":
		want = math.Inf(1)
	case "-Infinity":
		want = math.Inf(-1)
	default:
		var err error
		if want, err = strconv.ParseFloat(wantS, 64); err != nil {
			t.Fatalf("expected %q: %v", wantS, err)
		}
	}
	if got != want && !(math.Abs(got-want) < 1e-12) {
		t.Errorf("Eval(%q) = %v, want %v", expr, got, want)
	}
	if wantS == "-0" && !math.Signbit(got) {
		t.Errorf("Eval(%q) = +0, want -0", expr)
	}
}
