package survey

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"sira/forms"
	"sira/forms/xpath"
)

// Errors the engine returns; callers branch on them with errors.Is.
var (
	ErrUnknownField = errors.New("unknown field")
	ErrReadOnly     = errors.New("field is read-only")
	ErrNotRelevant  = errors.New("field is not relevant")
	ErrRepeatCount  = errors.New("repeat instances follow repeat_count")
)

// EngineOptions configure an Engine. Zero values are usable.
type EngineOptions struct {
	// Language is the active language, a key of Form.Languages such as
	// "English (en)" or its code ("en"); "" or an unknown language picks
	// the form's default language.
	Language string
	// Now is the clock for now(), today(), metadata and paradata; time.Now if nil.
	Now func() time.Time
	// DeviceID and Username fill the deviceid and username metadata.
	DeviceID, Username string
	// Files are secondary instances (select_one_from_file CSVs) beyond the
	// form's own Files, by file name.
	Files map[string]*forms.ChoiceList
	// Location is the time zone of dates and today(); time.Local if nil.
	Location *time.Location
	// Plan reuses an analysis of the form (NewPlan); built from the form if nil.
	Plan *Plan
	// LastSaved is the data of the last interview saved on this device
	// with this form, read by ${last-saved#name} (empty when nil, as in
	// ODK Collect before the first interview).
	LastSaved *Record
}

// Engine applies a compiled form to one interview's answers: what is
// relevant, required, read-only and invalid, the calculated values, the
// repeat instances. It keeps that state cached and, when an answer changes,
// re-evaluates only the (instance-aware) transitive dependents of the
// change, in topological order.
//
// Values of non-relevant fields read as "" in expressions, as in JavaRosa,
// but stay in the record while the interview is a draft, so that an answer
// hidden by a mistaken edit comes back when the edit is undone. Finalize
// clears them, as ODK Collect does on submission.
//
// An Engine is not safe for concurrent use.
type Engine struct {
	plan *Plan
	form *forms.Form
	iv   *Interview
	opts EngineOptions
	lang string
	loc  *time.Location
	root *elem

	buckets [][]*elem   // dirty elems by rank
	lo      int         // lowest rank that may hold a dirty elem
	pending int         // dirty elems waiting
	counts  []countSlot // repeat_counts to evaluate again
	created []*elem     // new elems awaiting their dynamic defaults
	singles []*elem     // by nodeInfo.doc, the elem of each node outside repeats (nodeInfo.single)
	mem     *engineMem  // where the instance tree's memory comes from
	ctx     evalCtx
	secs    map[string]*staticNode               // secondary instances by id
	lists   map[*forms.ChoiceList]map[string]int // choice indices of lists the plan lacks (EngineOptions.Files)
}

// elem is one instance of a form node: the root, a group, a repeat
// instance, a field. It implements xpath.Node.
type elem struct {
	eng    *Engine
	ni     *nodeInfo
	parent *elem
	rec    *Record   // the level record: values of this elem (or, for a repeat instance, its own record)
	slots  [][]*elem // by child position: one elem, or a repeat's instances
	count  []int     // by child position: repeat_count's last value (-1 when the repeat has none)
	index  int       // 1-based, repeat instances only
	kids   []xpath.Node
	self   [1]xpath.Node // x alone, for ${} resolving to one field without allocating

	relSelf, relevant, required, readOnly, invalid bool
	v                                              xpath.Value // what Value returns while relevant, as vk says
	vk                                             uint8       // v holds nothing, a calculation's result, or val typed
	val                                            string      // the stored answer, mirrored from rec so reads need no map lookup
	err                                            error       // last evaluation error of this elem's expressions
	mask                                           uint8       // queued: the expressions to evaluate (dep* bits)
	errs                                           uint8       // dep* bits of the expressions whose last evaluation failed
	stale                                          bool        // was inside a non-relevant group: evaluate everything
	dead                                           bool        // removed with its repeat instance
}

// NewEngine opens iv with form f. It builds the instance tree from the
// record, fills missing metadata preloads (start, today, deviceid,
// username), brings repeat_count instances in line and evaluates everything
// once.
func NewEngine(f *forms.Form, iv *Interview, opts EngineOptions) (*Engine, error) {
	return newEngine(f, iv, opts, false)
}

// NewInterview creates a fresh draft of form f: a "uuid:" id, Revision 1,
// metadata preloads, literal and dynamic defaults, and the instances that
// repeat_count asks for.
func NewInterview(f *forms.Form, enumerator, deviceID string, now time.Time) (*Interview, error) {
	return newInterview(f, nil, enumerator, deviceID, now)
}

// NewInterview is the package's NewInterview with the plan's analysis
// reused.
func (p *Plan) NewInterview(enumerator, deviceID string, now time.Time) (*Interview, error) {
	return newInterview(p.form, p, enumerator, deviceID, now)
}

// NewInterviewAfter is NewInterview with ${last-saved#name} defaults read
// from last, the data of the last interview saved with the form on this
// device (nil: none yet).
func NewInterviewAfter(f *forms.Form, last *Record, enumerator, deviceID string, now time.Time) (*Interview, error) {
	return newInterviewAfter(f, nil, last, enumerator, deviceID, now)
}

func newInterview(f *forms.Form, p *Plan, enumerator, deviceID string, now time.Time) (*Interview, error) {
	return newInterviewAfter(f, p, nil, enumerator, deviceID, now)
}

func newInterviewAfter(f *forms.Form, p *Plan, last *Record, enumerator, deviceID string, now time.Time) (*Interview, error) {
	iv := newDraft(f, enumerator, deviceID, now)
	opts := EngineOptions{Now: func() time.Time { return now }, DeviceID: deviceID, Username: enumerator, Plan: p, LastSaved: last}
	if _, err := newEngine(f, iv, opts, true); err != nil {
		return nil, err
	}
	return iv, nil
}

func newDraft(f *forms.Form, enumerator, deviceID string, now time.Time) *Interview {
	return &Interview{
		ID: "uuid:" + uuid.NewString(), FormID: f.ID, FormVersion: f.Version, FormHash: f.Hash,
		Enumerator: enumerator, DeviceID: deviceID, Started: now, Updated: now,
		Status: StatusDraft, Revision: 1, Data: NewRecord(),
	}
}

func newEngine(f *forms.Form, iv *Interview, opts EngineOptions, fresh bool) (*Engine, error) {
	if err := checkForm(f, iv); err != nil {
		return nil, err
	}
	p := opts.Plan
	if p == nil || p.form != f {
		var err error
		if p, err = NewPlan(f); err != nil {
			return nil, err
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{plan: p, form: f, iv: iv, opts: opts, loc: opts.Location, buckets: make([][]*elem, p.ranks), mem: &engineMem{}}
	if err := e.start(fresh); err != nil {
		return nil, err
	}
	return e, nil
}

// checkForm refuses to open an interview on a form other than its own.
func checkForm(f *forms.Form, iv *Interview) error {
	if iv.FormID != "" && f.ID != "" && iv.FormID != f.ID {
		return fmt.Errorf("open interview %s: it was started on form %q, not %q", iv.ID, iv.FormID, f.ID)
	}
	return nil
}

// start brings a new Engine (plan, form, interview and options set) to its
// settled state: the steps newEngine and the pooled Validator share, in one
// place so that both reach the same state and the same issues.
func (e *Engine) start(fresh bool) error {
	if e.loc == nil {
		e.loc = time.Local
	}
	e.ctx.e = e
	e.lang = e.pickLanguage(e.opts.Language)
	if e.iv.Data == nil {
		e.iv.Data = NewRecord()
	}
	n := len(e.plan.infos)
	e.singles = e.mem.ptrs.take(n, n+e.plan.kids)
	e.root = e.build(e.plan.root, nil, e.iv.Data, 0, fresh)
	if e.iv.Editable() {
		e.fillMeta(e.root)
	}
	if err := e.settle(); err != nil {
		return fmt.Errorf("open interview %s: %w", e.iv.ID, err)
	}
	return nil
}

func (e *Engine) pickLanguage(lang string) string {
	if lang != "" {
		if l, ok := e.resolveLanguage(lang); ok {
			return l
		}
	}
	if e.form.DefaultLanguage != "" {
		return e.form.DefaultLanguage
	}
	if len(e.form.Languages) > 0 {
		return e.form.Languages[0]
	}
	return ""
}

// resolveLanguage finds the form's language key that lang names: the key
// itself, or its code ("fr" for "Français (fr)"), ignoring case.
func (e *Engine) resolveLanguage(lang string) (string, bool) {
	if lang == "" && len(e.form.Languages) == 0 {
		return "", true
	}
	for _, l := range e.form.Languages {
		if l == lang {
			return l, true
		}
	}
	low := strings.ToLower(lang)
	for _, l := range e.form.Languages {
		if strings.EqualFold(l, lang) || strings.HasSuffix(strings.ToLower(l), "("+low+")") {
			return l, true
		}
	}
	return "", false
}

// build creates the elem for ni (the root, a group, a repeat instance or a
// field) under parent, and its subtree from rec. fresh elems get their
// literal defaults and are queued for their dynamic defaults.
func (e *Engine) build(ni *nodeInfo, parent *elem, rec *Record, index int, fresh bool) *elem {
	m := e.mem
	// Opening an interview builds hundreds of elems: the first chunk holds
	// the whole tree of one instance per repeat; later repeat instances
	// take chunks of a few elems each.
	first := e.root == nil && parent == nil
	chunk := 32
	if first {
		chunk = len(e.plan.infos)
	}
	x := &m.elems.take(1, chunk)[0]
	// The memory is zeroed: set only what differs.
	x.eng, x.ni, x.parent, x.rec, x.index = e, ni, parent, rec, index
	x.relSelf, x.relevant = true, true
	x.required, x.readOnly = ni.x.alwaysRequired, ni.staticRO // refresh's result without expressions
	x.self[0] = x
	if ni.single {
		e.singles[ni.doc] = x
	}
	if fresh && ni.x.def != nil {
		e.created = append(e.created, x)
	}
	n := ni.node
	if fresh && rec.Values == nil && ni.fields > 0 {
		rec.Values = make(map[string]string, ni.fields)
	}
	if parent != nil && !ni.container {
		if fresh && n.Default != "" && !n.DynamicDefault && rec.Values[n.Path] == "" {
			if v, _, err := normalizeScalar(n, n.Default, e.loc); err == nil && v != "" {
				putValue(rec, n.Path, v)
			}
		}
		x.val = rec.Values[n.Path]
		return x
	}
	k := len(ni.kids)
	if first {
		chunk = e.plan.kids
	}
	x.slots = m.slots.take(k, chunk)
	x.count = m.ints.take(k, chunk)
	singles := m.ptrs.take(k, chunk) // one backing array for the non-repeat children
	for i, ci := range ni.kids {
		x.count[i] = -1
		if ci.node.Type != forms.TypeRepeat {
			singles[i] = e.build(ci, x, rec, 0, fresh)
			x.slots[i] = singles[i : i+1 : i+1]
			continue
		}
		insts := rec.Repeats[ci.node.Path]
		if len(insts) == 0 {
			continue
		}
		// Capacity ends with the instances: an added one reallocates.
		slot := m.ptrs.take(len(insts), chunk)
		for j, inst := range insts {
			slot[j] = e.build(ci, x, inst, j+1, fresh)
		}
		x.slots[i] = slot
	}
	return x
}

// engineMem is the memory an engine carves its instance tree from, in
// chunks rather than one allocation per elem and slice; the Validator
// keeps it from one interview to the next.
type engineMem struct {
	elems arena[elem]
	slots arena[[]*elem]
	ptrs  arena[*elem]
	ints  arena[int]
	nodes arena[xpath.Node]

	scratch []xpath.Node           // resolve's working memory
	secs    map[string]*staticNode // the Validator's Engine.secs, kept for its buckets
}

// reset zeroes what the last tree used, so that the memory holds on to no
// interview, and makes every arena that ran out of memory big enough for
// the next tree of that size, and at least for a tree of p's form with a
// few repeat instances.
func (m *engineMem) reset(p *Plan) {
	const extra = 32
	m.elems.reset(len(p.infos) + extra)
	m.slots.reset(p.kids + extra)
	m.ptrs.reset(len(p.infos) + p.kids + extra)
	m.ints.reset(p.kids + extra)
	m.nodes.reset(len(p.infos) + extra)
	clear(m.scratch[:cap(m.scratch)])
	clear(m.secs)
}

// arena hands out zeroed slices of T from chunks.
type arena[T any] struct {
	buf  []T // the chunk the engine started with
	free []T // the unused part of the current chunk
	grew bool
}

// take returns n zeroed T, with no capacity beyond them, from the current
// chunk or from a new one of at least chunk T. The slice is never nil, even
// empty: a container's slots are how the engine tells it from a field.
func (a *arena[T]) take(n, chunk int) []T {
	if n > len(a.free) || a.free == nil {
		a.free = make([]T, max(n, chunk))
		a.grew = true
	}
	s := a.free[:n:n]
	a.free = a.free[n:]
	return s
}

// reset makes the arena's memory available again: the used part of buf
// zeroed, or a bigger buf when the last use outgrew it.
func (a *arena[T]) reset(min int) {
	if a.grew || len(a.buf) < min {
		a.buf = make([]T, max(2*len(a.buf), min))
	} else {
		clear(a.buf[:len(a.buf)-len(a.free)])
	}
	a.free, a.grew = a.buf, false
}

// What elem.v holds. A calculation's result, once there is one, is the
// value whatever is stored; otherwise the stored answer typed, cached
// because expressions read some answers many times and parsing numbers and
// dates is not free.
const (
	vNone uint8 = iota
	vCalc
	vTyped
)

// put stores v as x's answer, in the record and in x.
func (x *elem) put(v string) {
	putValue(x.rec, x.ni.node.Path, v)
	x.val = v
	if x.vk == vTyped {
		x.vk = vNone
	}
}

func putValue(rec *Record, path, v string) {
	if v == "" {
		delete(rec.Values, path)
		return
	}
	if rec.Values == nil {
		rec.Values = map[string]string{}
	}
	rec.Values[path] = v
}

// fillMeta sets empty metadata preloads; end is left for Finalize.
func (e *Engine) fillMeta(x *elem) {
	now := e.opts.Now().In(e.loc)
	e.walk(x, func(y *elem) bool {
		n := y.ni.node
		if y.slots != nil || y.val != "" {
			return true
		}
		var v string
		switch n.Type {
		case forms.TypeStart:
			v = now.Format(layoutDateTime)
		case forms.TypeToday:
			v = now.Format(layoutDate)
		case forms.TypeDeviceID:
			v = e.opts.DeviceID
			if v == "" {
				v = e.iv.DeviceID
			}
		case forms.TypeUsername:
			v = e.opts.Username
			if v == "" {
				v = e.iv.Enumerator
			}
		default:
			if n.Name == "instanceID" && y.parent != nil && y.parent.ni.node.Name == "meta" {
				v = e.iv.ID
			}
		}
		if v != "" {
			y.put(v)
		}
		return true
	})
}

// walk visits x and its subtree in document order; fn returns false to
// skip an elem's children.
func (e *Engine) walk(x *elem, fn func(*elem) bool) {
	if !fn(x) {
		return
	}
	for _, slot := range x.slots {
		for _, c := range slot {
			e.walk(c, fn)
		}
	}
}

// ref returns x's address.
func (x *elem) ref() Ref {
	var steps []Step
	for y := x; y != nil; y = y.parent {
		if y.index > 0 {
			steps = append(steps, Step{Path: y.ni.node.Path, Index: y.index})
		}
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return Ref{Path: x.ni.node.Path, Repeats: steps}
}

// find returns the elem at ref: a field, a group, a repeat instance
// ("/data/legs[2]"). A ref to a repeat without an index gives its parent
// elem and the repeat's nodeInfo.
func (e *Engine) find(ref Ref) (*elem, *nodeInfo, error) {
	ni := e.plan.byPath[ref.Path]
	if ni == nil {
		return nil, nil, fmt.Errorf("%s: %w", ref, ErrUnknownField)
	}
	x := e.root
	k := 0
	for _, c := range ni.chain {
		slot := x.slots[c.pos]
		if c.node.Type != forms.TypeRepeat {
			x = slot[0]
			continue
		}
		if k >= len(ref.Repeats) {
			if c == ni {
				return x, ni, nil
			}
			return nil, nil, fmt.Errorf("%s: repeat %s needs an index: %w", ref, c.node.Path, ErrUnknownField)
		}
		st := ref.Repeats[k]
		k++
		if st.Path != c.node.Path || st.Index < 1 || st.Index > len(slot) {
			return nil, nil, fmt.Errorf("%s: %w", ref, ErrNoInstance)
		}
		x = slot[st.Index-1]
	}
	return x, nil, nil
}

// ParseRef parses s against the engine's form.
func (e *Engine) ParseRef(s string) (Ref, error) {
	return ParseRef(s, func(p string) bool {
		ni := e.plan.byPath[p]
		return ni != nil && ni.node.Type == forms.TypeRepeat
	})
}

// Interview returns the interview the engine edits.
func (e *Engine) Interview() *Interview { return e.iv }

// Form returns the engine's form.
func (e *Engine) Form() *forms.Form { return e.form }

// Language returns the active language.
func (e *Engine) Language() string { return e.lang }

// SetLanguage switches the language of labels, hints, messages and
// jr:choice-name, and records it in the paradata. lang is one of the
// form's languages, by key ("Français (fr)") or code ("fr").
func (e *Engine) SetLanguage(lang string) error {
	l, ok := e.resolveLanguage(lang)
	if !ok {
		return fmt.Errorf("language %q: not one of the form's languages %q", lang, e.form.Languages)
	}
	e.lang = l
	e.secs = nil // choice labels in secondary instances follow the language
	e.event("language", "", l)
	return nil
}

func (e *Engine) event(kind, field, note string) {
	e.iv.Paradata = append(e.iv.Paradata, Event{At: e.opts.Now(), Kind: kind, Field: field, Note: note})
}

// Text returns t in the active language, for choice labels and other
// form texts a UI shows: the active language, then the form's default
// language, then the untranslated column, then any language the form lists.
func (e *Engine) Text(t forms.Text) string { return e.text(t) }

// text picks t in the active language, then the default language, then the
// untranslated column, then any language the form lists.
func (e *Engine) text(t forms.Text) string {
	if s := t[e.lang]; s != "" {
		return s
	}
	if s := t[e.form.DefaultLanguage]; s != "" {
		return s
	}
	if s := t[""]; s != "" {
		return s
	}
	for _, l := range e.form.Languages {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// french reports whether the active language is French, for the engine's
// own messages.
func (e *Engine) french() bool {
	l := strings.ToLower(e.lang)
	return strings.Contains(l, "(fr") || strings.HasPrefix(l, "fr")
}
