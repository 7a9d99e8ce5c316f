package xpath

import "time"

// Node is one element of an instance tree as the evaluator sees it: the
// interview's answers, or an item of a secondary instance (a choice list,
// addressed as instance('list')/root/item). The engine implements it over its
// own answer records; tests implement it over small literal trees.
//
// Implementations must be comparable with == (pointers are): the evaluator
// compares nodes to find a repeat instance's position among its siblings.
type Node interface {
	// Name is the element name (the field name, "item", "root", ...).
	Name() string
	// Parent is nil for a document root (/data's parent).
	Parent() Node
	// Children lists the element children in document order; repeat
	// instances appear as several children with the same name.
	Children() []Node
	// Value is the node's typed value: a number for integer/decimal fields, a
	// date for date fields, and String("") when the node is empty or not
	// relevant (JavaRosa reads non-relevant nodes as empty).
	Value() Value
}

// Context is what an expression is evaluated against.
type Context interface {
	// Current is the context node, "." (the field that owns the expression,
	// or the candidate item of a choice filter).
	Current() Node
	// Root is the primary instance's root element (/data).
	Root() Node
	// Instance returns the root element of secondary instance id (the
	// <root> of instance('id')/root/item), or nil when there is none.
	// instance('id') designates the document above it, so the path's first
	// step names this element.
	Instance(id string) Node
	// Field resolves ${name} from the context node as pyxform and JavaRosa do:
	// the same repeat instance when both share a repeat, else every node the
	// absolute path designates. An unknown name is an error.
	Field(name string) ([]Node, error)
	// ChoiceLabel returns the label, in the active language, of value in the
	// choice list of the select field at path (jr:choice-name).
	ChoiceLabel(path string, value string) string
	// Now is the clock for now() and today(); its zone is the one dates
	// are read in. An evaluation calls it only when it needs either.
	Now() time.Time
}

// FieldIndexer is an optional interface of a Context that resolves ${name}
// faster than Field can: Eval calls FieldAt instead of Field with i, the
// position of name in Fields() of the expression being evaluated. A Context
// that knows which expression it evaluates (it called its Eval) can look
// the names of each expression up once, when the form is compiled, rather
// than at every evaluation. FieldAt must return what Field(name) would.
type FieldIndexer interface {
	FieldAt(i int, name string) ([]Node, error)
}

// LastSavedContext is an optional interface of a Context that answers
// ${last-saved#name}: the value of name in the last interview saved with
// this form on this device (ODK's last-saved instance), String("") when
// there is none. Without it the reference reads as empty.
type LastSavedContext interface {
	LastSaved(name string) Value
}

// valueNode is a detached leaf holding a value (a last-saved answer).
type valueNode struct {
	name string
	v    Value
}

func (n *valueNode) Name() string     { return n.name }
func (n *valueNode) Parent() Node     { return nil }
func (n *valueNode) Children() []Node { return nil }
func (n *valueNode) Value() Value     { return n.v }
