package survey

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"sira/forms"
	"sira/forms/xpath"
)

// This file holds the simulator's generic fitting of answers to what a
// form's constraints ask (regex(), string-length(), confirmation fields,
// bounds written with ${self} or another field), the placeholder files for
// forms whose files are missing, and the statistics of `sira form test`.

// PlaceholderFiles returns placeholder choice lists for the files f reads
// but that were missing beside it (Form.Missing): three choices each
// ("placeholder_1"… labelled "Placeholder 1"…), so that a designer can try
// the form's logic before the files exist. Pass them as SimOptions.Files
// (or EngineOptions.Files). Nil when nothing is missing.
func PlaceholderFiles(f *forms.Form) map[string]*forms.ChoiceList {
	if len(f.Missing) == 0 {
		return nil
	}
	// Columns a choice_filter compares with a field ("district =
	// ${district}") take every value that field can have: its list's
	// choice names, or the placeholders of another missing file. The
	// placeholders are the product of those values (at most 64), so
	// cascading selects still offer choices.
	missing := map[string]bool{}
	for _, name := range f.Missing {
		missing[name] = true
	}
	type col struct {
		name   string
		values []string
	}
	cols := map[string][]col{}
	for _, n := range f.Nodes() {
		if n.ChoiceFilter == "" || !missing[n.TypeArg] {
			continue
		}
		for _, m := range filterColumn.FindAllStringSubmatch(n.ChoiceFilter, -1) {
			c := col{name: m[1]}
			if q := f.ByName(m[2]); q != nil {
				if l := f.Lists[q.TypeArg]; l != nil {
					for _, ch := range l.Choices {
						c.values = append(c.values, ch.Name)
					}
				} else if l := f.Files[q.TypeArg]; l != nil {
					for _, ch := range l.Choices {
						c.values = append(c.values, ch.Name)
					}
				}
			}
			if len(c.values) == 0 {
				c.values = []string{"placeholder_1", "placeholder_2", "placeholder_3"}
			}
			if c.name != "name" && c.name != "label" {
				cols[n.TypeArg] = append(cols[n.TypeArg], c)
			}
		}
	}
	out := make(map[string]*forms.ChoiceList, len(f.Missing))
	for _, name := range f.Missing {
		rows := []map[string]string{nil}
		for _, c := range cols[name] {
			var next []map[string]string
			for _, r := range rows {
				for _, v := range c.values {
					if len(next) == 64 {
						break
					}
					m := map[string]string{c.name: v}
					for k, x := range r {
						m[k] = x
					}
					next = append(next, m)
				}
			}
			rows = next
		}
		if len(rows) < 3 && len(cols[name]) == 0 {
			rows = []map[string]string{nil, nil, nil}
		}
		l := &forms.ChoiceList{Name: name}
		for i, extra := range rows {
			l.Choices = append(l.Choices, &forms.Choice{
				Name:  "placeholder_" + strconv.Itoa(i+1),
				Label: forms.Text{"": "Placeholder " + strconv.Itoa(i+1)},
				Extra: extra,
			})
		}
		out[name] = l
	}
	return out
}

// filterColumn finds the item columns a choice filter compares with a
// field: "district = ${district}".
var filterColumn = regexp.MustCompile(`([A-Za-z_][\w.-]*)\s*=\s*\$\{([^}]+)\}`)

// unblock tries to make a blocking question (a required note shown when
// answers disagree, "${total} != ${sum}") go away: it copies one side of
// an inequality onto the other when that side is writable, else answers
// again the fields its relevance reads, a few times, until it is no longer
// relevant.
func (s *simulator) unblock(x *elem) {
	n := x.ni.node
	if n.Relevant == "" {
		return
	}
	refs := func() []*elem {
		var out []*elem
		for _, name := range xpathFields(n.Exprs.Relevant) {
			if ni := s.e.plan.byName[name]; ni != nil {
				for _, y := range s.e.resolve(x, ni, nil) {
					if el, ok := y.(*elem); ok && el.slots == nil && !el.readOnly && shown(el.ni.node) {
						out = append(out, el)
					}
				}
			}
		}
		return out
	}
	if m := notEqual.FindStringSubmatch(n.Relevant); m != nil {
		for _, pair := range [][2]string{{m[1], m[2]}, {m[2], m[1]}} {
			dst, src := s.e.plan.byName[pair[0]], s.e.plan.byName[pair[1]]
			if dst == nil || src == nil {
				continue
			}
			ys, vs := s.e.resolve(x, dst, nil), s.e.resolve(x, src, nil)
			if len(ys) == 1 && len(vs) == 1 {
				if el, ok := ys[0].(*elem); ok && !el.readOnly && el.slots == nil {
					s.set(el, xpath.ToString(vs[0].Value()))
					if s.e.freshen(x.ni.rank); !x.relevant {
						return
					}
				}
			}
		}
	}
	for round := 0; round < 8; round++ {
		for _, el := range refs() {
			s.answer(el, true)
		}
		if s.e.freshen(x.ni.rank); !x.relevant {
			return
		}
	}
}

// notEqual matches a relevance "${a} != ${b}".
var notEqual = regexp.MustCompile(`^\s*\$\{([^}]+)\}\s*!=\s*\$\{([^}]+)\}\s*$`)

func xpathFields(e *xpath.Expr) []string {
	if e == nil {
		return nil
	}
	return e.Fields()
}

// Blocking describes why a simulated interview could not be completed:
// the first question still wrong, with its row and the engine's reason,
// and how many others are.
func Blocking(inc *IncompleteError) string {
	if inc == nil || len(inc.Issues) == 0 {
		return "incomplete"
	}
	is := inc.Issues[0]
	s := fmt.Sprintf("blocked at %s (%s): %s", is.Ref, is.Code, is.Message)
	if len(inc.Issues) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(inc.Issues)-1)
	}
	return s
}

// SimStats counts, per question path, what happened in simulated
// interviews (`sira form test`). Not safe for concurrent use: give each
// goroutine its own and Merge them.
type SimStats struct {
	Interviews, Completed int
	Questions             map[string]*QuestionStats
	// Blocked counts the incomplete interviews by blocking reason.
	Blocked map[string]int
}

// QuestionStats is one question's counts over the simulated interviews.
type QuestionStats struct {
	Shown    int // interviews where it was relevant when reached
	Answered int // interviews where it ended with an answer
	Refused  int // answers the engine refused (constraint or type)
	// Tried and Satisfied count the candidate answers checked against the
	// question's constraint and those it accepted: Tried > 0 with
	// Satisfied == 0 is a constraint never satisfied.
	Tried, Satisfied int
}

func (st *SimStats) q(path string) *QuestionStats {
	if st.Questions == nil {
		st.Questions = map[string]*QuestionStats{}
	}
	q := st.Questions[path]
	if q == nil {
		q = &QuestionStats{}
		st.Questions[path] = q
	}
	return q
}

// Merge adds o's counts to st.
func (st *SimStats) Merge(o *SimStats) {
	st.Interviews += o.Interviews
	st.Completed += o.Completed
	for p, q := range o.Questions {
		d := st.q(p)
		d.Shown += q.Shown
		d.Answered += q.Answered
		d.Refused += q.Refused
		d.Tried += q.Tried
		d.Satisfied += q.Satisfied
	}
	for k, v := range o.Blocked {
		if st.Blocked == nil {
			st.Blocked = map[string]int{}
		}
		st.Blocked[k] += v
	}
}

// record counts one finished (or abandoned) interview of e.
func (st *SimStats) record(e *Engine, shown map[string]bool, err error) {
	st.Interviews++
	if err == nil {
		st.Completed++
	} else {
		if st.Blocked == nil {
			st.Blocked = map[string]int{}
		}
		msg := err.Error()
		var inc *IncompleteError
		if errors.As(err, &inc) && len(inc.Issues) > 0 {
			is := inc.Issues[0]
			msg = fmt.Sprintf("%s (%s): %s", is.Ref.Path, is.Code, is.Message)
		}
		st.Blocked[msg]++
	}
	for p := range shown {
		st.q(p).Shown++
	}
	answered := map[string]bool{}
	var walk func(r *Record)
	walk = func(r *Record) {
		for p, v := range r.Values {
			if v != "" {
				answered[p] = true
			}
		}
		for _, insts := range r.Repeats {
			for _, in := range insts {
				walk(in)
			}
		}
	}
	walk(e.iv.Data)
	for p := range answered {
		if n := e.form.Node(p); n != nil && shownType(n) {
			st.q(p).Answered++
		}
	}
}

// shownType reports whether n is a question an enumerator answers.
func shownType(n *forms.Node) bool {
	switch n.Type {
	case forms.TypeCalculate, forms.TypeHidden, forms.TypeGroup, forms.TypeRepeat, forms.TypeNote,
		forms.TypeStart, forms.TypeEnd, forms.TypeToday, forms.TypeDeviceID, forms.TypeUsername, forms.TypeAudit:
		return false
	}
	return true
}

// Never lists the questions whose constraint no candidate satisfied, by
// path, sorted.
func (st *SimStats) Never() []string {
	var out []string
	for p, q := range st.Questions {
		if q.Tried > 0 && q.Satisfied == 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// constraintRefs are the patterns of constraints the simulator fits.
var (
	regexCall  = regexp.MustCompile(`regex\(\s*(\.|\$\{[^}]+\})\s*,\s*(?:'([^']*)'|"([^"]*)")\s*\)`)
	strLenCmp  = regexp.MustCompile(`string-length\(\s*(\.|\$\{[^}]+\})\s*\)\s*(!=|>=|<=|=|>|<)\s*(\d+)`)
	equalsRef  = regexp.MustCompile(`^\s*(\.|\$\{[^}]+\})\s*=\s*\$\{([^}]+)\}\s*$|^\s*\$\{([^}]+)\}\s*=\s*(\.|\$\{[^}]+\})\s*$`)
	fieldBound = regexp.MustCompile(`(\.|\$\{[^}]+\})\s*(>=|>|<=|<)\s*\$\{([^}]+)\}`)
)

// self reports whether the reference s ("." or "${name}") is n itself.
func self(s string, n *forms.Node) bool {
	return s == "." || s == "${"+n.Name+"}"
}

// fitInfo is what a question's constraint asks that the simulator can
// fit, read once per plan.
type fitInfo struct {
	equals  string           // ". = ${other}": other's name
	regexes []*syntax.Regexp // regex(., 'p'), simplified
	matchRE []*regexp.Regexp
	lenLo   int // string-length(.) bounds, -1 when unbounded
	lenHi   int
	bounds  []fieldBoundRef // ". <= ${other}"
}

type fieldBoundRef struct{ op, name string }

// newFitInfo reads n's constraint; nil when there is nothing to fit.
func newFitInfo(n *forms.Node) *fitInfo {
	c := n.Constraint
	if c == "" {
		return nil
	}
	fi := &fitInfo{lenLo: -1, lenHi: -1}
	if m := equalsRef.FindStringSubmatch(c); m != nil {
		if m[1] != "" && self(m[1], n) {
			fi.equals = m[2]
		} else if m[1] == "" && self(m[4], n) {
			fi.equals = m[3]
		}
	}
	for _, m := range regexCall.FindAllStringSubmatch(c, -1) {
		if !self(m[1], n) {
			continue
		}
		pat := m[2] + m[3]
		re, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			continue
		}
		mre, err := regexp.Compile(pat)
		if err != nil {
			continue
		}
		fi.regexes = append(fi.regexes, re.Simplify())
		fi.matchRE = append(fi.matchRE, mre)
	}
	for _, m := range strLenCmp.FindAllStringSubmatch(c, -1) {
		if !self(m[1], n) {
			continue
		}
		k, _ := strconv.Atoi(m[3])
		switch m[2] {
		case "=":
			fi.lenLo, fi.lenHi = k, k
		case ">=":
			fi.lenLo = k
		case ">":
			fi.lenLo = k + 1
		case "<=":
			fi.lenHi = k
		case "<":
			fi.lenHi = k - 1
		}
	}
	for _, m := range fieldBound.FindAllStringSubmatch(c, -1) {
		if self(m[1], n) {
			fi.bounds = append(fi.bounds, fieldBoundRef{m[2], m[3]})
		}
	}
	if fi.equals == "" && len(fi.regexes) == 0 && fi.lenLo < 0 && fi.lenHi < 0 && len(fi.bounds) == 0 {
		return nil
	}
	return fi
}

// fitted returns an answer for x shaped by its constraint (a regex, a
// length, a copy of the field it confirms), or false when the constraint
// asks nothing the simulator knows how to fit.
func (s *simulator) fitted(x *elem) (string, bool) {
	fi := x.ni.fit
	if fi == nil {
		return "", false
	}
	n := x.ni.node
	if fi.equals != "" {
		if ni := s.e.plan.byName[fi.equals]; ni != nil {
			for _, y := range s.e.resolve(x, ni, nil) {
				if v := xpath.ToString(y.Value()); v != "" {
					return v, true
				}
			}
		}
		return "", false
	}
	if n.Type != forms.TypeText && n.Type != forms.TypeBarcode && n.Type != forms.TypeInteger && n.Type != forms.TypeDecimal {
		return "", false
	}
	for i, re := range fi.regexes {
		if v, ok := drawRegex(s.rng, re, fi.matchRE[i]); ok {
			return v, true
		}
	}
	lo, hi := fi.lenLo, fi.lenHi
	if lo < 0 && hi < 0 {
		return "", false
	}
	lo = max(lo, 1)
	if hi < lo {
		hi = lo + 8
	}
	k := lo + s.rng.IntN(min(hi, lo+64)-lo+1)
	var b strings.Builder
	for i := 0; i < k; i++ {
		d := s.rng.IntN(10)
		if i == 0 && d == 0 {
			d = 1 // no leading zero: the answer may be read as a number
		}
		b.WriteByte(byte('0' + d))
	}
	return b.String(), true
}

// fieldBounds narrows lo..hi by the constraint's bounds on other fields
// (". <= ${household_size}"), read in x's context.
func (s *simulator) fieldBounds(x *elem, lo, hi float64) (float64, float64) {
	if x.ni.fit == nil {
		return lo, hi
	}
	for _, b := range x.ni.fit.bounds {
		ni := s.e.plan.byName[b.name]
		if ni == nil {
			continue
		}
		ys := s.e.resolve(x, ni, nil)
		if len(ys) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(xpath.ToString(ys[0].Value()), 64)
		if err != nil || math.IsNaN(v) {
			continue
		}
		switch b.op {
		case ">=":
			lo = max(lo, v)
		case ">":
			lo = max(lo, v+1)
		case "<=":
			hi = min(hi, v)
		case "<":
			hi = min(hi, v-1)
		}
	}
	return lo, hi
}

// fromRegex draws a string that the pattern (ODK's regex(), Java syntax,
// mostly shared with Go's) matches, checked with Go's matcher.
func fromRegex(r *rand.Rand, pat string) (string, bool) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return "", false
	}
	m, err := regexp.Compile(pat)
	if err != nil {
		return "", false
	}
	return drawRegex(r, re.Simplify(), m)
}

// drawRegex draws from the parsed pattern re until m matches (8 tries).
func drawRegex(r *rand.Rand, re *syntax.Regexp, m *regexp.Regexp) (string, bool) {
	for try := 0; try < 8; try++ {
		var b strings.Builder
		genRegex(r, re, &b, 0)
		if v := b.String(); m.MatchString(v) {
			return v, true
		}
	}
	return "", false
}

func genRegex(r *rand.Rand, re *syntax.Regexp, b *strings.Builder, depth int) {
	if depth > 64 || b.Len() > 256 {
		return
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(classRune(r, re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(byte('a' + r.IntN(26)))
	case syntax.OpCapture:
		genRegex(r, re.Sub[0], b, depth+1)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 3
			}
		}
		hi = min(hi, lo+16)
		for k := lo + r.IntN(hi-lo+1); k > 0; k-- {
			genRegex(r, re.Sub[0], b, depth+1)
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			genRegex(r, sub, b, depth+1)
		}
	case syntax.OpAlternate:
		genRegex(r, re.Sub[r.IntN(len(re.Sub))], b, depth+1)
	}
}

// classRune picks a rune of a character class (pairs of bounds),
// preferring printable ASCII.
func classRune(r *rand.Rand, ranges []rune) rune {
	var ascii [][2]rune
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := max(ranges[i], 0x21), min(ranges[i+1], 0x7e)
		if lo <= hi {
			ascii = append(ascii, [2]rune{lo, hi})
		}
	}
	if len(ascii) > 0 {
		p := ascii[r.IntN(len(ascii))]
		return p[0] + rune(r.IntN(int(p[1]-p[0])+1))
	}
	if len(ranges) >= 2 {
		return ranges[0]
	}
	return 'a'
}
