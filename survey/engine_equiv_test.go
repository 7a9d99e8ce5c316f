package survey

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"sira/forms"
)

// snapshot renders everything the engine caches, elem by elem, plus the
// record, so that two engines can be compared.
func snapshot(e *Engine) string {
	var b strings.Builder
	e.walk(e.root, func(x *elem) bool {
		fmt.Fprintf(&b, "%s rel=%v req=%v ro=%v inv=%v err=%v\n", x.ref(), x.relevant, x.required, x.readOnly, x.invalid, x.errs != 0)
		return true
	})
	data, _ := json.Marshal(e.iv.Data)
	b.Write(data)
	return b.String()
}

// TestIncrementalMatchesFull makes random edits and checks after each one
// that the incrementally updated state equals a full evaluation of the
// same answers in a new engine.
func TestIncrementalMatchesFull(t *testing.T) {
	tests := []struct {
		name  string
		form  func(testing.TB) *forms.Form
		edits int
	}{
		{"engine.md", func(tb testing.TB) *forms.Form { return mustForm(tb, "engine.md") }, 300},
		{"nested.md", func(tb testing.TB) *forms.Form { return mustForm(tb, "nested.md") }, 300},
		{"builtin", builtinForm, 300},
		{"generated", func(testing.TB) *forms.Form { return generatedForm(t, 60) }, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.form(t)
			plan, err := NewPlan(f)
			if err != nil {
				t.Fatal(err)
			}
			for seed := uint64(0); seed < 3; seed++ {
				rng := rand.New(rand.NewPCG(seed, 99))
				e := mustEngine(t, f)
				s := &simulator{e: e, rng: rng, opts: SimOptions{Skip: 0.1, MaxInstances: 3}}
				for i := 0; i < tt.edits; i++ {
					what := randomEdit(t, s)
					cp := *e.iv
					cp.Data = e.iv.Data.Clone()
					full, err := NewEngine(f, &cp, EngineOptions{Plan: plan, Language: e.lang, Now: e.opts.Now, Location: e.loc})
					if err != nil {
						t.Fatal(err)
					}
					if got, want := snapshot(e), snapshot(full); got != want {
						t.Fatalf("seed %d edit %d (%s): incremental state differs from full evaluation:\n%s", seed, i, what, diffLines(got, want))
					}
				}
			}
		})
	}
}

// randomEdit answers, clears, or adds/removes a repeat instance at random,
// through the public API.
func randomEdit(t *testing.T, s *simulator) string {
	e, rng := s.e, s.rng
	items := e.Items()
	var refs []Ref
	var repeats []Item
	for _, it := range items {
		switch it.Kind {
		case ItemQuestion:
			refs = append(refs, it.Ref)
		case ItemFieldList:
			refs = append(refs, it.Fields...)
		case ItemRepeat:
			repeats = append(repeats, it)
		}
	}
	if len(repeats) > 0 && rng.IntN(10) == 0 {
		it := repeats[rng.IntN(len(repeats))]
		if it.Count > 0 && rng.IntN(2) == 0 {
			r := it.Ref
			r.Repeats = append(append([]Step(nil), r.Repeats...), Step{Path: r.Path, Index: 1 + rng.IntN(it.Count)})
			_ = e.RemoveRepeat(r)
			return "remove " + r.String()
		}
		_, _ = e.AddRepeat(it.Ref)
		return "add " + it.Ref.String()
	}
	if len(refs) == 0 {
		return "nothing"
	}
	ref := refs[rng.IntN(len(refs))]
	x, _, err := e.find(ref)
	if err != nil || x.readOnly {
		return "read-only " + ref.String()
	}
	v := ""
	if rng.IntN(8) != 0 {
		v, _ = s.candidate(x)
	}
	_ = e.Set(ref, v)
	return "set " + ref.String()
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "incremental: "+x, "full:        "+y)
			if len(out) > 10 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

var _ = time.Now
