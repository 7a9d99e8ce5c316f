package report

import (
	"strconv"
	"strings"

	"sira/forms"
	"sira/survey"
)

// extraFields are the raw answers the multiple-response tables and the
// statistics read, beyond the dimensions; a field the form lacks reads "".
var extraFields = []string{
	"return_reasons", "needs",
	"employment_status_abroad", "earnings_abroad", "earnings_abroad_currency", "earnings_abroad_period",
	"recruitment_costs", "recruitment_costs_currency",
	"recruitment_cost_fee", "recruitment_cost_documents", "recruitment_cost_visa", "recruitment_cost_medical", "recruitment_cost_travel", "recruitment_cost_other",
	"remittance_typical", "remittance_fee", "remittances_currency",
}

// extras reads extraFields from interviews of one form.
type extras struct {
	nodes []*forms.Node // aligned with extraFields; nil when absent or in a repeat
	index map[string]int
}

func newExtras(f *forms.Form) *extras {
	ex := &extras{nodes: make([]*forms.Node, len(extraFields)), index: map[string]int{}}
	for i, name := range extraFields {
		ex.index[name] = i
		if n := f.ByName(name); n != nil && n.Repeat == nil {
			ex.nodes[i] = n
		}
	}
	return ex
}

// has reports whether the form has the field.
func (ex *extras) has(name string) bool { return ex.nodes[ex.index[name]] != nil }

// read returns iv's answers to the extra fields, nil when it has none.
func (ex *extras) read(iv *survey.Interview) []string {
	if iv.Data == nil {
		return nil
	}
	var out []string
	for i, n := range ex.nodes {
		if n == nil {
			continue
		}
		if v := strings.TrimSpace(iv.Data.Values[n.Path]); v != "" {
			if out == nil {
				out = make([]string, len(ex.nodes))
			}
			out[i] = v
		}
	}
	return out
}

// get returns a record's raw answer to the extra field name ("" if none).
func (ex *extras) get(x rec, name string) string {
	if x.extra == nil {
		return ""
	}
	return x.extra[ex.index[name]]
}

// num parses a number answer; ok is false when empty, unparsable or one of
// the missing codes (negative: -98 don't know, -99 refused).
func (ex *extras) num(x rec, name string) (float64, bool) {
	v, err := strconv.ParseFloat(ex.get(x, name), 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}
