package xpath_test

import (
	"testing"

	"sira/forms/xpath"
)

// indexedCtx is a tctx that resolves ${name} through FieldAt, checking the
// index against the expression's Fields.
type indexedCtx struct {
	*tctx
	t      *testing.T
	fields []string
	calls  int
}

func (c *indexedCtx) FieldAt(i int, name string) ([]xpath.Node, error) {
	c.calls++
	if i < 0 || i >= len(c.fields) || c.fields[i] != name {
		c.t.Errorf("FieldAt(%d, %q) with Fields() = %q", i, name, c.fields)
	}
	return c.tctx.Field(name)
}

func (c *indexedCtx) Field(name string) ([]xpath.Node, error) {
	c.t.Errorf("Field(%q) called on a FieldIndexer", name)
	return c.tctx.Field(name)
}

func TestFieldIndexer(t *testing.T) {
	for _, src := range []string{
		"${age} >= 18 and ${region} = 'kayes' or ${age} < 5",
		"instance('cercles')/root/item[region = ${region}]/label",
		"coalesce(${empty}, ${age}) + sum(${mage}) + count(/data/member[mage > ${age}])",
		"${mage}",
		"concat(${region}, ${cercle}, ${region})",
	} {
		e := xpath.MustParse(src)
		want, werr := e.Eval(household())
		ctx := &indexedCtx{tctx: household(), t: t, fields: e.Fields()}
		got, gerr := e.Eval(ctx)
		if xpath.ToString(got) != xpath.ToString(want) || got.Kind != want.Kind || (gerr == nil) != (werr == nil) {
			t.Errorf("%s: FieldAt gives %v, %v; Field gives %v, %v", src, got, gerr, want, werr)
		}
		if ctx.calls == 0 {
			t.Errorf("%s: FieldAt never called", src)
		}
	}
}
