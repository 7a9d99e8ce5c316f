package report

import (
	"math"
	"sort"

	"sira/forms"
)

// StatTable gives the median and quartiles of a ratio or an amount by
// group (corridor: country of last residence; or currency).
type StatTable struct {
	Key        string
	Objective  int
	Title      forms.Text
	Universe   forms.Text
	GroupTitle forms.Text
	Unit       forms.Text // "% of monthly earnings", …
	Rows       []StatRow  // groups, then the total ("_total")
}

// StatRow is one group's distribution. Quartiles use linear interpolation
// between order statistics (Hyndman–Fan type 7, R's default).
type StatRow struct {
	Group              Category
	N                  int
	Q1, Median, Q3     float64
	Small, Suppressed  bool // N below the small-cell threshold; hidden when published
	SuppressedQuantile bool // N below MinBase: quantiles hidden when published
}

func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	h := p * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// statTable builds a table from values by group, groups labelled by d (or
// their own value).
func statTable(key string, obj int, title, universe, groupTitle, unit forms.Text, d *Dim, values map[string][]float64) *StatTable {
	st := &StatTable{Key: key, Objective: obj, Title: title, Universe: universe, GroupTitle: groupTitle, Unit: unit}
	var groups []string
	var all []float64
	for g, vs := range values {
		groups = append(groups, g)
		all = append(all, vs...)
	}
	rank := func(g string) int {
		if d != nil {
			if i, ok := d.index[g]; ok {
				return i
			}
		}
		return 1 << 30
	}
	sort.Slice(groups, func(i, j int) bool {
		if ri, rj := rank(groups[i]), rank(groups[j]); ri != rj {
			return ri < rj
		}
		return groups[i] < groups[j]
	})
	row := func(cat Category, vs []float64) StatRow {
		sort.Float64s(vs)
		return StatRow{Group: cat, N: len(vs), Q1: quantile(vs, .25), Median: quantile(vs, .5), Q3: quantile(vs, .75)}
	}
	for _, g := range groups {
		cat := Category{Value: g, Label: tx(g, g)}
		if d != nil {
			if i, ok := d.index[g]; ok {
				cat = d.Cats[i]
			}
		}
		if g == Missing {
			cat.Label = missingLabel
		}
		st.Rows = append(st.Rows, row(cat, values[g]))
	}
	if len(all) > 0 {
		st.Rows = append(st.Rows, row(Category{Value: "_total", Label: tx("Ensemble", "All")}, all))
	}
	return st
}

// employee statuses of ICSE-18: the SDG 10.7.1 population.
var employeeStatus = map[string]bool{"employee_permanent": true, "employee_fixed_term": true, "employee_casual": true, "paid_apprentice": true}

var recruitmentItems = []string{"recruitment_cost_fee", "recruitment_cost_documents", "recruitment_cost_visa", "recruitment_cost_medical", "recruitment_cost_travel", "recruitment_cost_other"}

// monthly converts earnings to a month; a day's earnings cannot be
// converted without the days worked, which the form does not ask.
func monthly(v float64, period string) (float64, bool) {
	switch period {
	case "month":
		return v, true
	case "week":
		return v * 52 / 12, true
	case "year":
		return v / 12, true
	}
	return 0, false
}

func stats(sel *Selector, ex *extras, recs *records) []*StatTable {
	var out []*StatTable
	corridor := sel.Dim("last_residence")
	ci := sel.byKey["last_residence"]
	if !corridor.Present() {
		return nil
	}
	byCorridor := tx("Dernier pays de résidence", "Country of last residence")
	if ex.has("recruitment_costs") && ex.has("earnings_abroad") {
		vals := map[string][]float64{}
		recs.each(func(x rec, xv []string) {
			if !employeeStatus[ex.get(x, "employment_status_abroad")] {
				return
			}
			earn, ok := ex.num(x, "earnings_abroad")
			if !ok || earn <= 0 {
				return
			}
			month, ok := monthly(earn, ex.get(x, "earnings_abroad_period"))
			if !ok {
				return
			}
			cost, known := 0.0, true
			for _, item := range recruitmentItems {
				v := ex.get(x, item)
				if v == "" {
					continue
				}
				n, ok := ex.num(x, item)
				if !ok {
					known = false // don't know or refused: the total is unknown
					break
				}
				cost += n
			}
			if !known {
				return
			}
			if cost > 0 && ex.get(x, "recruitment_costs_currency") != ex.get(x, "earnings_abroad_currency") {
				return // different currencies: converted in the office, not here
			}
			g := xv[ci]
			vals[g] = append(vals[g], 100*cost/month)
		})
		out = append(out, statTable("sdg_10_7_1", 10, tx("ODD 10.7.1 : coût du recrutement en % du revenu mensuel à l'étranger, par corridor", "SDG 10.7.1: recruitment cost as a share of monthly earnings abroad, by corridor"),
			tx("Salariés à l'étranger (CISP-18 : salariés et apprentis rémunérés) ayant déclaré leur revenu et leurs frais dans la même monnaie ; revenus journaliers exclus", "Employees abroad (ICSE-18: employees and paid apprentices) reporting earnings and costs in the same currency; daily earnings excluded"),
			byCorridor, tx("% du revenu mensuel", "% of monthly earnings"), corridor, vals))
	}
	if ex.has("remittance_fee") && ex.has("remittance_typical") {
		share := map[string][]float64{}
		amount := map[string][]float64{}
		recs.each(func(x rec, xv []string) {
			typ, ok := ex.num(x, "remittance_typical")
			if !ok || typ <= 0 {
				return
			}
			cur := ex.get(x, "remittances_currency")
			if cur == "" {
				cur = Missing
			}
			amount[cur] = append(amount[cur], typ)
			if fee, ok := ex.num(x, "remittance_fee"); ok {
				share[xv[ci]] = append(share[xv[ci]], 100*fee/typ)
			}
		})
		out = append(out, statTable("remittance_cost", 20, tx("Coût d'un envoi habituel en % du montant envoyé (complément de l'ODD 10.c.1), par corridor", "Cost of a typical transfer as a share of the amount sent (complement to SDG 10.c.1), by corridor"),
			tx("Personnes ayant envoyé de l'argent et déclaré un envoi habituel et ses frais", "People who sent money and stated a typical transfer and its fee"),
			byCorridor, tx("% du montant", "% of the amount"), corridor, share))
		am := statTable("remittance_amount", 20, tx("Montant d'un envoi habituel, par monnaie", "Amount of a typical transfer, by currency"),
			tx("Personnes ayant envoyé de l'argent", "People who sent money"), tx("Monnaie", "Currency"), tx("montant dans la monnaie", "amount in the currency"), nil, amount)
		if n := len(am.Rows); n > 0 {
			am.Rows = am.Rows[:n-1] // no total across currencies
		}
		out = append(out, am)
	}
	return out
}
