package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sira/forms"
)

// Mapping names the form fields the report reads (by XLSForm name) and how
// ages are grouped. A dimension field is a select_one, or a calculate
// whose choice list has its name (a derived variable such as
// migrant_status), outside any repeat; Age is an integer and Date a date.
// Sex and Age are required; a mapped field the form lacks otherwise only
// drops the tables that need it (an earlier form version), but one of the
// wrong type or inside a repeat is an error.
type Mapping struct {
	Sex         string // select_one: male / female
	Age         string // integer, grouped by AgeGroups
	ReturnType  string // select_one: voluntary / assisted / refoule / expelled / evacuated
	Destination string // select_one country: the intended destination country
	Region      string // select_one region of origin

	Post          string // select_one: border post or flow monitoring point
	Date          string // today (or date): the interview's day, for months and weights
	MigrantStatus string // calculate with a list: long-term / short-term / not a returning migrant
	LastResidence string // select_one country of last residence
	StatusAbroad  string // select_one legal status in that country
	MainReturn    string // select_one main reason for return
	Disability    string // calculate with a list: Washington Group cut-off
	Eligible      string // calculate with a list: the eligibility screen ("yes" is in the universe)

	ActivityBefore, ActivityAbroad, ActivityNow string // select_one activity status
	OccupationBefore                            string // select_one ISCO-08 major group
	OccupationAbroad                            string
	OccupationNow                               string
	Education                                   string // select_one ISCED 2011 level
	Certificate                                 string // select_one yes/no: certificate obtained abroad
	Recognised                                  string // select_one: certificate recognised in Mali (version 2026112801)
	RecognitionApplied                          string // select_one: applied for recognition (ESTQUAL)
	RecognitionOutcome                          string // select_one: recognised / partly / refused / pending
	RecognitionWish                             string // select_one yes/no: wishes recognition
	SentMoney                                   string // select_one: sent money home
	RemittanceFrequency                         string // select_one

	// Consent and ConsentValue restrict the report to interviews where the
	// field holds the value (the person consented); empty Consent counts
	// every interview. AlreadyInterviewed names the duplicate screen.
	Consent            string
	ConsentValue       string
	AlreadyInterviewed string
	// Guardian names the guardian's agreement for minors (CRC GC6): "no"
	// ends the interview, which is then outside the universe.
	Guardian string

	// AgeGroups are the lower bounds of the age groups, ascending: {15, 18,
	// 25} makes "15-17", "18-24", "25+"; ages below the first bound form
	// "0-<first-1>".
	AgeGroups []int
}

// DefaultMapping returns the mapping of the built-in returnee form
// (forms/builtin/returnee.md, every version). The age groups keep minors
// apart (15–17) and then follow the ten-year groups of INSTAT's
// labour-force tables.
func DefaultMapping() Mapping {
	return Mapping{
		Sex: "sex", Age: "age", ReturnType: "return_type", Destination: "destination", Region: "origin_region",
		Post: "border_post", Date: "today", MigrantStatus: "migrant_status", LastResidence: "last_residence_country",
		StatusAbroad: "status_abroad", MainReturn: "main_return_reason", Disability: "disability", Eligible: "eligible",
		ActivityBefore: "activity_before", ActivityAbroad: "activity_abroad", ActivityNow: "activity_now",
		OccupationBefore: "occupation_before", OccupationAbroad: "occupation_abroad", OccupationNow: "occupation_now",
		Education: "education_level", Certificate: "certificate_obtained", Recognised: "certificate_recognised",
		RecognitionApplied: "recognition_applied", RecognitionOutcome: "recognition_outcome",
		RecognitionWish: "recognition_wish", SentMoney: "sent_money", RemittanceFrequency: "remittance_frequency",
		Consent: "consent", ConsentValue: "yes", AlreadyInterviewed: "already_interviewed", Guardian: "guardian_agreement",
		AgeGroups: []int{15, 18, 25, 35, 45, 55, 65},
	}
}

// MissingFieldsError reports the mapped fields a form lacks, or has with an
// unusable type or inside a repeat.
type MissingFieldsError struct {
	Form     string
	Problems []string // one per field: "sex: not in the form"
}

// Error lists every problem, so one run tells the form designer all of them.
func (e *MissingFieldsError) Error() string {
	return fmt.Sprintf("form %q cannot be reported on with this mapping: %s", e.Form, strings.Join(e.Problems, "; "))
}

// Missing is the value (in filters too) of an unanswered or non-applicable field.
const Missing = "_missing"

// Base is a filter value meaning "any value in the percentage base": the
// field is answered and neither "don't know" (dk) nor "refused".
const Base = "_base"

// OutOfBase reports whether a value is shown apart and kept out of
// percentage bases: not applicable or not stated (Missing), and the
// missing-value choices dk and refused of the built-in form's convention.
func OutOfBase(v string) bool { return v == Missing || v == "dk" || v == "refused" }

// Dim is one variable the report disaggregates by.
type Dim struct {
	Key   string      // the filter key: "sex", "age_group", …
	Label forms.Text  // keyed "fr" and "en"
	Node  *forms.Node // the field read; nil for a dimension the form lacks (or a derived one)
	Cats  []Category  // known categories in list order (Missing not included)
	index map[string]int
	group []int // age bounds, for the age dimension only
	month bool  // the date's month ("2026-05"), for the month dimension
	// derive computes a derived dimension from the others' values.
	derive func(vals []string, s *Selector) string
}

// Present reports whether the form has the dimension's field (derived
// dimensions are present when what they derive from is).
func (d *Dim) Present() bool { return d.Node != nil || d.derive != nil }

// Category is one value of a dimension.
type Category struct {
	Value string     // as in the data and in filters
	Label forms.Text // keyed "fr" and "en"
}

func tx(fr, en string) forms.Text { return forms.Text{"fr": fr, "en": en} }

var missingLabel = tx("Non concerné ou non renseigné (hors base)", "Not applicable or not stated (outside the base)")

// dimSpec ties a dimension key to its mapping field and label.
type dimSpec struct {
	key      string
	field    func(*Mapping) string
	label    forms.Text
	required bool
}

var dimSpecs = []dimSpec{
	{"sex", func(m *Mapping) string { return m.Sex }, tx("Sexe", "Sex"), true},
	{"age_group", func(m *Mapping) string { return m.Age }, tx("Groupe d'âge", "Age group"), true},
	{"return_type", func(m *Mapping) string { return m.ReturnType }, tx("Type de retour", "Type of return"), false},
	{"destination", func(m *Mapping) string { return m.Destination }, tx("Pays de destination prévu au départ", "Intended destination country"), false},
	{"region", func(m *Mapping) string { return m.Region }, tx("Région d'origine", "Region of origin"), false},
	{"post", func(m *Mapping) string { return m.Post }, tx("Poste ou point de suivi des flux", "Post or flow monitoring point"), false},
	{"month", func(m *Mapping) string { return m.Date }, tx("Mois de l'entretien", "Month of interview"), false},
	{"migrant_status", func(m *Mapping) string { return m.MigrantStatus }, tx("Statut migratoire (ONU 1998, 2021)", "Migration status (UN 1998, 2021)"), false},
	{"last_residence", func(m *Mapping) string { return m.LastResidence }, tx("Dernier pays de résidence", "Country of last residence"), false},
	{"status_abroad", func(m *Mapping) string { return m.StatusAbroad }, tx("Statut de séjour dans ce pays", "Residence status in that country"), false},
	{"main_return_reason", func(m *Mapping) string { return m.MainReturn }, tx("Raison principale du retour", "Main reason for return"), false},
	{"disability", func(m *Mapping) string { return m.Disability }, tx("Handicap (seuil du Washington Group)", "Disability (Washington Group cut-off)"), false},
	{"eligible", func(m *Mapping) string { return m.Eligible }, tx("Éligibilité", "Eligibility"), false},
	{"activity_before", func(m *Mapping) string { return m.ActivityBefore }, tx("Activité avant le départ (12 mois)", "Activity before leaving (12 months)"), false},
	{"activity_abroad", func(m *Mapping) string { return m.ActivityAbroad }, tx("Activité à l'étranger", "Activity abroad"), false},
	{"activity_now", func(m *Mapping) string { return m.ActivityNow }, tx("Activité attendue au Mali (mois à venir)", "Expected activity in Mali (coming month)"), false},
	{"occupation_before", func(m *Mapping) string { return m.OccupationBefore }, tx("Avant le départ", "Before leaving"), false},
	{"occupation_abroad", func(m *Mapping) string { return m.OccupationAbroad }, tx("À l'étranger", "Abroad"), false},
	{"occupation_now", func(m *Mapping) string { return m.OccupationNow }, tx("Maintenant", "Now"), false},
	{"education", func(m *Mapping) string { return m.Education }, tx("Niveau d'instruction le plus élevé (CITE 2011)", "Highest level of education (ISCED 2011)"), false},
	{"certificate", func(m *Mapping) string { return m.Certificate }, tx("Diplôme ou certificat obtenu à l'étranger", "Diploma or certificate obtained abroad"), false},
	{"recognised", func(m *Mapping) string { return m.Recognised }, tx("Reconnaissance au Mali", "Recognition in Mali"), false},
	{"recognition_applied", func(m *Mapping) string { return m.RecognitionApplied }, tx("Demande d'équivalence ou de reconnaissance", "Applied for equivalence or recognition"), false},
	{"recognition_outcome", func(m *Mapping) string { return m.RecognitionOutcome }, tx("Résultat de la demande", "Outcome of the application"), false},
	{"recognition_wish", func(m *Mapping) string { return m.RecognitionWish }, tx("Souhaite une reconnaissance", "Wishes recognition"), false},
	{"sent_money", func(m *Mapping) string { return m.SentMoney }, tx("A envoyé de l'argent", "Sent money home"), false},
	{"remittance_frequency", func(m *Mapping) string { return m.RemittanceFrequency }, tx("Fréquence des envois", "Frequency of transfers"), false},
}

// resolve finds the mapped fields in f and builds the dimensions, then the
// derived ones (overqualified).
func resolve(f *forms.Form, m Mapping) ([]*Dim, *forms.Node, error) {
	byName := map[string]*forms.Node{}
	inRepeat := map[*forms.Node]bool{}
	var walk func(nodes []*forms.Node, rep bool)
	walk = func(nodes []*forms.Node, rep bool) {
		for _, n := range nodes {
			if _, dup := byName[n.Name]; !dup {
				byName[n.Name] = n
			}
			inRepeat[n] = rep
			walk(n.Children, rep || n.Type == forms.TypeRepeat)
		}
	}
	if f == nil || f.Root == nil {
		return nil, nil, fmt.Errorf("report: form has no root group")
	}
	walk(f.Root.Children, false)
	var problems []string
	find := func(label, name string, required bool, types ...forms.Type) *forms.Node {
		if name == "" {
			if required {
				problems = append(problems, label+": no field mapped")
			}
			return nil
		}
		n := byName[name]
		switch {
		case n == nil:
			if required {
				problems = append(problems, fmt.Sprintf("%s: field %q not in the form", label, name))
			}
			return nil
		case inRepeat[n]:
			problems = append(problems, fmt.Sprintf("%s: field %q is inside a repeat", label, name))
			return nil
		}
		for _, t := range types {
			if n.Type == t {
				return n
			}
		}
		problems = append(problems, fmt.Sprintf("%s: field %q is %s, want %v", label, name, n.Type, types))
		return nil
	}
	var dims []*Dim
	for _, s := range dimSpecs {
		d := &Dim{Key: s.key, Label: s.label, index: map[string]int{}}
		switch s.key {
		case "age_group":
			d.Node = find(s.key, s.field(&m), true, forms.TypeInteger)
			if len(m.AgeGroups) == 0 || !sort.IntsAreSorted(m.AgeGroups) || m.AgeGroups[0] < 1 {
				problems = append(problems, "age_group: AgeGroups must be ascending lower bounds from 1")
			} else {
				d.group = m.AgeGroups
				d.Cats = ageCats(m.AgeGroups)
			}
		case "month":
			d.Node = find(s.key, s.field(&m), false, forms.TypeToday, forms.TypeDate)
			d.month = true
		default:
			d.Node = find(s.key, s.field(&m), s.required, forms.TypeSelectOne, forms.TypeCalculate)
			if d.Node == nil {
				break
			}
			l := listOf(f, d.Node)
			if d.Node.Type == forms.TypeCalculate && l == nil {
				// A calculate without a choice list of its name cannot be
				// labelled (the disability of version 2026112801): the
				// tables that need it are left out.
				d.Node = nil
				break
			}
			if l != nil {
				for _, c := range l.Choices {
					d.Cats = append(d.Cats, Category{Value: c.Name, Label: tx(text(c.Label, "fr"), text(c.Label, "en"))})
				}
			}
		}
		for i, c := range d.Cats {
			d.index[c.Value] = i
		}
		dims = append(dims, d)
	}
	dims = append(dims, overqualifiedDim(dims))
	var consent *forms.Node
	if m.Consent != "" {
		consent = find("consent", m.Consent, true, forms.TypeSelectOne, forms.TypeText, forms.TypeCalculate, forms.TypeAcknowledge)
	}
	if len(problems) > 0 {
		return nil, nil, &MissingFieldsError{Form: f.ID, Problems: problems}
	}
	return dims, consent, nil
}

// overqualifiedDim derives Eurostat's over-qualification from education
// and the occupation abroad: tertiary-educated (ISCED 5–8) people working
// in ISCO major groups 4–9 are over-qualified; tertiary-educated in groups
// 0–3 are not; everyone else (not tertiary, not working, not stated) is
// outside the indicator's population.
func overqualifiedDim(dims []*Dim) *Dim {
	var edu, occ = -1, -1
	for i, d := range dims {
		switch d.Key {
		case "education":
			edu = i
		case "occupation_abroad":
			occ = i
		}
	}
	d := &Dim{Key: "overqualified", Label: tx("Surqualification à l'étranger (CITE 5–8 dans CITP 4–9)", "Over-qualification abroad (ISCED 5–8 in ISCO 4–9)"),
		Cats:  []Category{{"yes", tx("Surqualifié(e)", "Over-qualified")}, {"no", tx("Non surqualifié(e)", "Not over-qualified")}},
		index: map[string]int{"yes": 0, "no": 1}}
	if edu < 0 || occ < 0 || dims[edu].Node == nil || dims[occ].Node == nil {
		return d
	}
	d.derive = func(vals []string, _ *Selector) string {
		switch vals[edu] {
		case "5", "6", "7", "8":
		default:
			return Missing
		}
		switch vals[occ] {
		case "4", "5", "6", "7", "8", "9":
			return "yes"
		case "0", "1", "2", "3":
			return "no"
		}
		return Missing
	}
	return d
}

// ageCats names the age groups "0-14", "15-17", …, "65+".
func ageCats(bounds []int) []Category {
	var cats []Category
	lo := 0
	for i := 0; i <= len(bounds); i++ {
		var v string
		if i == len(bounds) {
			v = strconv.Itoa(lo) + "+"
		} else {
			v = strconv.Itoa(lo) + "-" + strconv.Itoa(bounds[i]-1)
			lo = bounds[i]
		}
		cats = append(cats, Category{Value: v, Label: tx(strings.Replace(v, "-", "–", 1)+" ans", strings.Replace(v, "-", "–", 1)+" years")})
	}
	return cats
}

// ageGroup maps an age answer to its group value; the missing codes -98
// and -99 of the built-in convention are "dk" and "refused".
func (d *Dim) ageGroup(s string) string {
	age, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err == nil && age == -98:
		return "dk"
	case err == nil && age == -99:
		return "refused"
	case err != nil || age < 0:
		return Missing
	}
	i := sort.SearchInts(d.group, age+1) // number of bounds <= age
	return d.Cats[i].Value
}

// listOf returns the choice list of a select, or of a calculate the list
// named after it (a derived variable tabulated with labels).
func listOf(f *forms.Form, n *forms.Node) *forms.ChoiceList {
	if n.List != nil {
		return n.List
	}
	if n.Type == forms.TypeCalculate {
		return f.Lists[n.Name]
	}
	return f.Lists[n.TypeArg]
}

// text picks a label by language code ("fr"), falling back as export.Text does.
func text(t forms.Text, lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	for k, s := range t {
		if s != "" && strings.HasSuffix(strings.ToLower(k), "("+lang+")") {
			return s
		}
	}
	if s := t[""]; s != "" {
		return s
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}
