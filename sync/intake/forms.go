package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"sira/forms"
	"sira/survey"
	"sira/sync/wire"
)

// Publish stores the compiled form f (a new form or a new version of one);
// laptops receive it downstream at their next sync. Publishing the same
// content twice is a no-op (created false). A settings public_key that is
// not an age recipient (ODK's RSA keys) is refused.
func (s *Server) Publish(ctx context.Context, f *forms.Form) (created bool, err error) {
	if msg := forms.PublicKeyError(f.PublicKey); msg != "" {
		return false, fmt.Errorf("publish %s version %s: settings %s", f.ID, f.Version, msg)
	}
	body, err := f.MarshalCanonical()
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", f.ID, err)
	}
	created, err = s.store.PutForm(ctx, PublishedForm{
		Hash: f.Hash, FormID: f.ID, Version: f.Version, Published: s.now().UTC(), JSON: body,
	})
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", f.ID, err)
	}
	return created, nil
}

// Codec implements wire.CodecSource over the published forms: the codec of
// the form with hash h ("" for the generic codec), or a *wire.Error with
// CodeUnknownForm.
func (s *Server) Codec(h string) (*wire.Codec, error) {
	e, err := s.form(context.Background(), h)
	if err != nil {
		return nil, err
	}
	return e.codec, nil
}

// Form returns the compiled form with hash h, or a *wire.Error with
// CodeUnknownForm.
func (s *Server) Form(ctx context.Context, h string) (*forms.Form, error) {
	e, err := s.form(ctx, h)
	if err != nil {
		return nil, err
	}
	if e.form == nil {
		return nil, wire.Errorf(wire.CodeUnknownForm, "no form hash given")
	}
	return e.form, nil
}

// form loads and caches a form and its codec. Forms are immutable, so the
// cache never goes stale; it grows with the published versions only.
func (s *Server) form(ctx context.Context, h string) (*formEntry, error) {
	s.mu.Lock()
	e, ok := s.codecs[h]
	s.mu.Unlock()
	if ok {
		return e, nil
	}
	e = &formEntry{}
	if h != "" {
		pf, err := s.store.Form(ctx, h)
		if errors.Is(err, ErrNotFound) {
			return nil, wire.Errorf(wire.CodeUnknownForm, "unknown form version %s: publish it with `sira intake form publish`", h)
		}
		if err != nil {
			return nil, err
		}
		e.form, err = forms.Load(pf.JSON)
		if err != nil {
			return nil, fmt.Errorf("published form %s %s: %w", pf.FormID, pf.Version, err)
		}
	}
	c, err := wire.NewCodec(e.form)
	if err != nil {
		return nil, err
	}
	e.codec = c
	s.mu.Lock()
	if prev, ok := s.codecs[h]; ok {
		e = prev
	} else {
		s.codecs[h] = e
	}
	s.mu.Unlock()
	return e, nil
}

// ValidateStructure is the validation every intake applies: the interview
// names its form consistently, has an id and a revision, and every answer
// and repeat is a field of the form at the right level. It returns the
// problems, at most five.
// It analyses f on every call: a server uses StructureValidation, which
// does so once per form.
func ValidateStructure(f *forms.Form, iv *survey.Interview) []string {
	return newStructure(f).validate(f, iv)
}

// StructureValidation returns ValidateStructure with each form's analysis
// kept (by form hash) for the next interview: the cheap alternative to
// EngineValidation for Config.Validate.
func StructureValidation() func(*forms.Form, *survey.Interview) []string {
	var structs structures
	return func(f *forms.Form, iv *survey.Interview) []string {
		return structs.of(f).validate(f, iv)
	}
}

// structures caches newStructure by form hash; forms are immutable.
type structures struct{ m sync.Map }

func (c *structures) of(f *forms.Form) *structure {
	if st, ok := c.m.Load(f.Hash); ok {
		return st.(*structure)
	}
	st, _ := c.m.LoadOrStore(f.Hash, newStructure(f))
	return st.(*structure)
}

// structure is what ValidateStructure needs of a form, built once per form.
type structure struct {
	nodes map[string]structNode
}

type structNode struct {
	node  *forms.Node
	level string // path of the nearest enclosing repeat, "" at top level
}

func newStructure(f *forms.Form) *structure {
	s := &structure{nodes: map[string]structNode{}}
	var walk func(n *forms.Node, level string)
	walk = func(n *forms.Node, level string) {
		s.nodes[n.Path] = structNode{n, level}
		inner := level
		if n.Type == forms.TypeRepeat {
			inner = n.Path
		}
		for _, c := range n.Children {
			walk(c, inner)
		}
	}
	if f.Root != nil {
		walk(f.Root, "")
	}
	return s
}

func (s *structure) validate(f *forms.Form, iv *survey.Interview) []string {
	var probs []string
	add := func(format string, a ...any) {
		if len(probs) < 100 {
			probs = append(probs, fmt.Sprintf(format, a...))
		}
	}
	if iv.ID == "" {
		add("no id")
	}
	if iv.Revision < 1 {
		add("revision %d", iv.Revision)
	}
	if iv.FormID != f.ID || iv.FormVersion != f.Version {
		add("form %s version %s does not match the form hash (%s version %s)", iv.FormID, iv.FormVersion, f.ID, f.Version)
	}
	var check func(r *survey.Record, level string, depth int)
	check = func(r *survey.Record, level string, depth int) {
		if r == nil || depth > 32 {
			return
		}
		for k := range r.Values {
			in, ok := s.nodes[k]
			switch {
			case !ok:
				add("answer to %s, which is not a field of the form", k)
			case in.node.Type == forms.TypeGroup || in.node.Type == forms.TypeRepeat:
				add("answer to %s, which is a %s", k, in.node.Type)
			case in.level != level:
				add("answer to %s at the wrong level", k)
			}
		}
		for k, list := range r.Repeats {
			in, ok := s.nodes[k]
			if !ok || in.node.Type != forms.TypeRepeat || in.level != level {
				add("repeat %s is not a repeat of the form at this level", k)
				continue
			}
			for _, sub := range list {
				check(sub, k, depth+1)
			}
		}
	}
	check(iv.Data, "", 0)
	slices.Sort(probs) // map order: make the reason deterministic
	if len(probs) > 5 {
		probs = probs[:5]
	}
	return probs
}
