package xpath_test

import (
	"fmt"
	"strings"
	"time"

	"sira/forms/xpath"
)

// tnode is a literal instance-tree node for tests.
type tnode struct {
	name   string
	parent *tnode
	kids   []*tnode
	val    xpath.Value
}

func (n *tnode) Name() string { return n.name }

func (n *tnode) Parent() xpath.Node {
	if n.parent == nil {
		return nil // an untyped nil, not a nil *tnode
	}
	return n.parent
}

func (n *tnode) Children() []xpath.Node {
	out := make([]xpath.Node, len(n.kids))
	for i, k := range n.kids {
		out[i] = k
	}
	return out
}

func (n *tnode) Value() xpath.Value { return n.val }

// el builds an element with children and links their parents.
func el(name string, kids ...*tnode) *tnode {
	n := &tnode{name: name, kids: kids, val: xpath.String("")}
	for _, k := range kids {
		k.parent = n
	}
	return n
}

// leaf builds an element holding a value: a string, float64, int, bool,
// time.Time (a date) or an xpath.Value.
func leaf(name string, v any) *tnode {
	n := &tnode{name: name}
	switch v := v.(type) {
	case string:
		n.val = xpath.String(v)
	case float64:
		n.val = xpath.Number(v)
	case int:
		n.val = xpath.Number(float64(v))
	case bool:
		n.val = xpath.Bool(v)
	case time.Time:
		n.val = xpath.Date(v)
	case xpath.Value:
		n.val = v
	default:
		panic(fmt.Sprintf("leaf %s: unsupported %T", name, v))
	}
	return n
}

// find follows a simple path "/data/r[2]/x" (1-based indices) from root.
func find(root *tnode, path string) *tnode {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if parts[0] != root.name {
		panic("find " + path + ": root is " + root.name)
	}
	n := root
	for _, p := range parts[1:] {
		name, idx := p, 1
		if i := strings.IndexByte(p, '['); i >= 0 {
			name = p[:i]
			fmt.Sscanf(p[i:], "[%d]", &idx)
		}
		var next *tnode
		k := 0
		for _, c := range n.kids {
			if c.name == name {
				k++
				if k == idx {
					next = c
					break
				}
			}
		}
		if next == nil {
			panic("find " + path + ": no " + p)
		}
		n = next
	}
	return n
}

// tctx is a Context over literal trees.
type tctx struct {
	root   *tnode
	cur    *tnode
	inst   map[string]*tnode
	labels map[string]string // path + "\x00" + value → label
	now    time.Time
}

func (c *tctx) Current() xpath.Node {
	if c.cur == nil {
		return nil
	}
	return c.cur
}

func (c *tctx) Root() xpath.Node {
	if c.root == nil {
		return nil
	}
	return c.root
}

func (c *tctx) Instance(id string) xpath.Node {
	if n, ok := c.inst[id]; ok {
		return n
	}
	return nil
}

// Field resolves ${name} by the rule the Context contract gives: when the
// current node and the named field share a repeat instance, that instance's
// node; else every node of that name.
func (c *tctx) Field(name string) ([]xpath.Node, error) {
	if c.root == nil {
		return nil, fmt.Errorf("no field named %q", name)
	}
	var all []*tnode
	var walk func(n *tnode)
	walk = func(n *tnode) {
		if n.name == name {
			all = append(all, n)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(c.root)
	if len(all) == 0 {
		return nil, fmt.Errorf("no field named %q", name)
	}
	// Same repeat instance: the nearest ancestor of cur holding exactly one match.
	if c.cur != nil && len(all) > 1 {
		for a := c.cur; a != nil; a = a.parent {
			var in []*tnode
			for _, n := range all {
				if isAncestor(a, n) {
					in = append(in, n)
				}
			}
			if len(in) == 1 {
				return []xpath.Node{in[0]}, nil
			}
			if len(in) > 1 {
				break
			}
		}
	}
	out := make([]xpath.Node, len(all))
	for i, n := range all {
		out[i] = n
	}
	return out, nil
}

func isAncestor(a, n *tnode) bool {
	for ; n != nil; n = n.parent {
		if n == a {
			return true
		}
	}
	return false
}

func (c *tctx) ChoiceLabel(path, value string) string {
	return c.labels[path+"\x00"+value]
}

func (c *tctx) Now() time.Time {
	if c.now.IsZero() {
		return time.Date(2026, 11, 28, 14, 30, 0, 0, time.UTC)
	}
	return c.now
}
