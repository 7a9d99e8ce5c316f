package xpath_test

import (
	"testing"
	"time"

	"sira/forms/xpath"
)

// bnode is an instance-tree node whose Children does not allocate, as the
// engine's do, so that the benchmark measures the evaluator.
type bnode struct {
	name   string
	parent *bnode
	kids   []xpath.Node
	val    xpath.Value
}

func (n *bnode) Name() string { return n.name }
func (n *bnode) Parent() xpath.Node {
	if n.parent == nil {
		return nil
	}
	return n.parent
}
func (n *bnode) Children() []xpath.Node { return n.kids }
func (n *bnode) Value() xpath.Value     { return n.val }

func bel(name string, kids ...*bnode) *bnode {
	n := &bnode{name: name, val: xpath.String("")}
	for _, k := range kids {
		k.parent = n
		n.kids = append(n.kids, k)
	}
	return n
}

func bleaf(name string, v xpath.Value) *bnode { return &bnode{name: name, val: v} }

// bctx resolves ${name} from a map, as cheaply as a Context can.
type bctx struct {
	root, cur *bnode
	inst      map[string]*bnode
	fields    map[string][]xpath.Node
}

func (c *bctx) Current() xpath.Node                     { return c.cur }
func (c *bctx) Root() xpath.Node                        { return c.root }
func (c *bctx) Instance(id string) xpath.Node           { return c.inst[id] }
func (c *bctx) ChoiceLabel(_, _ string) string          { return "" }
func (c *bctx) Now() time.Time                          { return time.Date(2026, 11, 28, 9, 15, 0, 0, time.UTC) }
func (c *bctx) Field(name string) ([]xpath.Node, error) { return c.fields[name], nil }

// BenchmarkEvalForm evaluates the shapes that dominate a real form's
// validation, in roughly the proportions the built-in survey has them:
// comparisons of ${x} with a literal, constraints on ".", and/or/not
// chains, selected(), and a choice filter over list items.
func BenchmarkEvalForm(b *testing.B) {
	day := func(y int, m time.Month, d int) xpath.Value {
		return xpath.Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	age := bleaf("age", xpath.Number(34))
	root := bel("data", age,
		bleaf("consent", xpath.String("yes")),
		bleaf("country", xpath.String("sen")),
		bleaf("reasons", xpath.String("work family other")),
		bleaf("departure", day(2024, 3, 1)),
		bleaf("arrival", day(2025, 1, 15)),
		bel("leg", bleaf("cost", xpath.Number(120))),
		bel("leg", bleaf("cost", xpath.Number(80))),
	)
	item := func(name, region string) *bnode {
		return bel("item", bleaf("name", xpath.String(name)), bleaf("region", xpath.String(region)), bleaf("neighbour", xpath.String("yes")))
	}
	list := bel("root", item("kayes", "west"), item("MLI", "west"), item("sen", "west"))
	fields := map[string][]xpath.Node{}
	var walk func(n *bnode)
	walk = func(n *bnode) {
		fields[n.name] = append(fields[n.name], n)
		for _, k := range n.kids {
			walk(k.(*bnode))
		}
	}
	walk(root)
	onAge := &bctx{root: root, cur: age, fields: fields}
	onItem := &bctx{root: root, cur: list.kids[2].(*bnode), fields: fields}
	exprs := []struct {
		src string
		ctx *bctx
		n   int
	}{
		{". >= 0", onAge, 18},
		{"${country} = 'other'", onAge, 16},
		{"${consent} = 'yes'", onAge, 50},
		{". >= 0 and . <= 600", onAge, 11},
		{"region = ${country}", onItem, 10},
		{"sum(${cost})", onAge, 8},
		{"name != 'MLI' and (neighbour = 'yes' or ${consent} = 'plane')", onItem, 16},
		{"selected(${reasons}, name)", onItem, 5},
		{"${consent} = 'yes' or ${country} = 'no'", onAge, 8},
		{". >= ${departure} and . <= ${arrival} and . <= today()", onAge, 4},
		{"count-selected(${reasons}) > 1", onAge, 4},
		{"${age} >= 1", onAge, 4},
		{"not(${consent} = 'no' and . >= 2)", onAge, 3},
		{"if(${age} < 18, 'yes', 'no')", onAge, 3},
		{"int((${arrival} - ${departure}) div 30.4)", onAge, 2},
		{"${age}", onAge, 4},
	}
	xs := make([]*xpath.Expr, len(exprs))
	for i, x := range exprs {
		xs[i] = xpath.MustParse(x.src)
		if _, err := xs[i].Eval(x.ctx); err != nil {
			b.Fatal(x.src, err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, x := range exprs {
			for range x.n {
				if _, err := xs[i].Eval(x.ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
