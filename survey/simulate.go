package survey

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"sira/forms"
)

// SimOptions configure Simulate. Zero values are usable.
type SimOptions struct {
	// Plan is the form's analysis; pass one built with NewPlan when
	// simulating many interviews, else each call analyses the form again.
	Plan *Plan
	// Start is when the first interview may start; interviews start at a
	// random minute of the 30 days that follow. Zero means 2026-01-05 08:00 UTC.
	Start time.Time
	// Enumerator and DeviceID identify the simulated collector.
	Enumerator, DeviceID string
	// Answers fixes answers by field name (the value is used where the
	// field is relevant and the value valid), e.g. consent "yes": random
	// answers to gate questions would end most interviews early.
	Answers map[string]string
	// MaxInstances bounds the instances of repeats without repeat_count
	// (0 means 3); each gets a random count from 0 to it.
	MaxInstances int
	// Skip is the probability of leaving an optional question blank (0.1 if 0).
	Skip float64
	// Location is the time zone of dates (UTC if nil).
	Location *time.Location
	// LastSaved is the data of the previous interview, for
	// ${last-saved#name} (as on a laptop: the last one saved with the form).
	LastSaved *Record
	// Files are choice files beyond the form's own (PlaceholderFiles for
	// the missing ones), as EngineOptions.Files.
	Files map[string]*forms.ChoiceList
	// Answer, when set, proposes a plausible answer for question q (a
	// per-form generator: the built-in forms have one); ok false or an
	// answer the engine refuses falls back to the generic candidates.
	Answer func(q *forms.Node, r *rand.Rand) (v string, ok bool)
	// Stats, when set, counts what each question went through (sira form
	// test); one SimStats per goroutine.
	Stats *SimStats
	// Media answers image, signature, audio, video and file questions
	// with SampleMediaFor's files, listed in Interview.Attachments (a
	// store needs their contents first: SampleMediaFiles). Without it
	// they stay unanswered.
	Media bool
}

// simTries bounds the random candidates tried per question before the
// boundary values.
const simTries = 16

// Simulate returns a finalized interview of f with realistic, valid
// answers: it walks the form in order, answering what is relevant and
// writable, drawing candidates until the constraint holds (bounded, then
// boundary values: bounds read from the constraint, dates of the fields it
// references, every choice in turn), picking choices among those the filter
// offers, creating repeat instances as repeat_count says (or at random),
// and leaving some optional questions blank. Dates fall in the ten years
// before the interview, so "before today" and "after ${other_date}"
// constraints are met by drawing. The same seed gives the same interview.
// It fails if a required question cannot be answered validly.
func Simulate(f *forms.Form, rng *rand.Rand, opts SimOptions) (_ *Interview, err error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	if opts.MaxInstances == 0 {
		opts.MaxInstances = 3
	}
	if opts.Skip == 0 {
		opts.Skip = 0.1
	}
	start := opts.Start.Add(time.Duration(rng.IntN(30*24*60)) * time.Minute).In(opts.Location)
	clock := start
	now := func() time.Time { return clock }

	id, err := uuid.NewRandomFromReader(rngReader{rng})
	if err != nil {
		return nil, fmt.Errorf("simulate: interview id: %w", err)
	}
	iv := newDraft(f, opts.Enumerator, opts.DeviceID, start)
	iv.ID = "uuid:" + id.String()
	e, err := newEngine(f, iv, EngineOptions{Now: now, DeviceID: opts.DeviceID, Username: opts.Enumerator, Location: opts.Location, Plan: opts.Plan, LastSaved: opts.LastSaved, Files: opts.Files}, true)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	s := &simulator{e: e, rng: rng, opts: opts}
	if opts.Stats != nil {
		s.shown = map[string]bool{}
		defer func() { opts.Stats.record(e, s.shown, err) }()
	}
	s.fill(e.root)
	// A later answer can invalidate an earlier one (a constraint reading a
	// later field): answer what is still wrong, a few rounds at most.
	var issues []Issue
	for round := 0; ; round++ {
		if err = e.update(); err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		if issues = e.ValidateAll(); len(issues) == 0 || round == 4 {
			break
		}
		for _, is := range issues {
			if x, _, err := e.find(is.Ref); err == nil && x != nil {
				if x.readOnly || !shown(x.ni.node) || x.ni.node.Type == forms.TypeNote {
					s.unblock(x) // cannot be answered: make it irrelevant
					continue
				}
				s.answer(x, true)
			}
		}
		s.fill(e.root)
	}
	if len(issues) > 0 {
		return nil, fmt.Errorf("simulate: %w", &IncompleteError{Issues: issues})
	}
	clock = clock.Add(time.Duration(15+rng.IntN(30)) * time.Minute)
	if err = e.finalize(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	s.attachMedia()
	return iv, nil
}

type simulator struct {
	e     *Engine
	rng   *rand.Rand
	opts  SimOptions
	shown map[string]bool         // with Stats: the questions reached while relevant
	media map[string]*SampleMedia // with Media: attached sample files by answer
}

// fill answers x's subtree in document order, re-reading the structure
// after each answer since repeat counts and relevance follow the answers.
func (s *simulator) fill(x *elem) {
	s.e.freshen(x.ni.rank)
	if !x.relevant || x.dead {
		return
	}
	if x.slots == nil {
		if s.shown != nil && shownType(x.ni.node) {
			s.shown[x.ni.node.Path] = true
		}
		if shown(x.ni.node) && !x.readOnly && x.raw() == "" {
			s.answer(x, false)
		}
		return
	}
	for i, ni := range x.ni.kids {
		if ni.node.Type == forms.TypeRepeat {
			s.e.freshen(ni.rank)
			if ni.x.repeatCount == nil && len(x.slots[i]) == 0 && x.count[i] == -1 {
				x.count[i] = 0 // drawn once
				for n := s.rng.IntN(s.opts.MaxInstances + 1); n > 0; n-- {
					s.e.addInstance(x, ni)
				}
			}
		}
		for j := 0; j < len(x.slots[i]); j++ {
			s.fill(x.slots[i][j])
		}
	}
}

// answer gives x a valid answer if it can; force ignores Skip.
func (s *simulator) answer(x *elem, force bool) {
	n := x.ni.node
	if !force && !x.required && s.rng.Float64() < s.opts.Skip {
		return
	}
	if v, ok := s.opts.Answers[n.Name]; ok && s.try(x, v) {
		return
	}
	if s.opts.Answer != nil {
		if v, ok := s.opts.Answer(n, s.rng); ok && s.try(x, v) {
			return
		}
	}
	for i := 0; i < simTries/2; i++ {
		v, ok := s.fitted(x)
		if !ok {
			break // nothing to fit: the random candidates below
		}
		if s.try(x, v) {
			return
		}
	}
	for i := 0; i < simTries; i++ {
		if v, ok := s.candidate(x); ok && s.try(x, v) {
			return
		}
	}
	for _, v := range s.boundaries(x) {
		if s.try(x, v) {
			return
		}
	}
	s.set(x, "")
}

// try stores v and reports whether x is then valid.
func (s *simulator) try(x *elem, v string) bool {
	st := s.opts.Stats
	if !s.set(x, v) {
		if st != nil {
			st.q(x.ni.node.Path).Refused++
		}
		return false
	}
	ok := x.relevant && !x.invalid && x.errs == 0 && (x.raw() != "" || !x.required)
	if st != nil && v != "" && x.ni.node.Constraint != "" {
		q := st.q(x.ni.node.Path)
		q.Tried++
		if !x.invalid {
			q.Satisfied++
		} else {
			q.Refused++
		}
	}
	return ok
}

func (s *simulator) set(x *elem, v string) bool {
	e := s.e
	if !x.relevant || x.readOnly {
		return false
	}
	norm, err := e.normalize(x, v)
	if err != nil {
		return false
	}
	if norm != x.raw() {
		x.put(norm)
		e.markDirty(x, depAll)
		e.markDeps(x)
		if len(x.ni.triggers) > 0 {
			if e.update() != nil {
				return false
			}
			e.fire(x)
		}
		if e.freshen(x.ni.rank) != nil {
			return false
		}
	}
	return true
}

var words = []string{"Bamako", "Kayes", "marché", "atelier", "transport", "commerce", "famille", "travail", "route", "Gao", "champ", "école"}

// candidate draws a random answer of x's type.
func (s *simulator) candidate(x *elem) (string, bool) {
	n := x.ni.node
	r := s.rng
	today := s.e.opts.Now().In(s.e.loc)
	lo, hi := s.fieldBounds(x, x.ni.lo, x.ni.hi)
	if hi < lo {
		lo, hi = x.ni.lo, x.ni.hi
	}
	switch n.Type {
	case forms.TypeInteger:
		if math.Floor(hi) < math.Ceil(lo) {
			return formatNumber(math.Ceil(lo)), true
		}
		return strconv.Itoa(int(math.Ceil(lo)) + r.IntN(int(math.Floor(hi)-math.Ceil(lo))+1)), true
	case forms.TypeDecimal:
		return formatNumber(math.Round((lo+r.Float64()*(hi-lo))*100) / 100), true
	case forms.TypeRange:
		lo, hi, step := rangeParams(n)
		k := int((hi - lo) / step)
		return formatNumber(lo + float64(r.IntN(k+1))*step), true
	case forms.TypeDate:
		return today.AddDate(0, 0, -r.IntN(3650)).Format(layoutDate), true
	case forms.TypeDateTime:
		return today.Add(-time.Duration(r.IntN(3650*24*60)) * time.Minute).Format(layoutDateTime), true
	case forms.TypeTime:
		return fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(60)), true
	case forms.TypeGeopoint:
		return fmt.Sprintf("%.5f %.5f %d %d", 10.2+r.Float64()*14.8, -12.2+r.Float64()*16.4, 250+r.IntN(200), 3+r.IntN(20)), true
	case forms.TypeAcknowledge:
		return "OK", true
	case forms.TypeBarcode:
		return strconv.Itoa(100000 + r.IntN(900000)), true
	case forms.TypeImage, forms.TypeAudio, forms.TypeVideo, forms.TypeFile:
		return s.mediaAnswer(x)
	case forms.TypeGeotrace, forms.TypeGeoshape:
		return "", false
	}
	if isSelect(n) && !isMulti(n) && !s.e.externalWithoutList(n) {
		// Walk the list in random order and keep the first choice the
		// filter passes: uniform among the offered choices, one evaluation
		// per choice looked at instead of one per choice in the list.
		if list, id := s.e.listOf(n); list != nil && len(list.Choices) > 0 {
			k := len(list.Choices) + b2i(n.OrOther)
			if x.ni.x.choiceFilter == nil {
				i := r.IntN(k)
				if i == len(list.Choices) {
					return "other", true
				}
				return list.Choices[i].Name, true
			}
			for _, i := range r.Perm(k) {
				if i == len(list.Choices) {
					return "other", true
				}
				if s.e.passes(x, list, id, i) {
					return list.Choices[i].Name, true
				}
			}
			return "", false
		}
	}
	if isSelect(n) && !s.e.externalWithoutList(n) {
		cs := s.e.choices(x)
		if len(cs) == 0 {
			return "", false
		}
		if !isMulti(n) {
			return cs[r.IntN(len(cs))].Name, true
		}
		if n.Type == forms.TypeRank {
			perm := r.Perm(len(cs))
			out := make([]string, len(cs))
			for i, p := range perm {
				out[i] = cs[p].Name
			}
			return strings.Join(out, " "), true
		}
		k := 1 + r.IntN(min(3, len(cs)))
		perm := r.Perm(len(cs))[:k]
		out := make([]string, k)
		for i, p := range perm {
			out[i] = cs[p].Name
		}
		return strings.Join(out, " "), true
	}
	return words[r.IntN(len(words))] + " " + strconv.Itoa(1+r.IntN(99)), true
}

// boundaries lists fallback answers: the constraint's bounds, the dates of
// fields it references and today, every single choice.
func (s *simulator) boundaries(x *elem) []string {
	n := x.ni.node
	switch n.Type {
	case forms.TypeInteger, forms.TypeDecimal:
		lo, hi := x.ni.lo, x.ni.hi
		return []string{formatNumber(math.Ceil(lo)), formatNumber(math.Floor(hi)), "0", "1"}
	case forms.TypeDate:
		today := s.e.opts.Now().In(s.e.loc)
		out := []string{today.Format(layoutDate)}
		if c := x.ni.x.constraint; c != nil {
			for _, name := range c.Fields() {
				if ni := s.e.plan.byName[name]; ni != nil {
					for _, y := range s.e.resolve(x, ni, nil) {
						if t, err := time.ParseInLocation(layoutDate, toString(y.Value()), s.e.loc); err == nil {
							out = append(out, t.Format(layoutDate), t.AddDate(0, 0, 1).Format(layoutDate), t.AddDate(0, 0, -1).Format(layoutDate))
						}
					}
				}
			}
		}
		return out
	}
	if isSelect(n) {
		var out []string
		for _, c := range s.e.choices(x) {
			out = append(out, c.Name)
		}
		return out
	}
	return nil
}

var boundRE = regexp.MustCompile(`(?:^|[\s(])\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)`)

// bounds reads numeric bounds from constraints such as ". >= 15 and . <= 99";
// without them answers fall in 0..100.
func bounds(n *forms.Node) (lo, hi float64) {
	lo, hi = 0, 100
	haveHi := false
	// "${age} >= 15" on age itself is ". >= 15".
	c := strings.ReplaceAll(n.Constraint, "${"+n.Name+"}", ".")
	for _, m := range boundRE.FindAllStringSubmatch(c, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		switch m[1] {
		case ">=":
			lo = v
		case ">":
			lo = v + 1
			if n.Type == forms.TypeDecimal {
				lo = v + 0.01
			}
		case "<=":
			hi, haveHi = v, true
		case "<":
			hi, haveHi = v-1, true
			if n.Type == forms.TypeDecimal {
				hi = v - 0.01
			}
		}
	}
	if !haveHi || hi < lo {
		hi = math.Max(lo+100, hi)
		if !haveHi {
			hi = lo + 100
			if n.Type == forms.TypeDecimal {
				hi = lo + 100000 // amounts
			}
		}
	}
	return lo, hi
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rngReader feeds a uuid from the simulation's generator, so that a seed
// fixes the interview id too.
type rngReader struct{ r *rand.Rand }

func (r rngReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}
