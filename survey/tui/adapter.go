package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// BackendOptions configure NewBackend.
type BackendOptions struct {
	// Language is the language new sessions start in, a key of
	// Form.Languages ("English (en)"); "" is the form's default.
	Language string
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Location is the time zone of dates; time.Local if nil.
	Location *time.Location
}

// NewBackend adapts a store and the forms offered for new interviews to the
// app. The forms are stored in st (PutForm) so that sync finds them.
func NewBackend(ctx context.Context, st survey.Store, fs []*forms.Form, opts BackendOptions) (Backend, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	b := &backend{st: st, opts: opts, byHash: map[string]*loaded{}}
	for _, f := range fs {
		l, err := b.add(f)
		if err != nil {
			return nil, err
		}
		js, err := f.MarshalCanonical()
		if err != nil {
			return nil, fmt.Errorf("store form %s: %w", f.ID, err)
		}
		if err := st.PutForm(ctx, f.ID, f.Version, f.Hash, js); err != nil {
			return nil, fmt.Errorf("store form %s: %w", f.ID, err)
		}
		b.offered = append(b.offered, l)
	}
	return b, nil
}

// Name is the interview's instance_name, computed once per revision and
// change (names are cached by id, revision and update time).
func (b *backend) Name(ctx context.Context, s Summary) string {
	key := fmt.Sprintf("%s@%d@%d", s.ID, s.Revision, s.Updated.UnixNano())
	if n, ok := b.names[key]; ok {
		return n
	}
	name := ""
	if iv, err := b.st.Get(ctx, s.ID); err == nil {
		if l, err := b.form(ctx, iv.FormHash); err == nil && l.f.InstanceName != "" {
			if e, err := survey.NewEngine(l.f, iv, survey.EngineOptions{Plan: l.plan, Now: b.opts.Now, Location: b.opts.Location}); err == nil {
				name = e.InstanceName()
			}
		}
	}
	if b.names == nil {
		b.names = map[string]string{}
	}
	b.names[key] = name
	return name
}

type backend struct {
	names   map[string]string // Name's cache
	st      survey.Store
	opts    BackendOptions
	offered []*loaded
	byHash  map[string]*loaded
	device  string
}

// loaded is a form with its engine plan, shared by every session on it.
type loaded struct {
	f    *forms.Form
	plan *survey.Plan
	// numbers gives each question shown to the enumerator its place in
	// the form (1-based, document order): a number that the skip logic
	// never changes.
	numbers map[string]int
}

// questionNumbers numbers the form's shown questions in document order.
func questionNumbers(f *forms.Form) map[string]int {
	out := map[string]int{}
	var walk func(n *forms.Node)
	walk = func(n *forms.Node) {
		for _, c := range n.Children {
			switch {
			case c.Type == forms.TypeGroup || c.Type == forms.TypeRepeat:
				walk(c)
			case shownType(c.Type) && c.Type != forms.TypeAudit && c.Name != "instanceID" && c.Name != "instanceName":
				out[c.Path] = len(out) + 1
			}
		}
	}
	if f.Root != nil {
		walk(f.Root)
	}
	return out
}

func (b *backend) add(f *forms.Form) (*loaded, error) {
	if l := b.byHash[f.Hash]; l != nil {
		return l, nil
	}
	p, err := survey.NewPlan(f)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", f.ID, err)
	}
	l := &loaded{f: f, plan: p, numbers: questionNumbers(f)}
	b.byHash[f.Hash] = l
	return l, nil
}

// form returns the form an interview was started on, from memory or from
// the store.
func (b *backend) form(ctx context.Context, hash string) (*loaded, error) {
	if l := b.byHash[hash]; l != nil {
		return l, nil
	}
	js, err := b.st.GetForm(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", hash, err)
	}
	f, err := forms.Load(js)
	if err != nil {
		return nil, err
	}
	return b.add(f)
}

// seenKey marks an enumerator who has signed in on this laptop before, so
// that the first sign-in (which sets the PIN) can be told apart.
func seenKey(enumerator string) string { return "tui.signed-in." + enumerator }

func (b *backend) SignIn(ctx context.Context, enumerator, pin string) (bool, error) {
	_, err := b.st.Setting(ctx, seenKey(enumerator))
	first := errors.Is(err, survey.ErrNotFound)
	if err != nil && !first {
		return false, err
	}
	ok, err := b.st.CheckPIN(ctx, enumerator, pin)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, ErrBadPIN
	}
	if first {
		if err := b.st.SetSetting(ctx, seenKey(enumerator), b.opts.Now().UTC().Format(time.RFC3339)); err != nil {
			return false, err
		}
	}
	return first, nil
}

func (b *backend) Setting(ctx context.Context, key string) (string, error) {
	v, err := b.st.Setting(ctx, "tui."+key)
	if errors.Is(err, survey.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (b *backend) SetSetting(ctx context.Context, key, value string) error {
	return b.st.SetSetting(ctx, "tui."+key, value)
}

// Office reads the fingerprint from the laptop's enrolment (the setting
// "enrolment", written by the sync client: survey/SECURITY.md).
func (b *backend) Office(ctx context.Context) (string, error) {
	v, err := b.st.Setting(ctx, "enrolment")
	if errors.Is(err, survey.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var e struct {
		Fingerprint string `json:"fingerprint"`
	}
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return "", fmt.Errorf("enrolment setting: %w", err)
	}
	return e.Fingerprint, nil
}

func (b *backend) Delete(ctx context.Context, id, enumerator string) error {
	now := b.opts.Now()
	if err := b.st.AppendEvents(ctx, id, []survey.Event{{At: now, Kind: "delete", Note: enumerator}}); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	if err := b.st.SetSetting(ctx, "tui.deleted."+id, now.UTC().Format(time.RFC3339)+" "+enumerator); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	if err := b.st.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

func (b *backend) DeviceID(ctx context.Context) (string, error) {
	if b.device != "" {
		return b.device, nil
	}
	id, err := b.st.DeviceID(ctx)
	if err != nil {
		return "", fmt.Errorf("device id: %w", err)
	}
	b.device = id
	return id, nil
}

func (b *backend) Forms() []FormInfo {
	out := make([]FormInfo, len(b.offered))
	for i, l := range b.offered {
		out[i] = FormInfo{ID: l.f.ID, Version: l.f.Version, Title: pick(l.f.Title, b.opts.Language, l.f)}
	}
	return out
}

func (b *backend) Counts(ctx context.Context) (map[survey.Status]int, error) {
	byForm, err := b.st.Counts(ctx)
	if err != nil {
		return nil, fmt.Errorf("count interviews: %w", err)
	}
	out := map[survey.Status]int{}
	for _, m := range byForm {
		for st, n := range m {
			out[st] += n
		}
	}
	return out, nil
}

func (b *backend) List(ctx context.Context, statuses ...survey.Status) ([]Summary, error) {
	var out []Summary
	for _, st := range statuses {
		ss, err := b.st.List(ctx, survey.Filter{Status: st})
		if err != nil {
			return nil, fmt.Errorf("list %s interviews: %w", st, err)
		}
		for _, s := range ss {
			out = append(out, Summary{ID: s.ID, FormID: s.FormID, Status: s.Status, Enumerator: s.Enumerator,
				Revision: s.Revision, Comment: s.Comment, Updated: s.Updated, Started: s.Started})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	return out, nil
}

func (b *backend) New(ctx context.Context, formID, enumerator string) (Session, error) {
	var l *loaded
	for _, o := range b.offered {
		if o.f.ID == formID {
			l = o
		}
	}
	if l == nil {
		return nil, fmt.Errorf("form %q: %w", formID, survey.ErrNotFound)
	}
	device, err := b.DeviceID(ctx)
	if err != nil {
		return nil, err
	}
	last, err := survey.LastSaved(ctx, b.st, l.f, "")
	if err != nil {
		return nil, err
	}
	iv, err := survey.NewInterviewAfter(l.f, last, enumerator, device, b.opts.Now())
	if err != nil {
		return nil, err
	}
	if err := b.st.Create(ctx, iv); err != nil {
		return nil, fmt.Errorf("create interview: %w", err)
	}
	return b.session(ctx, l, iv)
}

func (b *backend) Open(ctx context.Context, id string) (Session, error) {
	iv, err := b.st.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	l, err := b.form(ctx, iv.FormHash)
	if err != nil {
		return nil, err
	}
	return b.session(ctx, l, iv)
}

func (b *backend) Reopen(ctx context.Context, id string) (Session, error) {
	if err := b.st.Reopen(ctx, id); err != nil {
		return nil, err
	}
	return b.Open(ctx, id)
}

func (b *backend) session(ctx context.Context, l *loaded, iv *survey.Interview) (*session, error) {
	s := &session{b: b, l: l, iv: iv, base: iv.Data.Clone(), events: len(iv.Paradata)}
	if iv.Comment != "" {
		qs, err := survey.RejectionQuestions(ctx, b.st, iv.ID)
		if err != nil {
			return nil, err
		}
		s.questions = map[string]string{}
		for _, q := range qs {
			s.questions[q.Field] = q.Comment
		}
	}
	// The interview resumes in the language it was left in (F2 records
	// each switch in the paradata).
	lang := b.opts.Language
	for _, ev := range iv.Paradata {
		switch ev.Kind {
		case "enter":
			s.pos = ev.Field
		case "language":
			lang = ev.Note
		}
	}
	device, _ := b.DeviceID(ctx)
	last, err := survey.LastSaved(ctx, b.st, l.f, iv.ID)
	if err != nil {
		return nil, err
	}
	e, err := survey.NewEngine(l.f, iv, survey.EngineOptions{Language: lang, Now: b.opts.Now,
		DeviceID: device, Username: iv.Enumerator, Location: b.opts.Location, Plan: l.plan, LastSaved: last})
	if err != nil {
		return nil, err
	}
	s.e = e
	if iv.Editable() {
		iv.Paradata = append(iv.Paradata, survey.Event{At: b.opts.Now(), Kind: "resume", Field: s.pos})
		// Opening may fill metadata and calculations; store them now.
		if err := s.persist(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// session binds an engine to the store: every change is persisted before
// the call that made it returns.
type session struct {
	b  *backend
	l  *loaded
	iv *survey.Interview
	e  *survey.Engine
	// base is the record as the store holds it; persist writes the
	// difference between it and the engine's record.
	base   *survey.Record
	events int // iv.Paradata[:events] are stored
	pos    string
	left   bool // a "leave" of pos is recorded and no "enter" since
	// questions are the supervisor's per-question comments of the
	// rejection, by question path (survey.QuestionComment.Field).
	questions map[string]string
}

func (s *session) ID() string      { return s.iv.ID }
func (s *session) Comment() string { return s.iv.Comment }

func (s *session) QuestionComment(ref string) string {
	if len(s.questions) == 0 {
		return ""
	}
	r, err := s.ref(ref)
	if err != nil {
		return ""
	}
	return s.questions[r.Path]
}

func (s *session) Editable() bool { return s.iv.Editable() }
func (s *session) Title() string  { return pick(s.l.f.Title, s.e.Language(), s.l.f) }

func (s *session) ref(str string) (survey.Ref, error) { return s.e.ParseRef(str) }

// persist writes what changed since the last persist: repeat counts
// (outer repeats first), answers, and paradata, each call durable.
func (s *session) persist(ctx context.Context) error {
	st, id := s.b.st, s.iv.ID
	_, newCounts := flatten(s.iv.Data)
	_, oldCounts := flatten(s.base)
	// A repeat whose instances all went (its count lowered to 0 or
	// cleared) is absent from the new record: it is written as 0, or its
	// old instances would stay in the store, unseen but synced.
	for k, oc := range oldCounts {
		if _, ok := newCounts[k]; !ok && oc.n > 0 && s.parentExists(oc.ref, newCounts) {
			newCounts[k] = flatCount{oc.ref, 0}
		}
	}
	keys := make([]string, 0, len(newCounts))
	for k := range newCounts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := newCounts[keys[i]], newCounts[keys[j]]
		if len(a.ref.Repeats) != len(b.ref.Repeats) {
			return len(a.ref.Repeats) < len(b.ref.Repeats)
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		nc, oc := newCounts[k], oldCounts[k]
		if nc.n == oc.n {
			continue
		}
		if err := st.SetRepeatCount(ctx, id, nc.ref, nc.n); err != nil {
			return fmt.Errorf("save %s: %w", nc.ref, err)
		}
		for s.base.Count(nc.ref.Repeats, nc.ref.Path) < nc.n {
			if _, _, err := s.base.AddInstance(nc.ref.Repeats, nc.ref.Path); err != nil {
				return err
			}
		}
		for c := s.base.Count(nc.ref.Repeats, nc.ref.Path); c > nc.n; c-- {
			if err := s.base.RemoveInstance(nc.ref.Repeats, nc.ref.Path, c); err != nil {
				return err
			}
		}
	}
	newVals, _ := flatten(s.iv.Data)
	oldVals, _ := flatten(s.base)
	var changes []survey.Change
	for k, v := range newVals {
		if o, ok := oldVals[k]; !ok || o.v != v.v {
			changes = append(changes, survey.Change{Ref: v.ref, Value: v.v})
		}
	}
	for k, o := range oldVals {
		if _, ok := newVals[k]; !ok && o.v != "" {
			changes = append(changes, survey.Change{Ref: o.ref, Value: ""})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Ref.String() < changes[j].Ref.String() })
	evs := s.iv.Paradata[s.events:]
	var err error
	switch {
	case len(changes) > 0:
		err = st.SaveAnswers(ctx, id, changes, evs...)
	case len(evs) > 0:
		err = st.AppendEvents(ctx, id, evs)
	}
	if err != nil {
		return fmt.Errorf("save interview %s: %w", id, err)
	}
	s.base = s.iv.Data.Clone()
	s.events = len(s.iv.Paradata)
	return nil
}

// parentExists reports whether the instance holding the repeat ref (none
// for a top-level repeat) is still in counts: a repeat inside a removed
// instance went with it.
func (s *session) parentExists(ref survey.Ref, counts map[string]flatCount) bool {
	if len(ref.Repeats) == 0 {
		return true
	}
	last := ref.Repeats[len(ref.Repeats)-1]
	c, ok := counts[survey.Ref{Path: last.Path, Repeats: ref.Repeats[:len(ref.Repeats)-1]}.String()]
	return ok && c.n >= last.Index
}

type flatValue struct {
	ref survey.Ref
	v   string
}

type flatCount struct {
	ref survey.Ref
	n   int
}

// flatten lists a record's values and repeat counts by ref string.
func flatten(r *survey.Record) (map[string]flatValue, map[string]flatCount) {
	vals, counts := map[string]flatValue{}, map[string]flatCount{}
	var walk func(r *survey.Record, steps []survey.Step)
	walk = func(r *survey.Record, steps []survey.Step) {
		for p, v := range r.Values {
			ref := survey.Ref{Path: p, Repeats: steps}
			vals[ref.String()] = flatValue{ref, v}
		}
		for p, insts := range r.Repeats {
			ref := survey.Ref{Path: p, Repeats: steps}
			counts[ref.String()] = flatCount{ref, len(insts)}
			for i, inst := range insts {
				next := append(append([]survey.Step(nil), steps...), survey.Step{Path: p, Index: i + 1})
				walk(inst, next)
			}
		}
	}
	if r != nil {
		walk(r, nil)
	}
	return vals, counts
}

func (s *session) Set(ctx context.Context, ref, value string) error {
	return s.set(ctx, ref, value, false)
}

func (s *session) SetDropping(ctx context.Context, ref, value string) error {
	return s.set(ctx, ref, value, true)
}

// set records an answer; unless drop is set, a change that would remove
// repeat instances holding answers (a repeat count lowered or cleared) is
// undone and refused with a *DropError.
func (s *session) set(ctx context.Context, ref, value string, drop bool) error {
	r, err := s.ref(ref)
	if err != nil {
		return err
	}
	var (
		before  *survey.Record
		events  = len(s.iv.Paradata)
		updated = s.iv.Updated
	)
	if !drop {
		before = s.iv.Data.Clone()
	}
	if err := s.e.Set(r, value); err != nil {
		return err
	}
	if !drop {
		if lost := s.lost(before); len(lost) > 0 {
			s.iv.Data, s.iv.Paradata, s.iv.Updated = before, s.iv.Paradata[:events], updated
			if err := s.reopen(); err != nil {
				return err
			}
			return &DropError{Instances: lost}
		}
	}
	return s.persist(ctx)
}

// reopen builds the engine again on the interview as it now is.
func (s *session) reopen() error {
	e, err := survey.NewEngine(s.l.f, s.iv, survey.EngineOptions{Language: s.e.Language(), Now: s.b.opts.Now,
		DeviceID: s.b.device, Username: s.iv.Enumerator, Location: s.b.opts.Location, Plan: s.l.plan})
	if err != nil {
		return err
	}
	s.e = e
	return nil
}

// lost names the repeat instances of before, holding at least one answer
// the enumerator gave, that the engine's record no longer has: "Journey
// leg 3".
func (s *session) lost(before *survey.Record) []string {
	oldVals, _ := flatten(before)
	_, newCounts := flatten(s.iv.Data)
	seen := map[string]bool{}
	var out []string
	for _, v := range oldVals {
		if v.v == "" || len(v.ref.Repeats) == 0 {
			continue
		}
		if n := s.l.f.Node(v.ref.Path); n == nil || !shownType(n.Type) {
			continue
		}
		for i, st := range v.ref.Repeats {
			c := newCounts[survey.Ref{Path: st.Path, Repeats: v.ref.Repeats[:i]}.String()]
			if c.n >= st.Index {
				continue
			}
			inst := survey.Ref{Path: st.Path, Repeats: v.ref.Repeats[:i+1]}.String()
			if !seen[inst] {
				seen[inst] = true
				label := st.Path
				if rn := s.l.f.Node(st.Path); rn != nil {
					if label = pick(rn.Label, s.e.Language(), s.l.f); label == "" {
						label = rn.Name
					}
				}
				out = append(out, fmt.Sprintf("%s %d", label, st.Index))
			}
			break
		}
	}
	sort.Strings(out)
	return out
}

// shownType reports whether answers of type t are typed or chosen by the
// enumerator (not calculated, not metadata).
func shownType(t forms.Type) bool {
	switch t {
	case forms.TypeCalculate, forms.TypeHidden, forms.TypeNote, forms.TypeStart, forms.TypeEnd, forms.TypeToday,
		forms.TypeDeviceID, forms.TypeUsername:
		return false
	}
	return true
}

func (s *session) Value(ref string) string {
	r, err := s.ref(ref)
	if err != nil {
		return ""
	}
	return s.e.Value(r)
}

func (s *session) Attach(ctx context.Context, ref, path string) (string, error) {
	r, err := s.ref(ref)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("attach: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		return "", fmt.Errorf("attach %s: not a file", path)
	}
	if err := checkAttachment(s.e.Form().Node(r.Path), f); err != nil {
		return "", err
	}
	// A time prefix keeps files of the same name apart, as ODK Collect's
	// millisecond names do.
	name := fmt.Sprintf("%d-%s", s.b.opts.Now().UnixMilli(), strings.ReplaceAll(filepath.Base(path), " ", "_"))
	_, err = s.b.st.PutAttachment(ctx, s.iv.ID, survey.Attachment{Field: r.Path, Name: name,
		Type: mime.TypeByExtension(filepath.Ext(path))}, f)
	if errors.Is(err, survey.ErrTooLarge) {
		return "", fmt.Errorf("the file is too large to attach")
	}
	if err != nil {
		return "", err
	}
	if err := s.e.Set(r, name); err != nil {
		return "", err
	}
	return name, s.persist(ctx)
}

func (s *session) Check(ref string) string {
	r, err := s.ref(ref)
	if err != nil {
		return err.Error()
	}
	if is := s.e.Validate(r); is != nil {
		return is.Message
	}
	return ""
}

func (s *session) Missing() []string {
	var out []string
	for _, is := range s.e.ValidateAll() {
		out = append(out, is.Ref.String())
	}
	return out
}

// Progress counts a required answer as given only when it is valid: a
// value a constraint refused is not an answer.
func (s *session) Progress() (answered, required int) {
	for _, p := range s.Pages() {
		for _, f := range p.Fields {
			if f.Required {
				required++
				if f.Value != "" && s.Check(f.Ref) == "" {
					answered++
				}
			}
		}
	}
	return answered, required
}

func (s *session) Languages() []string { return s.l.f.Languages }
func (s *session) Language() string    { return s.e.Language() }

func (s *session) SetLanguage(ctx context.Context, lang string) error {
	if err := s.e.SetLanguage(lang); err != nil {
		return err
	}
	if !s.iv.Editable() {
		return nil
	}
	return s.persist(ctx)
}

func (s *session) AddRepeat(ctx context.Context, of string) (string, error) {
	r, err := s.ref(of)
	if err != nil {
		return "", err
	}
	nr, err := s.e.AddRepeat(r)
	if err != nil {
		return "", err
	}
	return nr.String(), s.persist(ctx)
}

func (s *session) RemoveRepeat(ctx context.Context, instance string) error {
	r, err := s.ref(instance)
	if err != nil {
		return err
	}
	if err := s.e.RemoveRepeat(r); err != nil {
		return err
	}
	if err := s.b.st.RemoveRepeatInstance(ctx, s.iv.ID, r); err != nil {
		return err
	}
	last := r.Repeats[len(r.Repeats)-1]
	if err := s.base.RemoveInstance(r.Repeats[:len(r.Repeats)-1], r.Path, last.Index); err != nil {
		return err
	}
	return s.persist(ctx)
}

func (s *session) Position() string { return s.pos }

func (s *session) SetPosition(ctx context.Context, pageID string) error {
	if pageID == s.pos && !s.left {
		return nil
	}
	now := s.b.opts.Now()
	if s.pos != "" && !s.left {
		s.iv.Paradata = append(s.iv.Paradata, survey.Event{At: now, Kind: "leave", Field: s.pos})
	}
	s.pos, s.left = pageID, false
	s.iv.Paradata = append(s.iv.Paradata, survey.Event{At: now, Kind: "enter", Field: pageID})
	return s.persist(ctx)
}

func (s *session) Focus(ref string) {
	if s.iv.Editable() {
		s.iv.Paradata = append(s.iv.Paradata, survey.Event{At: s.b.opts.Now(), Kind: "focus", Field: ref})
	}
}

func (s *session) Leave(ctx context.Context) error {
	if s.pos == "" || s.left || !s.iv.Editable() {
		return nil
	}
	s.left = true
	s.iv.Paradata = append(s.iv.Paradata, survey.Event{At: s.b.opts.Now(), Kind: "leave", Field: s.pos})
	return s.persist(ctx)
}

func (s *session) Note(ref string) string {
	note := ""
	for _, ev := range s.iv.Paradata {
		if ev.Kind == "note" && ev.Field == ref {
			note = ev.Note
		}
	}
	return note
}

func (s *session) SetNote(ctx context.Context, ref, text string) error {
	if !s.iv.Editable() {
		return fmt.Errorf("note on %s: %w", ref, survey.ErrFinalized)
	}
	if len(text) > 2000 {
		return fmt.Errorf("note on %s: at most 2000 characters", ref)
	}
	s.iv.Paradata = append(s.iv.Paradata, survey.Event{At: s.b.opts.Now(), Kind: "note", Field: ref, Note: text})
	return s.persist(ctx)
}

func (s *session) Finalize(ctx context.Context) error {
	if err := s.e.Finalize(); err != nil {
		return err
	}
	// Finalize cleared the answers of questions no longer asked and set
	// the end time: store them, then lock.
	if err := s.persist(ctx); err != nil {
		return err
	}
	at := s.iv.Ended
	if at.IsZero() {
		at = s.b.opts.Now()
	}
	return s.b.st.Finalize(ctx, s.iv.ID, at)
}

// Pages turns the engine's items into screens: a page per question or
// field-list group, with the enclosing group labels as the title, and after
// the instances of a repeat not driven by repeat_count a prompt to add one.
func (s *session) Pages() []Page {
	var (
		pages []Page
		stack []frame
	)
	closeTo := func(depth int) {
		for len(stack) > 0 && stack[len(stack)-1].depth >= depth {
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if o.isRep && !o.slot.Fixed && s.iv.Editable() {
				pages = append(pages, Page{ID: o.slot.Of + "#add", Title: titleOf(stack), Repeat: o.slot})
			}
		}
	}
	instSlot := func() *RepeatSlot {
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i].slot != nil && !stack[i].isRep {
				return stack[i].slot
			}
		}
		return nil
	}
	for _, it := range s.e.Items() {
		closeTo(it.Depth)
		switch it.Kind {
		case survey.ItemGroup:
			stack = append(stack, frame{depth: it.Depth, title: s.e.Label(it.Ref)})
		case survey.ItemRepeat:
			label := pick(it.Node.Label, s.e.Language(), s.l.f)
			if label == "" {
				label = it.Node.Name
			}
			stack = append(stack, frame{depth: it.Depth, title: label, isRep: true,
				slot: &RepeatSlot{Of: it.Ref.String(), Label: label, Count: it.Count, Fixed: it.Node.RepeatCount != ""}})
		case survey.ItemInstance:
			var rep *RepeatSlot
			if n := len(stack); n > 0 && stack[n-1].isRep {
				rep = stack[n-1].slot
			}
			slot := &RepeatSlot{Instance: it.Ref.String(), Index: it.Index}
			if rep != nil {
				slot.Of, slot.Label, slot.Count, slot.Fixed = rep.Of, rep.Label, rep.Count, rep.Fixed
			}
			stack = append(stack, frame{depth: it.Depth, title: fmt.Sprintf("%d/%d", it.Index, slot.Count), slot: slot})
		case survey.ItemQuestion:
			pages = append(pages, Page{ID: it.Ref.String(), Title: titleOf(stack), Fields: []Field{s.field(it.Ref, it.Node)},
				Repeat: instSlot(), Number: s.l.numbers[it.Node.Path]})
		case survey.ItemFieldList:
			p := Page{ID: it.Ref.String(), Title: titleOf(stack), Repeat: instSlot()}
			if l := s.e.Label(it.Ref); l != "" {
				p.Title = strings.TrimPrefix(p.Title+" › "+l, " › ")
			}
			for _, fr := range it.Fields {
				if n := s.l.f.Node(fr.Path); n != nil {
					p.Fields = append(p.Fields, s.field(fr, n))
					if p.Number == 0 {
						p.Number = s.l.numbers[fr.Path]
					}
				}
			}
			pages = append(pages, p)
		}
	}
	closeTo(0)
	return pages
}

// frame is an open group, repeat or repeat instance while Pages walks the
// items.
type frame struct {
	depth int
	title string
	slot  *RepeatSlot // an instance's slot, or the repeat's (for its add prompt)
	isRep bool        // a repeat heading: its add prompt follows its instances
}

// titleOf joins the open frames' titles: "Migration › Legs › 2/3".
func titleOf(stack []frame) string {
	var parts []string
	for _, f := range stack {
		if f.title != "" {
			parts = append(parts, f.title)
		}
	}
	return strings.Join(parts, " › ")
}

func (s *session) field(r survey.Ref, n *forms.Node) Field {
	f := Field{Ref: r.String(), Type: n.Type, Appearance: n.Appearance, Label: s.e.Label(r), Hint: s.e.Hint(r),
		Value: s.e.Value(r), Required: s.e.Required(r), ReadOnly: s.e.ReadOnly(r)}
	if f.Label == "" {
		f.Label = n.Name
	}
	for _, c := range s.e.Choices(r) {
		label := pick(c.Label, s.e.Language(), s.l.f)
		if label == "" {
			label = c.Name
		}
		f.Choices = append(f.Choices, Choice{Name: c.Name, Label: label})
	}
	return f
}

// pick chooses a text in lang, then the form's default language, then the
// untranslated column, then any language.
func pick(t forms.Text, lang string, f *forms.Form) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t[f.DefaultLanguage]; s != "" {
		return s
	}
	if s := t[""]; s != "" {
		return s
	}
	for _, l := range f.Languages {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// checkAttachment refuses a file of the wrong kind for the media question
// (survey.CheckAttachment on its first bytes, then its extension) with a
// WrongFileError, then rewinds it.
func checkAttachment(n *forms.Node, f *os.File) error {
	head := make([]byte, 512)
	k, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("attach: %w", err)
	}
	if n != nil {
		if err := survey.CheckAttachment(n, f.Name(), head[:k]); err != nil {
			return &WrongFileError{Want: n.Type, Err: err}
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

// WrongFileError refuses a file whose kind is not the one the question
// asks for (a document for an image question).
type WrongFileError struct {
	Want forms.Type
	Err  error // survey.CheckAttachment's words
}

func (e *WrongFileError) Error() string { return e.Err.Error() }

func (e *WrongFileError) Unwrap() error { return e.Err }
