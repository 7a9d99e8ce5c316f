package report

import (
	"fmt"
	"net/url"
	"strings"

	"sira/forms"
	"sira/survey"
)

// Cond is one condition of a Filter: the dimension Key has Value (Missing
// for an unanswered field; Base for any value inside percentage bases).
type Cond struct {
	Key, Value string
}

// Filter selects interviews: all its conditions hold. The empty filter
// selects every interview of the report's universe (consenting returnees).
type Filter []Cond

// String renders the filter as a URL query without "?", keys in the
// filter's order: "sex=female&age_group=25-34".
func (fl Filter) String() string {
	var b strings.Builder
	for i, c := range fl {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(c.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(c.Value))
	}
	return b.String()
}

// with returns fl extended by c, never sharing fl's backing array.
func (fl Filter) with(cs ...Cond) Filter {
	out := make(Filter, 0, len(fl)+len(cs))
	return append(append(out, fl...), cs...)
}

// ParseFilter parses the String form (a leading "?" is allowed). Keys are
// not checked here: Selector.Check does that against a form. Repeated keys
// are an error, since no interview can hold two values of one field.
func ParseFilter(q string) (Filter, error) {
	q = strings.TrimPrefix(q, "?")
	if q == "" {
		return nil, nil
	}
	var fl Filter
	seen := map[string]bool{}
	for _, part := range strings.Split(q, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("filter %q: %q has no '='", q, part)
		}
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("filter %q: key %q: %w", q, k, err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("filter %q: value %q: %w", q, v, err)
		}
		if key == "" {
			return nil, fmt.Errorf("filter %q: empty key", q)
		}
		if seen[key] {
			return nil, fmt.Errorf("filter %q: key %q repeated", q, key)
		}
		seen[key] = true
		fl = append(fl, Cond{Key: key, Value: val})
	}
	return fl, nil
}

// Selector evaluates the report's dimensions on interviews: it is what
// makes a cell's Filter select exactly the interviews the cell counts.
type Selector struct {
	form    *forms.Form
	dims    []*Dim
	byKey   map[string]int
	consent *forms.Node
	cvalue  string
	// eligible is the eligibility screen's dimension (-1 when the form has
	// none): only "yes" is in the universe.
	eligible int
	// guardian is the guardian's agreement for minors; "no" is outside.
	guardian *forms.Node
}

// NewSelector resolves m against f. It returns a *MissingFieldsError when
// fields are missing or unusable.
func NewSelector(f *forms.Form, m Mapping) (*Selector, error) {
	dims, consent, err := resolve(f, m)
	if err != nil {
		return nil, err
	}
	s := &Selector{form: f, dims: dims, byKey: map[string]int{}, consent: consent, cvalue: m.ConsentValue, eligible: -1}
	if m.Guardian != "" {
		if n := f.ByName(m.Guardian); n != nil && n.Repeat == nil {
			s.guardian = n
		}
	}
	for i, d := range dims {
		s.byKey[d.Key] = i
		if d.Key == "eligible" && d.Node != nil {
			s.eligible = i
		}
	}
	return s, nil
}

// Dims returns the dimensions, in a fixed order.
func (s *Selector) Dims() []*Dim { return s.dims }

// Dim returns the dimension with key k, or nil.
func (s *Selector) Dim(k string) *Dim {
	if i, ok := s.byKey[k]; ok {
		return s.dims[i]
	}
	return nil
}

// Check reports an error naming the first key of fl that is no dimension.
func (s *Selector) Check(fl Filter) error {
	for _, c := range fl {
		if _, ok := s.byKey[c.Key]; !ok {
			keys := make([]string, len(s.dims))
			for i, d := range s.dims {
				keys[i] = d.Key
			}
			return fmt.Errorf("filter key %q unknown; known: %s", c.Key, strings.Join(keys, ", "))
		}
	}
	return nil
}

// Values evaluates every dimension on iv (aligned with Dims) into vals,
// which it grows as needed and returns. ok is false when iv is outside the
// universe (no consent, or not eligible when the form screens), in which
// case no filter selects it.
func (s *Selector) Values(iv *survey.Interview, vals []string) (_ []string, ok bool) {
	vals = vals[:0]
	var v map[string]string
	if iv != nil && iv.Data != nil {
		v = iv.Data.Values
	}
	if s.consent != nil && v[s.consent.Path] != s.cvalue {
		return vals, false
	}
	if s.guardian != nil && v[s.guardian.Path] == "no" {
		return vals, false
	}
	for _, d := range s.dims {
		if d.Node == nil {
			vals = append(vals, Missing)
			continue
		}
		x := strings.TrimSpace(v[d.Node.Path])
		switch {
		case x == "":
			x = Missing
		case d.group != nil:
			x = d.ageGroup(x)
		case d.month:
			if len(x) >= 7 {
				x = x[:7]
			} else {
				x = Missing
			}
		}
		vals = append(vals, x)
	}
	for i, d := range s.dims {
		if d.derive != nil {
			vals[i] = d.derive(vals, s)
		}
	}
	// Only a screen that said no excludes: an interview of an earlier
	// version, which had no screen, stays counted (its version is listed).
	if s.eligible >= 0 && vals[s.eligible] == "no" {
		return vals, false
	}
	return vals, true
}

// Match reports whether iv is in the universe and satisfies fl. Unknown
// keys never match (call Check first to tell the user).
func (s *Selector) Match(fl Filter, iv *survey.Interview) bool {
	vals, ok := s.Values(iv, nil)
	return ok && s.matchVals(fl, vals)
}

func (s *Selector) matchVals(fl Filter, vals []string) bool {
	for _, c := range fl {
		i, ok := s.byKey[c.Key]
		if !ok {
			return false
		}
		if c.Value == Base {
			if OutOfBase(vals[i]) {
				return false
			}
		} else if vals[i] != c.Value {
			return false
		}
	}
	return true
}
