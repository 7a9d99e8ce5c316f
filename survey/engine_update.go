package survey

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"sira/forms"
	"sira/forms/xpath"
)

// maxInstances bounds repeat_count, so that a typo (1000000) cannot
// exhaust a laptop's memory.
const maxInstances = 500

// ErrUnstable is returned when updates do not settle: a dependency cycle
// that flips values, or repeat counts that keep changing one another.
var ErrUnstable = errors.New("form state does not settle")

// countSlot is a repeat (child position pos of elem p) whose repeat_count
// must be evaluated again.
type countSlot struct {
	p   *elem
	pos int
}

// What an elem's state reads of another, per dependency edge: which of
// its expressions to evaluate again when the other changes.
const (
	depRel    uint8 = 1 << iota // relevant
	depReq                      // required
	depRO                       // read_only
	depCalc                     // calculation
	depCons                     // constraint
	depCount                    // repeat_count
	depParent                   // the enclosing group's relevance
	depOther                    // errors outside refresh (filters, defaults, triggers)
	depAll    = depRel | depReq | depRO | depCalc | depCons | depCount | depParent
)

// markDirty queues x for refresh in rank order; m says which of its
// expressions to evaluate.
func (e *Engine) markDirty(x *elem, m uint8) {
	if x.mask != 0 {
		x.mask |= m
		return
	}
	x.mask = m
	r := x.ni.rank
	e.buckets[r] = append(e.buckets[r], x)
	e.pending++
	if r < e.lo {
		e.lo = r
	}
}

// markDeps queues every instance of every node that reads x.
func (e *Engine) markDeps(x *elem) {
	for i, d := range x.ni.deps {
		e.markNode(x, d, x.ni.masks[i])
	}
}

// markNode queues the instances of d that x can affect: those inside x's
// instance of the deepest repeat they share, or all of them.
func (e *Engine) markNode(x *elem, d *nodeInfo, m uint8) {
	e.eachInstance(x, d, func(p *elem) {
		for _, c := range p.slots[d.pos] {
			e.markDirty(c, m)
		}
		if m&depCount != 0 && d.x.repeatCount != nil {
			e.markCount(p, d.pos)
		}
	})
}

func (e *Engine) eachInstance(x *elem, d *nodeInfo, fn func(p *elem)) {
	start := e.root
	k := 0
	if len(d.repeats) > 0 {
		for y := x; y != nil; y = y.parent {
			if y.index > 0 && indexOf(d.repeats, y.ni) >= 0 {
				start, k = y, len(y.ni.chain)
				break
			}
		}
	}
	e.eachParent(start, d.chain[k:len(d.chain)-1], fn)
}

func (e *Engine) eachParent(x *elem, chain []*nodeInfo, fn func(*elem)) {
	if len(chain) == 0 {
		fn(x)
		return
	}
	for _, c := range x.slots[chain[0].pos] {
		e.eachParent(c, chain[1:], fn)
	}
}

func (e *Engine) markCount(p *elem, pos int) {
	for _, s := range e.counts {
		if s.p == p && s.pos == pos {
			return
		}
	}
	e.counts = append(e.counts, countSlot{p, pos})
}

// run refreshes queued elems of rank up to limit, lowest rank first.
func (e *Engine) run(limit int) error {
	budget := 1 << 22
	for e.pending > 0 {
		for e.lo < len(e.buckets) && len(e.buckets[e.lo]) == 0 {
			e.lo++
		}
		if e.lo >= len(e.buckets) {
			e.pending = 0
			break
		}
		if e.lo > limit {
			break
		}
		r := e.lo
		batch := e.buckets[r]
		e.buckets[r] = nil
		e.lo = r + 1
		for _, x := range batch {
			m := x.mask
			x.mask = 0
			e.pending--
			if budget--; budget < 0 {
				return fmt.Errorf("%s: %w", x.ni.node.Path, ErrUnstable)
			}
			e.refresh(x, m)
		}
		if e.buckets[r] == nil {
			e.buckets[r] = batch[:0] // keep the memory for the next update
		}
	}
	return nil
}

// refresh re-evaluates the expressions of x that m names (relevance,
// requiredness, read-only state, calculation, constraint) and queues its
// dependents when what they read of x (its relevance or its value) changed.
func (e *Engine) refresh(x *elem, m uint8) {
	if x.dead {
		return
	}
	ni := x.ni
	n := ni.node
	xs := &ni.x
	changed := false

	// Inside a non-relevant group nothing is evaluated: the elem reads as ""
	// whatever its state, and the group's return to relevance queues it
	// again in full. Required, read-only and calculated state is therefore
	// meaningful only for relevant elems.
	if x.parent != nil && !x.parent.relevant {
		x.stale = true
		x.invalid, x.required, x.errs, x.err = false, false, 0, nil
		x.readOnly = ni.staticRO
		if x.relevant {
			x.relevant = false
			e.markChildren(x)
			e.markDeps(x)
		}
		return
	}
	if x.stale {
		m, x.stale = depAll, false
	}
	if m&depAll == depAll {
		x.errs &^= depOther
	}
	if m&depRel != 0 {
		x.relSelf = xs.relevant == nil || e.evalKind(x, depRel, xs.relevant, true)
	}
	relChanged := x.relSelf != x.relevant
	if relChanged {
		x.relevant = x.relSelf
		changed = true
	}
	if x.slots != nil {
		if changed {
			e.markChildren(x)
			e.markDeps(x)
		}
		return
	}

	if m&depReq != 0 {
		x.required = xs.alwaysRequired || xs.required != nil && e.evalKind(x, depReq, xs.required, false)
	}
	if m&depRO != 0 {
		x.readOnly = ni.staticRO || (xs.readOnly != nil && e.evalKind(x, depRO, xs.readOnly, false))
	}
	valueChanged := false
	if m&depCalc != 0 && xs.calculation != nil && n.Trigger == "" {
		v, err := e.eval(xs.calculation, x)
		if err != nil {
			x.err, x.errs = fmt.Errorf("calculation: %w", err), x.errs|depCalc
			v = xpath.String("")
		} else {
			x.errs &^= depCalc
		}
		if x.vk != vCalc || !sameValue(v, x.v) {
			x.v, x.vk = v, vCalc
			changed, valueChanged = true, true
			if e.iv.Editable() {
				x.put(storeString(n, v))
			}
		}
	}
	if m&depCons != 0 || valueChanged || relChanged {
		was := x.invalid
		x.invalid = false
		x.errs &^= depCons
		if xs.constraint != nil && x.relevant && x.raw() != "" {
			x.invalid = !e.evalKind(x, depCons, xs.constraint, true)
		}
		if x.invalid != was {
			changed = true // what others read of x: its value or ""
		}
	}
	if changed {
		e.markDeps(x)
	}
}

// markChildren queues the children of a group or repeat instance whose
// relevance changed.
func (e *Engine) markChildren(x *elem) {
	for _, s := range x.slots {
		for _, c := range s {
			e.markDirty(c, depParent)
		}
	}
}

// evalKind evaluates one of x's boolean expressions, recording an error
// under bit k (onErr is the result then).
func (e *Engine) evalKind(x *elem, k uint8, ex *expr, onErr bool) bool {
	v, err := e.eval(ex, x)
	if err != nil {
		x.err, x.errs = err, x.errs|k
		return onErr
	}
	x.errs &^= k
	if v.Kind == xpath.KindBool { // most conditions: no copy into ToBool
		return v.B
	}
	return toBool(v)
}

// staticReadOnly reports what is read-only whatever the answers.
func staticReadOnly(n *forms.Node, xs *exprs) bool {
	return xs.alwaysReadOnly || n.Type == forms.TypeNote || n.Type == forms.TypeCalculate || isMeta(n)
}

// storeString renders a calculation's result as it is stored: numbers
// without ".0", dates as YYYY-MM-DD, dateTimes in full.
func storeString(n *forms.Node, v xpath.Value) string {
	switch v.Kind {
	case xpath.KindNumber:
		if math.IsNaN(v.N) || math.IsInf(v.N, 0) {
			return ""
		}
	case xpath.KindDateTime:
		return v.T.Format(layoutDateTime)
	case xpath.KindTime:
		return v.T.Format(layoutTime)
	}
	return toString(v)
}

func sameValue(a, b xpath.Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case xpath.KindString:
		return a.S == b.S
	case xpath.KindNumber:
		return a.N == b.N || (math.IsNaN(a.N) && math.IsNaN(b.N))
	case xpath.KindBool:
		return a.B == b.B
	case xpath.KindNodeset:
		if len(a.Set) != len(b.Set) {
			return false
		}
		for i := range a.Set {
			if !sameValue(a.Set[i], b.Set[i]) {
				return false
			}
		}
		return true
	}
	return a.T.Equal(b.T)
}

// update drains the queue, applies dynamic defaults of new instances and
// brings repeat counts in line, until nothing changes.
func (e *Engine) update() error { return e.freshen(math.MaxInt) }

// freshen is update restricted to ranks up to limit: afterwards every elem
// of rank <= limit is up to date, since what an elem reads has a lower rank.
// Simulate uses it to defer work that later answers would redo.
func (e *Engine) freshen(limit int) error {
	for i := 0; i < 64; i++ {
		if err := e.run(limit); err != nil {
			return err
		}
		if len(e.created) > 0 {
			cs := e.created
			e.created = nil
			e.applyDynamicDefaults(cs)
			continue
		}
		synced := false
		for j := 0; j < len(e.counts); j++ {
			s := e.counts[j]
			if s.p.ni.kids[s.pos].rank > limit {
				continue
			}
			e.counts = append(e.counts[:j], e.counts[j+1:]...)
			j--
			e.syncCount(s.p, s.pos)
			synced = true
		}
		if !synced {
			return nil
		}
	}
	return ErrUnstable
}

// settle evaluates everything on opening; the state it reaches is the
// reference incremental updates must match. Elems whose node has no
// expression are not queued: build gave them the state refresh would,
// and a group that turns out not relevant queues its children.
func (e *Engine) settle() error {
	e.queueAll(e.root)
	return e.update()
}

// queueAll is settle's walk of x's subtree, without walk's callback per elem.
func (e *Engine) queueAll(x *elem) {
	if !x.ni.bare {
		e.markDirty(x, depAll)
	}
	for i, c := range x.ni.kids {
		if c.x.repeatCount != nil && c.node.Type == forms.TypeRepeat {
			e.markCount(x, i)
		}
	}
	for _, slot := range x.slots {
		for _, c := range slot {
			e.queueAll(c)
		}
	}
}

// applyDynamicDefaults evaluates the default expressions of new elems once,
// as odk-instance-first-load and odk-new-repeat do.
func (e *Engine) applyDynamicDefaults(created []*elem) {
	for _, x := range created {
		d := x.ni.x.def
		if d == nil || x.dead || x.raw() != "" {
			continue
		}
		v, err := e.eval(d, x)
		if err != nil {
			x.err, x.errs = fmt.Errorf("default: %w", err), x.errs|depOther
			continue
		}
		s, _, err := normalizeScalar(x.ni.node, storeString(x.ni.node, v), e.loc)
		if err != nil || s == "" {
			continue
		}
		x.put(s)
		e.markDirty(x, depAll)
		e.markDeps(x)
	}
}

// syncCount makes the number of instances of repeat p.slots[pos] follow
// its repeat_count, adding fresh instances or removing the last ones.
func (e *Engine) syncCount(p *elem, pos int) {
	if p.dead {
		return
	}
	ni := p.ni.kids[pos]
	want := 0
	v, err := e.eval(ni.x.repeatCount, p)
	if err != nil {
		p.err, p.errs = fmt.Errorf("repeat_count of %s: %w", ni.node.Name, err), p.errs|depOther
	} else if f := toNumber(v); !math.IsNaN(f) && f > 0 {
		want = int(math.Min(f, maxInstances))
	}
	p.count[pos] = want
	if !e.iv.Editable() {
		return // a submitted record is kept as it is
	}
	for len(p.slots[pos]) < want {
		e.addInstance(p, ni)
	}
	// A repeat hidden by a gate (consent changed, a module skipped) reads
	// its count as empty: its instances stay while the interview is a
	// draft, so that undoing the change brings every answer back. Finalize
	// drops the instances of repeats that are not relevant.
	if len(p.slots[pos]) > want && !e.repeatRelevant(p, ni) {
		return
	}
	for len(p.slots[pos]) > want {
		e.removeInstance(p, ni, len(p.slots[pos]))
	}
}

// addInstance appends a fresh instance of repeat ni under p and queues it
// and whatever reads the repeat.
func (e *Engine) addInstance(p *elem, ni *nodeInfo) *elem {
	inst := NewRecord()
	if p.rec.Repeats == nil {
		p.rec.Repeats = map[string][]*Record{}
	}
	p.rec.Repeats[ni.node.Path] = append(p.rec.Repeats[ni.node.Path], inst)
	x := e.build(ni, p, inst, len(p.slots[ni.pos])+1, true)
	p.slots[ni.pos] = append(p.slots[ni.pos], x)
	p.kids = nil
	e.fillMeta(x)
	e.walk(x, func(y *elem) bool {
		e.markDirty(y, depAll)
		e.markDeps(y)
		return true
	})
	e.markDeps(x)
	return x
}

// removeInstance deletes instance index (1-based) of repeat ni under p.
func (e *Engine) removeInstance(p *elem, ni *nodeInfo, index int) {
	slot := p.slots[ni.pos]
	gone := slot[index-1]
	// Dependents outside the instance (count(), sum()) must see it go.
	e.walk(gone, func(y *elem) bool {
		e.markDeps(y)
		y.dead = true
		return true
	})
	slot = append(slot[:index-1:index-1], slot[index:]...)
	p.slots[ni.pos] = slot
	p.kids = nil
	insts := p.rec.Repeats[ni.node.Path]
	insts = append(insts[:index-1:index-1], insts[index:]...)
	if len(insts) == 0 {
		delete(p.rec.Repeats, ni.node.Path)
	} else {
		p.rec.Repeats[ni.node.Path] = insts
	}
	// Later instances move up: position() and indexed-repeat() change.
	for i := index - 1; i < len(slot); i++ {
		slot[i].index = i + 1
		e.walk(slot[i], func(y *elem) bool {
			e.markDirty(y, depAll)
			e.markDeps(y)
			return true
		})
	}
}

// Set stores a raw answer at ref after normalising and checking it against
// the question's type (and, for selects, its current choices), then updates
// everything that depends on it. It records a "change" event in the
// paradata, without the value. Errors: ErrFinalized, ErrUnknownField,
// ErrNoInstance, ErrReadOnly, ErrNotRelevant, *ValueError.
func (e *Engine) Set(ref Ref, value string) error {
	if !e.iv.Editable() {
		return fmt.Errorf("set %s: %w", ref, ErrFinalized)
	}
	x, _, err := e.find(ref)
	if err != nil {
		return err
	}
	if x == nil || x.slots != nil {
		return fmt.Errorf("set %s: a group or repeat has no value: %w", ref, ErrUnknownField)
	}
	if !x.relevant {
		return fmt.Errorf("set %s: %w", ref, ErrNotRelevant)
	}
	if x.readOnly || x.ni.x.calculation != nil && x.ni.node.Trigger == "" {
		return fmt.Errorf("set %s: %w", ref, ErrReadOnly)
	}
	v, err := e.normalize(x, value)
	if err != nil {
		return err
	}
	if v == x.raw() {
		return nil
	}
	x.put(v)
	e.iv.Updated = e.opts.Now()
	e.event("change", ref.String(), "")
	e.markDirty(x, depAll)
	e.markDeps(x)
	if err := e.update(); err != nil {
		return err
	}
	if len(x.ni.triggers) == 0 {
		return nil
	}
	e.fire(x)
	return e.update()
}

// fire runs the calculations triggered by a change of x (the trigger
// column): each stores its result as an ordinary answer, or clears it when
// the calculation is empty, as ODK's xforms-value-changed setvalue does.
func (e *Engine) fire(x *elem) {
	for _, t := range x.ni.triggers {
		e.eachInstance(x, t, func(p *elem) {
			for _, y := range p.slots[t.pos] {
				if y.slots != nil || !y.relevant {
					continue
				}
				v := ""
				if c := t.x.calculation; c != nil {
					val, err := e.eval(c, y)
					if err != nil {
						y.err, y.errs = fmt.Errorf("trigger calculation: %w", err), y.errs|depOther
						continue
					}
					if v, _, err = normalizeScalar(t.node, storeString(t.node, val), e.loc); err != nil {
						y.err, y.errs = fmt.Errorf("trigger calculation: %w", err), y.errs|depOther
						continue
					}
				}
				if v != y.raw() {
					y.put(v)
					e.markDirty(y, depAll)
					e.markDeps(y)
				}
			}
		})
	}
}

// normalize converts raw to x's stored form or returns a *ValueError.
func (e *Engine) normalize(x *elem, raw string) (string, error) {
	n := x.ni.node
	bad := func(code, reason string) error {
		return &ValueError{Field: x.ref().String(), Value: raw, Reason: reason, Code: code}
	}
	if !isSelect(n) || e.externalWithoutList(n) {
		v, code, err := normalizeScalar(n, raw, e.loc)
		if err != nil {
			return "", bad(code, err.Error())
		}
		return v, nil
	}
	if !isMulti(n) {
		v := strings.TrimSpace(raw)
		if v != "" && !e.offered(x, v) {
			return "", bad("choice", fmt.Sprintf("%q is not one of the choices", v))
		}
		return v, nil
	}
	toks := strings.Fields(raw)
	if len(toks) == 0 {
		return "", nil
	}
	seen := map[string]bool{}
	out := toks[:0:0]
	for _, t := range toks {
		if !e.offered(x, t) {
			return "", bad("choice", fmt.Sprintf("%q is not one of the choices", t))
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return strings.Join(out, " "), nil
}

// RemoveRepeat deletes the repeat instance ref names ("/data/legs[2]");
// later instances move up.
func (e *Engine) RemoveRepeat(ref Ref) error {
	if len(ref.Repeats) == 0 || ref.Repeats[len(ref.Repeats)-1].Path != ref.Path {
		return fmt.Errorf("remove %s: not a repeat instance: %w", ref, ErrUnknownField)
	}
	last := ref.Repeats[len(ref.Repeats)-1]
	p, ni, err := e.repeatParent(Ref{Path: ref.Path, Repeats: ref.Repeats[:len(ref.Repeats)-1]})
	if err != nil {
		return err
	}
	if last.Index < 1 || last.Index > len(p.slots[ni.pos]) {
		return fmt.Errorf("remove %s: %w", ref, ErrNoInstance)
	}
	e.removeInstance(p, ni, last.Index)
	e.event("remove-repeat", ref.String(), "")
	return e.update()
}

func (e *Engine) repeatParent(ref Ref) (*elem, *nodeInfo, error) {
	if !e.iv.Editable() {
		return nil, nil, fmt.Errorf("%s: %w", ref, ErrFinalized)
	}
	p, ni, err := e.find(ref)
	if err != nil {
		return nil, nil, err
	}
	if ni == nil || ni.node.Type != forms.TypeRepeat {
		return nil, nil, fmt.Errorf("%s: not a repeat: %w", ref, ErrUnknownField)
	}
	if ni.x.repeatCount != nil {
		return nil, nil, fmt.Errorf("%s: %w", ref, ErrRepeatCount)
	}
	return p, ni, nil
}

// AddRepeat appends an instance to the repeat named by ref (its path and
// the indices of the enclosing repeats, e.g. "/data/legs" or
// "/data/legs[1]/stops") and returns the new instance's ref. Repeats with
// a repeat_count refuse with ErrRepeatCount: their count follows it; a
// repeat that is not relevant refuses with ErrNotRelevant.
func (e *Engine) AddRepeat(ref Ref) (Ref, error) {
	p, ni, err := e.repeatParent(ref)
	if err != nil {
		return Ref{}, err
	}
	if !e.repeatRelevant(p, ni) {
		return Ref{}, fmt.Errorf("add to %s: %w", ref, ErrNotRelevant)
	}
	if len(p.slots[ni.pos]) >= maxInstances {
		return Ref{}, fmt.Errorf("add to %s: at most %d instances", ref, maxInstances)
	}
	x := e.addInstance(p, ni)
	e.event("add-repeat", x.ref().String(), "")
	if err := e.update(); err != nil {
		return Ref{}, err
	}
	return x.ref(), nil
}
