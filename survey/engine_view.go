package survey

import (
	"fmt"
	"strings"

	"sira/forms"
	"sira/forms/xpath"
)

// Value returns the stored answer at ref ("" for an unknown ref), whether
// or not the field is relevant; calculations hold their last result.
func (e *Engine) Value(ref Ref) string {
	x, _, err := e.find(ref)
	if err != nil || x == nil {
		return ""
	}
	return x.raw()
}

// Relevant reports whether ref is shown: its own relevance and every
// enclosing group's. Unknown refs are not relevant.
func (e *Engine) Relevant(ref Ref) bool {
	x, _, err := e.find(ref)
	return err == nil && x != nil && x.relevant
}

// Required reports whether ref must be answered; false when it is not relevant.
func (e *Engine) Required(ref Ref) bool {
	x, _, err := e.find(ref)
	return err == nil && x != nil && x.required
}

// ReadOnly reports whether ref cannot be edited: notes, calculations,
// metadata, and read_only questions.
func (e *Engine) ReadOnly(ref Ref) bool {
	x, _, err := e.find(ref)
	return err == nil && x != nil && x.readOnly
}

// Count returns the number of instances of the repeat ref names (its path
// with the enclosing repeats' indices).
func (e *Engine) Count(ref Ref) int {
	p, ni, err := e.find(ref)
	if err != nil || ni == nil {
		return 0
	}
	return len(p.slots[ni.pos])
}

// Issue is why a field cannot be finalized as it is.
type Issue struct {
	Ref     Ref
	Code    string // "required", "constraint", "choice", "error"
	Message string // in the active language
}

func (i Issue) String() string { return i.Ref.String() + ": " + i.Message }

// Issue codes.
const (
	IssueRequired   = "required"
	IssueConstraint = "constraint"
	IssueChoice     = "choice"
	IssueError      = "error"
)

// Validate returns what is wrong with the answer at ref, or nil: required
// but empty, constraint failed (with the form's message in the active
// language, ${} substituted, or a default message in French or English),
// a choice no longer offered (its filter changed), or an expression that
// failed to evaluate. Non-relevant fields are never invalid.
func (e *Engine) Validate(ref Ref) *Issue {
	x, _, err := e.find(ref)
	if err != nil || x == nil {
		return nil
	}
	return e.validate(x)
}

func (e *Engine) validate(x *elem) *Issue {
	if !x.relevant || x.slots != nil {
		return nil
	}
	n := x.ni.node
	raw := x.raw()
	issue := func(code, msg string) *Issue {
		return &Issue{Ref: x.ref(), Code: code, Message: msg}
	}
	switch {
	case x.errs != 0:
		return issue(IssueError, x.err.Error())
	case raw == "" && x.required:
		msg := e.substitute(x, e.text(n.RequiredMessage))
		if msg == "" {
			msg = e.msg("This question requires an answer.", "Cette question est obligatoire.")
		}
		return issue(IssueRequired, msg)
	case x.invalid:
		msg := e.substitute(x, e.text(n.ConstraintMessage))
		if msg == "" {
			msg = e.msg("This answer is not valid.", "Cette réponse n'est pas valide.")
		}
		return issue(IssueConstraint, msg)
	case raw != "" && x.ni.sel && !x.readOnly:
		if !e.stillOffered(x, raw) {
			return issue(IssueChoice, e.msg("This choice is no longer available: please choose again.",
				"Ce choix n'est plus proposé : veuillez choisir à nouveau."))
		}
	}
	return nil
}

// stillOffered reports whether normalize would accept x's stored select
// answer raw: each of its choices offered now. It asks offered about the
// same choices in the same order as normalize, without building the
// normalised answer.
func (e *Engine) stillOffered(x *elem, raw string) bool {
	if !x.ni.multi {
		v := strings.TrimSpace(raw)
		return v == "" || e.offered(x, v)
	}
	for t := range strings.FieldsSeq(raw) {
		if !e.offered(x, t) {
			return false
		}
	}
	return true
}

func (e *Engine) msg(en, fr string) string {
	if e.french() {
		return fr
	}
	return en
}

// ValidateAll returns every issue, in form order: what stands between the
// interview and Finalize.
func (e *Engine) ValidateAll() []Issue {
	var out []Issue
	e.validateAll(e.root, &out)
	return out
}

// validateAll appends the issues of x's relevant subtree to out.
func (e *Engine) validateAll(x *elem, out *[]Issue) {
	if !x.relevant {
		return
	}
	if is := e.validate(x); is != nil {
		*out = append(*out, *is)
	}
	for _, slot := range x.slots {
		for _, c := range slot {
			e.validateAll(c, out)
		}
	}
}

// IncompleteError is returned by Finalize when issues remain.
type IncompleteError struct{ Issues []Issue }

func (e *IncompleteError) Error() string {
	if len(e.Issues) == 1 {
		return "cannot finalize: " + e.Issues[0].String()
	}
	return fmt.Sprintf("cannot finalize: %d issues, first %s", len(e.Issues), e.Issues[0])
}

// Finalize checks every answer (an *IncompleteError lists the issues),
// sets the end metadata, clears the values of non-relevant fields (as ODK
// Collect leaves them out of a submission), and moves the interview to
// finalized. After it, Set returns ErrFinalized.
func (e *Engine) Finalize() error {
	if !e.iv.Editable() {
		return &TransitionError{From: e.iv.Status, To: StatusFinalized}
	}
	if issues := e.ValidateAll(); len(issues) > 0 {
		return &IncompleteError{Issues: issues}
	}
	return e.finalize()
}

// finalize is Finalize after a ValidateAll that found nothing.
func (e *Engine) finalize() error {
	now := e.opts.Now()
	// Instances of repeats that are not asked leave the record: they were
	// never shown, and ODK leaves such rows out of a submission.
	for i := 0; i < 4 && e.dropHidden(e.root); i++ {
		if err := e.update(); err != nil {
			return err
		}
	}
	e.walk(e.root, func(x *elem) bool {
		n := x.ni.node
		if !x.relevant {
			e.clear(x)
			return false
		}
		if n.Type == forms.TypeEnd {
			x.put(now.In(e.loc).Format(layoutDateTime))
		}
		return true
	})
	return e.iv.Transition(StatusFinalized, now)
}

// dropHidden removes, under x, the repeat instances that are not relevant
// (their repeat or an enclosing group is hidden) and reports whether it
// removed any.
func (e *Engine) dropHidden(x *elem) bool {
	dropped := false
	for pos, slot := range x.slots {
		ni := x.ni.kids[pos]
		if ni.node.Type != forms.TypeRepeat {
			for _, c := range slot {
				dropped = e.dropHidden(c) || dropped
			}
			continue
		}
		for i := len(slot); i >= 1; i-- {
			if inst := x.slots[pos][i-1]; !inst.relevant {
				e.removeInstance(x, ni, i)
				dropped = true
			} else {
				dropped = e.dropHidden(inst) || dropped
			}
		}
	}
	return dropped
}

// clear deletes the values under x.
func (e *Engine) clear(x *elem) {
	e.walk(x, func(y *elem) bool {
		if y.slots == nil {
			y.put("")
		}
		return true
	})
}

// Label returns the label of ref in the active language with ${}
// references replaced by their values.
func (e *Engine) Label(ref Ref) string {
	x, ni, err := e.find(ref)
	if err != nil {
		return ""
	}
	if ni != nil {
		return e.text(ni.node.Label)
	}
	return e.substitute(x, e.text(x.ni.node.Label))
}

// Hint returns the hint of ref, like Label.
func (e *Engine) Hint(ref Ref) string {
	x, ni, err := e.find(ref)
	if err != nil {
		return ""
	}
	if ni != nil {
		return e.text(ni.node.Hint)
	}
	return e.substitute(x, e.text(x.ni.node.Hint))
}

// substitute replaces ${name} in s by the value of name as seen from x.
func (e *Engine) substitute(x *elem, s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		name := strings.TrimSpace(s[i+2 : i+j])
		if self := e.plan.byName[name]; self == x.ni && x.slots == nil {
			// A field's own messages show what was typed, even refused.
			b.WriteString(x.raw())
		} else if ex := x.ni.x.outputs[name]; ex != nil {
			if v, err := e.eval(ex, x); err == nil {
				b.WriteString(toString(v))
			}
		} else if ni := e.plan.byName[name]; ni != nil {
			if ns := e.resolve(x, ni, nil); len(ns) == 1 {
				b.WriteString(toString(ns[0].Value()))
			}
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// Choices returns the choices of the select at ref as the enumerator sees
// them: the choice_filter applied, the answers of the repeated question for
// select_one ${q}, and "other" appended for or_other.
func (e *Engine) Choices(ref Ref) []*forms.Choice {
	x, _, err := e.find(ref)
	if err != nil || x == nil || !isSelect(x.ni.node) {
		return nil
	}
	return e.choices(x)
}

func (e *Engine) choices(x *elem) []*forms.Choice {
	n := x.ni.node
	var out []*forms.Choice
	list, id := e.listOf(n)
	if list == nil {
		if strings.HasPrefix(n.TypeArg, "${") {
			// select_one ${q}: the distinct answers to the repeated q.
			name := strings.TrimSuffix(strings.TrimPrefix(n.TypeArg, "${"), "}")
			if ni := e.plan.byName[name]; ni != nil {
				seen := map[string]bool{}
				for _, y := range descend(e.root, ni.chain, nil) {
					v := toString(y.Value())
					if v != "" && !seen[v] {
						seen[v] = true
						out = append(out, &forms.Choice{Name: v, Label: forms.Text{"": v}})
					}
				}
			}
		}
		return out
	}
	if x.ni.x.choiceFilter == nil {
		out = list.Choices
	} else {
		for i, c := range list.Choices {
			if e.passes(x, list, id, i) {
				out = append(out, c)
			}
		}
	}
	if n.OrOther && !hasChoice(out, "other") {
		out = append(out[:len(out):len(out)], &forms.Choice{Name: "other", Label: forms.Text{"": e.msg("Other", "Autre")}})
	}
	return out
}

func hasChoice(cs []*forms.Choice, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

// ItemKind says what an Item shows.
type ItemKind uint8

// Item kinds.
const (
	ItemQuestion  ItemKind = iota // one question (or note)
	ItemGroup                     // a group's heading; its items follow at Depth+1
	ItemFieldList                 // a field-list group: one screen with Fields
	ItemRepeat                    // a repeat's heading (Count instances); its instances follow
	ItemInstance                  // one repeat instance's heading (Index); its items follow
)

// Item is one entry of the flattened, ordered list a UI walks: visible
// questions, group and repeat headings, repeat instances.
type Item struct {
	Kind   ItemKind
	Ref    Ref // for ItemRepeat, the repeat's path with the enclosing indices
	Node   *forms.Node
	Depth  int
	Index  int   // ItemInstance: 1-based
	Count  int   // ItemRepeat: number of instances
	Fields []Ref // ItemFieldList: the visible questions inside, in order
}

// Items lists what the enumerator sees, in form order: relevant questions
// (calculations and metadata are never shown), group headings, field-list
// groups as single items, each repeat with its instances.
func (e *Engine) Items() []Item {
	var out []Item
	e.items(e.root, 0, &out)
	return out
}

func (e *Engine) items(x *elem, depth int, out *[]Item) {
	for i, c := range x.ni.node.Children {
		slot := x.slots[i]
		switch {
		case c.Type == forms.TypeRepeat:
			ref := x.ref()
			ref.Path = c.Path
			if x.parent == nil {
				ref.Repeats = nil
			}
			if !e.repeatRelevant(x, e.plan.byNode[c]) {
				continue
			}
			*out = append(*out, Item{Kind: ItemRepeat, Ref: ref, Node: c, Depth: depth, Count: len(slot)})
			for _, inst := range slot {
				if !inst.relevant {
					continue
				}
				*out = append(*out, Item{Kind: ItemInstance, Ref: inst.ref(), Node: c, Depth: depth + 1, Index: inst.index})
				e.items(inst, depth+2, out)
			}
		case c.Type == forms.TypeGroup:
			g := slot[0]
			if !g.relevant {
				continue
			}
			if strings.Contains(c.Appearance, "field-list") {
				var fields []Ref
				e.walk(g, func(y *elem) bool {
					if y != g && y.relevant && shown(y.ni.node) {
						fields = append(fields, y.ref())
					}
					return y.relevant
				})
				if len(fields) > 0 {
					*out = append(*out, Item{Kind: ItemFieldList, Ref: g.ref(), Node: c, Depth: depth, Fields: fields})
				}
				continue
			}
			*out = append(*out, Item{Kind: ItemGroup, Ref: g.ref(), Node: c, Depth: depth})
			e.items(g, depth+1, out)
		default:
			if q := slot[0]; q.relevant && shown(c) {
				*out = append(*out, Item{Kind: ItemQuestion, Ref: q.ref(), Node: c, Depth: depth})
			}
		}
	}
}

// repeatRelevant reports whether the repeat ni under p is relevant as a
// whole (can get instances): its parent is, and its relevance, evaluated
// from the parent since there may be no instance yet, holds.
func (e *Engine) repeatRelevant(p *elem, ni *nodeInfo) bool {
	if !p.relevant {
		return false
	}
	if ni.x.relevant == nil {
		return true
	}
	v, err := e.eval(ni.x.relevant, p)
	return err != nil || toBool(v)
}

// shown reports whether a field has a control on screen.
func shown(n *forms.Node) bool {
	if isContainer(n) || isMeta(n) {
		return false
	}
	return n.Type != forms.TypeCalculate && n.Type != forms.TypeHidden
}

// InstanceName evaluates the form's instance_name setting on the answers,
// the name ODK gives an interview in its lists ("diboli-2026-12-07"); ""
// when the form has none or it cannot be evaluated.
func (e *Engine) InstanceName() string {
	if e.form.InstanceName == "" {
		return ""
	}
	x, err := xpath.Parse(e.form.InstanceName)
	if err != nil {
		return ""
	}
	ex := wrap(x)
	e.plan.bind(ex)
	v, err := e.eval(ex, e.root)
	if err != nil {
		return ""
	}
	return toString(v)
}
