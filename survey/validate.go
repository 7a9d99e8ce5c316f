package survey

import (
	"sync"
	"time"
)

// Validator checks interviews of one form exactly as NewEngine followed by
// ValidateAll does, for a server that checks thousands a second: the plan
// is analysed once, the engine's memory (its instance tree's elems and
// slices, rank queues, secondary-instance map) is reused from one interview
// to the next instead of left to the garbage collector, and a submitted interview is never copied nor written
// to. It is safe for concurrent use; each call takes its own engine.
type Validator struct {
	plan *Plan
	pool sync.Pool // *validEngine
}

// validEngine is a pooled engine with the memory it keeps between
// interviews.
type validEngine struct {
	e       Engine
	mem     engineMem   // zeroed memory for the next interview's tree
	buckets [][]*elem   // rank queues, empty between interviews
	counts  []countSlot // repeat_counts queue, empty between interviews
}

// NewValidator returns a Validator for the plan's form.
func NewValidator(p *Plan) *Validator {
	return &Validator{plan: p}
}

// Plan returns the plan the validator uses.
func (v *Validator) Plan() *Plan { return v.plan }

// Validate returns what ValidateAll of an engine opened on iv with opts
// returns (opts.Plan is ignored: the validator's is used), and the error
// NewEngine would return. A draft (the engine fills its preloads,
// calculations and repeat instances) is validated on a copy; any other
// interview is only read.
func (v *Validator) Validate(iv *Interview, opts EngineOptions) ([]Issue, error) {
	if iv.Editable() || iv.Data == nil {
		cp := *iv
		cp.Data = iv.Data.Clone() // nil stays nil: open gives the copy an empty record
		iv = &cp
	}
	ve, _ := v.pool.Get().(*validEngine)
	if ve == nil {
		ve = &validEngine{}
	}
	defer v.put(ve)
	e, err := v.open(ve, iv, opts)
	if err != nil {
		return nil, err
	}
	return e.ValidateAll(), nil
}

// open is newEngine on pooled memory: the same checks, then the same start.
func (v *Validator) open(ve *validEngine, iv *Interview, opts EngineOptions) (*Engine, error) {
	p := v.plan
	f := p.form
	if err := checkForm(f, iv); err != nil {
		return nil, err
	}
	opts.Plan = p
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if ve.mem.elems.buf == nil {
		ve.mem.reset(p)
		ve.mem.secs = map[string]*staticNode{}
	}
	if len(ve.buckets) < p.ranks {
		ve.buckets = make([][]*elem, p.ranks)
	}
	ve.e = Engine{plan: p, form: f, iv: iv, opts: opts, loc: opts.Location, buckets: ve.buckets[:p.ranks], counts: ve.counts, mem: &ve.mem, secs: ve.mem.secs}
	e := &ve.e
	if err := e.start(false); err != nil {
		return nil, err
	}
	return e, nil
}

// put returns ve to the pool with its elems zeroed, so that it holds on to
// no interview.
func (v *Validator) put(ve *validEngine) {
	ve.mem.reset(v.plan)
	ve.counts = ve.e.counts[:0]
	clear(ve.counts[:cap(ve.counts)])
	for i := range ve.buckets {
		clear(ve.buckets[i][:cap(ve.buckets[i])])
		ve.buckets[i] = ve.buckets[i][:0]
	}
	ve.e = Engine{}
	v.pool.Put(ve)
}
