package builtin

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Plausible answers for simulated interviews of the built-in forms, so that
// demos, training and the report's screenshots look like a survey at the
// border rather than uniform noise (41.9 % of "returnees" aged 65+ in the
// review's run). The generic simulator (survey.Simulate) stays uniform: a
// Profile only fixes some answers through SimOptions.Answers and the
// interview's start, and the simulator checks each fixed answer against the
// form's constraints like any other. The shares below are illustrative
// design values, not estimates: they follow the corridors the review
// describes for each post (Gogui: Mauritania; Gao and In-Khalil: Algeria,
// Niger, Libya; the airport: Europe and the Gulf) and keep most people of
// working age.

// Profile is what a plausible simulated interview fixes.
type Profile struct {
	// Answers by field name, for survey.SimOptions.Answers.
	Answers map[string]string
	// Start is the earliest start of the interview (the simulator adds up
	// to 30 days); dates in Answers are before it.
	Start time.Time
}

// PlausibleBase is the first day plausible interviews and counts fall on;
// they spread over the 150 days that follow (plus the simulator's 30).
var PlausibleBase = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

type weighted[T any] struct {
	v T
	w float64
}

func pick[T any](r *rand.Rand, ws []weighted[T]) T {
	total := 0.0
	for _, x := range ws {
		total += x.w
	}
	u := r.Float64() * total
	for _, x := range ws {
		if u -= x.w; u < 0 {
			return x.v
		}
	}
	return ws[len(ws)-1].v
}

func w[T any](v T, wt float64) weighted[T] { return weighted[T]{v, wt} }

// corridor is a post with the countries people arrive from there, where
// they lived, and how they tend to come back.
type corridor struct {
	post      string
	arrived   []weighted[string]
	residence []weighted[string]
	ret       []weighted[string]
}

var corridors = []weighted[corridor]{
	w(corridor{"gogui", []weighted[string]{w("MRT", 1)}, []weighted[string]{w("MRT", 70), w("MAR", 10), w("ESP", 8), w("SEN", 7), w("DZA", 5)},
		[]weighted[string]{w("voluntary", 45), w("refoule", 30), w("expelled", 15), w("assisted", 10)}}, 20),
	w(corridor{"diboli", []weighted[string]{w("SEN", 1)}, []weighted[string]{w("SEN", 55), w("GMB", 10), w("FRA", 15), w("ESP", 10), w("MRT", 10)},
		[]weighted[string]{w("voluntary", 80), w("assisted", 15), w("expelled", 5)}}, 12),
	w(corridor{"kouremale", []weighted[string]{w("GIN", 1)}, []weighted[string]{w("GIN", 70), w("SLE", 15), w("LBR", 15)},
		[]weighted[string]{w("voluntary", 90), w("assisted", 10)}}, 8),
	w(corridor{"heremakono", []weighted[string]{w("BFA", 1)}, []weighted[string]{w("CIV", 50), w("BFA", 25), w("GHA", 20), w("TGO", 5)},
		[]weighted[string]{w("voluntary", 85), w("assisted", 10), w("evacuated", 5)}}, 10),
	w(corridor{"zegoua", []weighted[string]{w("CIV", 1)}, []weighted[string]{w("CIV", 80), w("GHA", 10), w("LBR", 10)},
		[]weighted[string]{w("voluntary", 90), w("assisted", 10)}}, 10),
	w(corridor{"benena", []weighted[string]{w("BFA", 1)}, []weighted[string]{w("BFA", 60), w("CIV", 30), w("GHA", 10)},
		[]weighted[string]{w("voluntary", 90), w("evacuated", 10)}}, 4),
	w(corridor{"labbezanga", []weighted[string]{w("NER", 1)}, []weighted[string]{w("NER", 40), w("LBY", 35), w("DZA", 25)},
		[]weighted[string]{w("voluntary", 40), w("assisted", 35), w("expelled", 20), w("refoule", 5)}}, 6),
	w(corridor{"gao", []weighted[string]{w("DZA", 60), w("NER", 40)}, []weighted[string]{w("DZA", 55), w("LBY", 25), w("NER", 20)},
		[]weighted[string]{w("expelled", 40), w("assisted", 30), w("voluntary", 20), w("refoule", 10)}}, 12),
	w(corridor{"in_khalil", []weighted[string]{w("DZA", 1)}, []weighted[string]{w("DZA", 85), w("LBY", 15)},
		[]weighted[string]{w("expelled", 55), w("refoule", 25), w("voluntary", 20)}}, 6),
	w(corridor{"bamako_airport", []weighted[string]{w("FRA", 30), w("ESP", 10), w("SAU", 10), w("ARE", 10), w("CIV", 10), w("LBY", 15), w("CHN", 5), w("USA", 5), w("ITA", 5)},
		nil, []weighted[string]{w("voluntary", 50), w("assisted", 30), w("expelled", 15), w("evacuated", 5)}}, 10),
	w(corridor{"sevare", []weighted[string]{w("BFA", 1)}, []weighted[string]{w("BFA", 50), w("CIV", 50)},
		[]weighted[string]{w("voluntary", 90), w("assisted", 10)}}, 2),
}

func itoa(n int) string { return strconv.Itoa(n) }

// PlausibleReturnee draws the answers of one returnee interview (current
// version). Interview i of a run should use its own generator.
func PlausibleReturnee(r *rand.Rand) Profile {
	c := pick(r, corridors)
	a := map[string]string{
		"collecting_institution": "Institution de démonstration (données simulées)",
		"border_post":            c.post,
		"selection_rule":         "every_kth",
		"selection_step":         itoa(3 + r.IntN(3)),
		"already_interviewed":    pick(r, []weighted[string]{w("no", 95), w("yes", 5)}),
		"consent":                pick(r, []weighted[string]{w("yes", 96), w("no", 4)}),
		"screen_citizen":         pick(r, []weighted[string]{w("yes", 94), w("no", 5), w("dk", 1)}),
		"screen_lived_abroad":    pick(r, []weighted[string]{w("yes", 93), w("no", 7)}),
		"sex":                    pick(r, []weighted[string]{w("male", 85), w("female", 15)}),
		"travel_companions":      pick(r, []weighted[string]{w("alone", 35), w("friends", 20), w("group", 30), w("family", 10), w("escorted", 5)}),
		"guardian_agreement":     pick(r, []weighted[string]{w("yes", 90), w("no", 10)}),
		"interview_language":     pick(r, []weighted[string]{w("bm", 50), w("fr", 20), w("snk", 12), w("ff", 8), w("ses", 6), w("taq", 4)}),
		"birth_country":          "MLI",
		"nationality":            "MLI",
		"arrived_from":           pick(r, c.arrived),
		"return_type":            pick(r, c.ret),
		"intended_stay":          pick(r, []weighted[string]{w("ge12", 55), w("3to11", 15), w("lt3", 12), w("dk", 18)}),
		"status_abroad":          pick(r, []weighted[string]{w("no_document", 40), w("citizen", 20), w("residence_permit", 12), w("work_permit", 10), w("asylum", 3), w("student", 2), w("dk", 10), w("refused", 3)}),
	}
	// Reasons follow the type of return; one or two are ticked.
	var reasons []weighted[string]
	switch a["return_type"] {
	case "expelled", "refoule":
		reasons = []weighted[string]{w("expelled", 50), w("irregular_status", 35), w("failed_destination", 10), w("dk", 3), w("refused", 2)}
	case "evacuated":
		reasons = []weighted[string]{w("insecurity", 80), w("family", 10), w("health", 10)}
	case "assisted":
		reasons = []weighted[string]{w("failed_destination", 30), w("job_loss", 20), w("insecurity", 20), w("health", 10), w("irregular_status", 15), w("dk", 5)}
	default:
		reasons = []weighted[string]{w("end_contract", 20), w("saved_enough", 20), w("family", 25), w("job_loss", 20), w("health", 10), w("other", 5)}
	}
	first := pick(r, reasons)
	a["return_reasons"] = first
	if second := pick(r, reasons); r.IntN(3) == 0 && second != first && first != "dk" && first != "refused" && second != "dk" && second != "refused" {
		a["return_reasons"] = first + " " + second
	}
	a["reasons_leaving"] = pick(r, []weighted[string]{w("no_work", 45), w("support_family", 30), w("adventure", 8), w("studies", 5), w("insecurity", 7), w("climate", 5)})
	a["needs"] = pick(r, []weighted[string]{w("food", 25), w("transport", 25), w("cash", 20), w("job", 15), w("health", 8), w("shelter", 5), w("none", 2)})
	if c.post == "bamako_airport" {
		a["arrival_means"] = "plane"
	} else {
		a["arrival_means"] = pick(r, []weighted[string]{w("bus", 45), w("truck", 20), w("pickup", 15), w("car", 15), w("motorbike", 5)})
	}
	res := a["arrived_from"]
	if c.residence != nil {
		res = pick(r, c.residence)
	}
	a["last_residence_country"] = res
	a["destination"] = pick(r, []weighted[string]{w(res, 70), w("ESP", 10), w("FRA", 10), w("ITA", 5), w("DZA", 5)})

	// Ages: mostly of working age.
	age := pick(r, []weighted[[2]int]{w([2]int{15, 17}, 5), w([2]int{18, 24}, 30), w([2]int{25, 34}, 35), w([2]int{35, 44}, 18), w([2]int{45, 54}, 8), w([2]int{55, 70}, 4)})
	a["age"] = itoa(age[0] + r.IntN(age[1]-age[0]+1))

	// Dates: arrival 0–2 days before the interview window opens; the stay
	// abroad is drawn in months and the dates follow from it.
	start := PlausibleBase.AddDate(0, 0, r.IntN(150))
	arrival := start.AddDate(0, 0, -r.IntN(3))
	ret := arrival.AddDate(0, 0, -r.IntN(15))
	months := pick(r, []weighted[[2]int]{w([2]int{3, 11}, 30), w([2]int{12, 35}, 35), w([2]int{36, 95}, 25), w([2]int{96, 180}, 10)})
	m := months[0] + r.IntN(months[1]-months[0]+1)
	if maxM := (atoi(a["age"]) - 6) * 12; m > maxM {
		m = maxM
	}
	dep := ret.AddDate(0, 0, -int(math.Ceil(float64(m)*30.4))-1)
	a["arrival_date"] = arrival.Format(time.DateOnly)
	a["return_date"] = ret.Format(time.DateOnly)
	a["departure_date"] = dep.Format(time.DateOnly)
	a["last_residence_months"] = itoa(max(1, m*(60+r.IntN(41))/100))
	legs := pick(r, []weighted[int]{w(1, 55), w(2, 35), w(3, 10)})
	a["nb_legs"] = itoa(legs)
	a["leg_country"] = res
	a["leg_months"] = itoa(m / legs)
	a["previous_stays"] = itoa(pick(r, []weighted[int]{w(1, 60), w(2, 25), w(3, 10), w(4, 5)}))
	if a["previous_stays"] == "1" {
		a["first_migration"] = "yes"
	} else {
		a["first_migration"] = "no"
	}
	a["leg_cost"] = itoa(10000 * (5 + r.IntN(40)))
	a["leg_cost_currency"] = "XOF"
	a["journey_cost"] = itoa(10000 * (20 + r.IntN(100)))
	a["journey_cost_currency"] = "XOF"

	// Education and work.
	a["education_level"] = pick(r, []weighted[string]{w("0", 45), w("1", 20), w("2", 15), w("3", 12), w("5", 3), w("6", 3), w("7", 1), w("dk", 1)})
	a["literate"] = "yes"
	if a["education_level"] == "0" && r.IntN(2) == 0 {
		a["literate"] = "no"
	}
	a["education_country"] = "MLI"
	a["activity_before"] = pick(r, []weighted[string]{w("working", 55), w("job_search", 20), w("student", 10), w("home", 10), w("other_inactive", 5)})
	a["activity_abroad"] = pick(r, []weighted[string]{w("working", 75), w("job_search", 15), w("student", 3), w("other_inactive", 7)})
	a["activity_now"] = pick(r, []weighted[string]{w("working", 40), w("job_search", 45), w("student", 5), w("home", 5), w("dk", 5)})
	isco := []weighted[string]{w("9", 35), w("7", 20), w("5", 20), w("6", 12), w("8", 8), w("4", 2), w("3", 2), w("2", 1)}
	tertiary := a["education_level"] >= "5" && a["education_level"] <= "8"
	for _, s := range []string{"before", "abroad", "now"} {
		a["occupation_"+s] = pick(r, isco)
		if tertiary && r.IntN(2) == 0 {
			a["occupation_"+s] = pick(r, []weighted[string]{w("1", 1), w("2", 3), w("3", 3)})
		}
		a["employment_status_"+s] = pick(r, []weighted[string]{w("employee_casual", 35), w("own_account", 25), w("dependent_contractor", 8), w("employee_fixed_term", 10), w("employee_permanent", 5), w("paid_apprentice", 5), w("family_worker", 10), w("employer", 2)})
	}
	a["industry_abroad"] = pick(r, []weighted[string]{w("F", 30), w("A", 15), w("G", 20), w("B", 10), w("I", 8), w("H", 7), w("T", 5), w("C", 5)})
	a["earnings_abroad"] = itoa(5000 * (10 + r.IntN(50)))
	a["earnings_abroad_currency"] = "XOF"
	a["earnings_abroad_period"] = "month"
	a["job_arranged_before"] = pick(r, []weighted[string]{w("no", 75), w("yes", 20), w("dk", 5)})
	for _, item := range []string{"fee", "documents", "visa", "medical", "travel", "other"} {
		a["recruitment_cost_"+item] = "0" // most pay nothing for most items
		if r.IntN(3) == 0 {
			a["recruitment_cost_"+item] = itoa(2500 * (1 + r.IntN(8)))
		}
	}
	a["recruitment_costs_currency"] = "XOF"

	// Remittances: a typical transfer and its fee (a few percent).
	a["sent_money"] = pick(r, []weighted[string]{w("yes", 60), w("no", 37), w("dk", 3)})
	typical := 5000 * (4 + r.IntN(30))
	a["remittances_currency"] = "XOF"
	a["remittance_typical"] = itoa(typical)
	a["remittance_fee"] = itoa(typical * (2 + r.IntN(7)) / 100)
	a["remittance_frequency"] = pick(r, []weighted[string]{w("monthly", 50), w("quarterly", 25), w("few_times", 15), w("once", 5), w("dk", 5)})
	a["remittances_amount"] = itoa(typical * (3 + r.IntN(10)))

	// Washington Group: most people report no difficulty.
	for _, d := range []string{"seeing", "hearing", "walking", "cognition", "selfcare", "communication"} {
		a["wg_"+d] = pick(r, []weighted[string]{w("none", 90), w("some", 7), w("a_lot", 2), w("cannot", 1)})
	}
	a["certificate_obtained"] = pick(r, []weighted[string]{w("no", 85), w("yes", 15)})
	a["skills_acquired"] = pick(r, []weighted[string]{w("yes", 45), w("no", 55)})
	a["recognition_applied"] = pick(r, []weighted[string]{w("no", 80), w("yes", 15), w("dk", 5)})
	a["certificate_photo_consent"] = pick(r, []weighted[string]{w("no", 70), w("yes", 30)})
	return Profile{Answers: a, Start: start}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// flowPosts are the posts a simulated flow count covers, in turn.
var flowPosts = []string{"gogui", "diboli", "kouremale", "heremakono", "zegoua", "benena", "labbezanga", "gao", "in_khalil", "bamako_airport", "sevare"}

// PlausibleFlowCount draws the daily count number i of a run: counts cycle
// through the posts, a day at a time from PlausibleBase, so that a run of
// 11 × 180 counts covers every post and day the returnee interviews fall on.
func PlausibleFlowCount(r *rand.Rand, i int) Profile {
	post := flowPosts[i%len(flowPosts)]
	day := PlausibleBase.AddDate(0, 0, i/len(flowPosts))
	men := 20 + r.IntN(150)
	women := 3 + r.IntN(men/4+1)
	boys, girls := r.IntN(8), r.IntN(5)
	total := men + women + boys + girls
	malian := total * (75 + r.IntN(20)) / 100
	a := map[string]string{
		"border_post":      post,
		"count_date":       day.Format(time.DateOnly),
		"shift_start":      "08:00",
		"shift_end":        "18:00",
		"hours_covered":    itoa(8 + r.IntN(3)),
		"selection_rule":   "every_kth",
		"selection_step":   itoa(3 + r.IntN(3)),
		"arrivals_men":     itoa(men),
		"arrivals_women":   itoa(women),
		"arrivals_boys":    itoa(boys),
		"arrivals_girls":   itoa(girls),
		"arrivals_malian":  itoa(malian),
		"arrivals_foreign": itoa((total - malian) * (60 + r.IntN(41)) / 100),
	}
	// The count is entered at the end of the day it covers.
	return Profile{Answers: a, Start: day.Add(10 * time.Hour)}
}
