package survey

import (
	"context"
	"fmt"
	"strings"

	"sira/forms"
)

// UsesLastSaved reports whether any expression of f reads
// ${last-saved#name}.
func UsesLastSaved(f *forms.Form) bool {
	for _, n := range f.Nodes() {
		for _, s := range []string{n.Default, n.Calculation, n.Relevant, n.Constraint, n.Required, n.ReadOnly, n.ChoiceFilter} {
			if strings.Contains(s, "${last-saved#") {
				return true
			}
		}
	}
	return false
}

// LastSaved returns the answers of the interview of form f last saved in
// st, other than the interview except (ODK's last-saved instance: the
// value ${last-saved#name} reads), or nil when there is none or when f
// reads no last-saved value (nothing is loaded then).
func LastSaved(ctx context.Context, st Store, f *forms.Form, except string) (*Record, error) {
	if !UsesLastSaved(f) {
		return nil, nil
	}
	list, err := st.List(ctx, Filter{FormID: f.ID})
	if err != nil {
		return nil, fmt.Errorf("last saved interview of %s: %w", f.ID, err)
	}
	var best *Summary
	for i := range list {
		s := &list[i]
		if s.ID == except {
			continue
		}
		if best == nil || s.Updated.After(best.Updated) {
			best = s
		}
	}
	if best == nil {
		return nil, nil
	}
	iv, err := st.Get(ctx, best.ID)
	if err != nil {
		return nil, fmt.Errorf("last saved interview of %s: %w", f.ID, err)
	}
	return iv.Data, nil
}
