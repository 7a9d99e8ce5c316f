package office

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DupRule is the rule for probable duplicate respondents (see the package
// doc): the same values on Exact fields, Numeric within ±Tolerance, the
// same post if SamePost, started at most Days apart.
type DupRule struct {
	Exact     []string
	Numeric   string
	Tolerance float64
	SamePost  bool
	Days      int
}

// DefaultDupRule fits the built-in returnee form, which records no names.
var DefaultDupRule = DupRule{Exact: []string{"sex", "origin_region", "origin_locality"}, Numeric: "age", Tolerance: 1, SamePost: true, Days: 7}

// Describe states the rule in words for the duplicates page (lang "fr" or
// "en").
func (r DupRule) Describe(lang string) string {
	var parts []string
	if lang == "en" {
		if len(r.Exact) > 0 {
			parts = append(parts, "the same "+strings.Join(r.Exact, ", "))
		}
		if r.Numeric != "" {
			parts = append(parts, fmt.Sprintf("%s within ±%g", r.Numeric, r.Tolerance))
		}
		if r.SamePost {
			parts = append(parts, "the same post")
		}
		return fmt.Sprintf("Two interviews of one form with %s, started at most %d days apart, whenever they arrived: every interview is checked against all others.",
			strings.Join(parts, ", "), r.Days)
	}
	if len(r.Exact) > 0 {
		parts = append(parts, "mêmes "+strings.Join(r.Exact, ", "))
	}
	if r.Numeric != "" {
		parts = append(parts, fmt.Sprintf("%s à ±%g près", r.Numeric, r.Tolerance))
	}
	if r.SamePost {
		parts = append(parts, "même poste")
	}
	return fmt.Sprintf("Deux entretiens d'un même formulaire avec %s, commencés à %d jours d'écart au plus, quelle que soit leur date d'arrivée : chaque entretien est comparé à tous les autres.",
		strings.Join(parts, ", "), r.Days)
}

// DupKey is an interview's indexed duplicate key: Exact joins the exact
// fields' normalised values (and the post), Num is the numeric field.
type DupKey struct {
	Form  string
	ID    string
	Exact string
	Num   float64
	HasN  bool
	Day   time.Time // the day it started (UTC)
}

// KeyOf computes the key of an interview from its answers (value returns
// a field's stored value by name). ok is false when a field of the rule is
// unanswered: interviews stopped at consent never pair on empty values.
func (r DupRule) KeyOf(form, id, post string, started time.Time, value func(name string) string) (k DupKey, ok bool) {
	k = DupKey{Form: form, ID: id, Day: started.UTC().Truncate(24 * time.Hour)}
	if len(r.Exact) == 0 && r.Numeric == "" {
		return k, false
	}
	parts := make([]string, 0, len(r.Exact)+1)
	for _, f := range r.Exact {
		v := strings.ToLower(strings.Join(strings.Fields(value(f)), " "))
		if v == "" {
			return k, false
		}
		parts = append(parts, v)
	}
	if r.SamePost {
		parts = append(parts, post)
	}
	if r.Numeric != "" {
		x, err := strconv.ParseFloat(strings.TrimSpace(value(r.Numeric)), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return k, false
		}
		k.Num, k.HasN = x, true
	}
	k.Exact = strings.Join(parts, "\x1f")
	if k.Exact == "" {
		k.Exact = "\x1f"
	}
	return k, true
}

// Matches reports whether a and b (keys of one form and one exact key) are
// a probable duplicate under r.
func (r DupRule) Matches(a, b DupKey) bool {
	if a.ID == b.ID || a.Form != b.Form || a.Exact != b.Exact || a.HasN != b.HasN {
		return false
	}
	if a.HasN && math.Abs(a.Num-b.Num) > r.Tolerance {
		return false
	}
	d := a.Day.Sub(b.Day)
	return d.Abs() <= time.Duration(r.Days)*24*time.Hour
}

// Pair is a probable duplicate (A < B by id) and the decision on it.
type Pair struct {
	Form  string
	A, B  string
	State string // "open", "confirmed" (a duplicate), "dismissed" (two people)
	Found time.Time
	By    string
	At    time.Time
}

// Pair states.
const (
	PairOpen      = "open"
	PairConfirmed = "confirmed"
	PairDismissed = "dismissed"
)
