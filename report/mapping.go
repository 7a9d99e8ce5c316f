package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sira/forms"
)

// Mapping names the form fields the report reads (by XLSForm name) and how
// ages are grouped. Every field must be a select_one outside any repeat,
// except Age, an integer.
type Mapping struct {
	Sex         string // select_one: male / female
	Age         string // integer, grouped by AgeGroups
	ReturnType  string // select_one: voluntary / assisted / expelled
	Destination string // select_one country: the intended destination country
	Region      string // select_one region of origin

	OccupationBefore string // select_one ISCO-08 major group
	OccupationAbroad string
	OccupationNow    string
	Education        string // select_one ISCED 2011 level
	Certificate      string // select_one yes/no: certificate obtained abroad
	Recognised       string // select_one: certificate recognised in Mali
	RecognitionWish  string // select_one yes/no: wishes recognition

	// Consent and ConsentValue restrict the report to interviews where the
	// field holds the value (the person consented); empty Consent counts
	// every interview.
	Consent      string
	ConsentValue string

	// AgeGroups are the lower bounds of the age groups, ascending: {15, 18,
	// 25} makes "15-17", "18-24", "25+"; ages below the first bound form
	// "0-<first-1>".
	AgeGroups []int
}

// DefaultMapping returns the mapping of the built-in returnee form
// (forms/builtin/returnee.md). The age groups keep minors apart (15–17)
// and then follow the ten-year groups of INSTAT's labour-force tables.
func DefaultMapping() Mapping {
	return Mapping{
		Sex: "sex", Age: "age", ReturnType: "return_type", Destination: "destination", Region: "origin_region",
		OccupationBefore: "occupation_before", OccupationAbroad: "occupation_abroad", OccupationNow: "occupation_now",
		Education: "education_level", Certificate: "certificate_obtained", Recognised: "certificate_recognised",
		RecognitionWish: "recognition_wish",
		Consent:         "consent", ConsentValue: "yes",
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

// Dim is one variable the report disaggregates by.
type Dim struct {
	Key   string      // the filter key: "sex", "age_group", …
	Label forms.Text  // keyed "fr" and "en"
	Node  *forms.Node // the field read
	Cats  []Category  // known categories in list order (Missing not included)
	index map[string]int
	group []int // age bounds, for the age dimension only
}

// Category is one value of a dimension.
type Category struct {
	Value string     // as in the data and in filters
	Label forms.Text // keyed "fr" and "en"
}

func tx(fr, en string) forms.Text { return forms.Text{"fr": fr, "en": en} }

var missingLabel = tx("Non renseigné ou non concerné", "Not stated or not applicable")

// dimSpec ties a dimension key to its mapping field and label.
type dimSpec struct {
	key   string
	field func(*Mapping) string
	label forms.Text
}

var dimSpecs = []dimSpec{
	{"sex", func(m *Mapping) string { return m.Sex }, tx("Sexe", "Sex")},
	{"age_group", func(m *Mapping) string { return m.Age }, tx("Groupe d'âge", "Age group")},
	{"return_type", func(m *Mapping) string { return m.ReturnType }, tx("Type de retour", "Type of return")},
	{"destination", func(m *Mapping) string { return m.Destination }, tx("Pays de destination", "Destination country")},
	{"region", func(m *Mapping) string { return m.Region }, tx("Région d'origine", "Region of origin")},
	{"occupation_before", func(m *Mapping) string { return m.OccupationBefore }, tx("Avant le départ", "Before leaving")},
	{"occupation_abroad", func(m *Mapping) string { return m.OccupationAbroad }, tx("À l'étranger", "Abroad")},
	{"occupation_now", func(m *Mapping) string { return m.OccupationNow }, tx("Maintenant", "Now")},
	{"education", func(m *Mapping) string { return m.Education }, tx("Niveau d'instruction le plus élevé (CITE 2011)", "Highest level of education (ISCED 2011)")},
	{"certificate", func(m *Mapping) string { return m.Certificate }, tx("Diplôme ou certificat obtenu à l'étranger", "Diploma or certificate obtained abroad")},
	{"recognised", func(m *Mapping) string { return m.Recognised }, tx("Reconnaissance au Mali", "Recognition in Mali")},
	{"recognition_wish", func(m *Mapping) string { return m.RecognitionWish }, tx("Souhaite une reconnaissance", "Wishes recognition")},
}

// resolve finds the mapped fields in f and builds the dimensions.
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
	find := func(label, name string, types ...forms.Type) *forms.Node {
		if name == "" {
			problems = append(problems, label+": no field mapped")
			return nil
		}
		n := byName[name]
		switch {
		case n == nil:
			problems = append(problems, fmt.Sprintf("%s: field %q not in the form", label, name))
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
		if s.key == "age_group" {
			d.Node = find(s.key, s.field(&m), forms.TypeInteger)
			if len(m.AgeGroups) == 0 || !sort.IntsAreSorted(m.AgeGroups) || m.AgeGroups[0] < 1 {
				problems = append(problems, "age_group: AgeGroups must be ascending lower bounds from 1")
			} else {
				d.group = m.AgeGroups
				d.Cats = ageCats(m.AgeGroups)
			}
		} else {
			d.Node = find(s.key, s.field(&m), forms.TypeSelectOne)
			if d.Node != nil {
				if l := listOf(f, d.Node); l != nil {
					for _, c := range l.Choices {
						d.Cats = append(d.Cats, Category{Value: c.Name, Label: tx(text(c.Label, "fr"), text(c.Label, "en"))})
					}
				}
			}
		}
		for i, c := range d.Cats {
			d.index[c.Value] = i
		}
		dims = append(dims, d)
	}
	var consent *forms.Node
	if m.Consent != "" {
		consent = find("consent", m.Consent, forms.TypeSelectOne, forms.TypeText, forms.TypeCalculate, forms.TypeAcknowledge)
	}
	if len(problems) > 0 {
		return nil, nil, &MissingFieldsError{Form: f.ID, Problems: problems}
	}
	return dims, consent, nil
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

// ageGroup maps an age answer to its group value.
func (d *Dim) ageGroup(s string) string {
	age, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || age < 0 {
		return Missing
	}
	i := sort.SearchInts(d.group, age+1) // number of bounds <= age
	return d.Cats[i].Value
}

func listOf(f *forms.Form, n *forms.Node) *forms.ChoiceList {
	if n.List != nil {
		return n.List
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
