package builtin_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/forms"
	"sira/survey"
)

// The skip logic, constraints and calculations of the built-in form, run
// by the real interview engine.

var testNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

type session struct {
	t *testing.T
	f *forms.Form
	e *survey.Engine
}

func newSession(t *testing.T) *session {
	t.Helper()
	return newSessionOf(t, mustForm(t))
}

// newSessionOf starts an interview of f in the engine.
func newSessionOf(t *testing.T, f *forms.Form) *session {
	t.Helper()
	iv, err := survey.NewInterview(f, "enum01", "laptop01", testNow)
	if err != nil {
		t.Fatalf("new interview: %v", err)
	}
	e, err := survey.NewEngine(f, iv, survey.EngineOptions{
		Now: func() time.Time { return testNow }, Location: time.UTC,
		DeviceID: "laptop01", Username: "enum01",
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	return &session{t: t, f: f, e: e}
}

// ref addresses a field by name; idx gives the legs instance for fields
// inside the repeat.
func (s *session) ref(name string, idx ...int) survey.Ref {
	s.t.Helper()
	n := s.f.ByName(name)
	if n == nil {
		s.t.Fatalf("no field %q", name)
	}
	p := n.Path
	if n.Repeat != nil {
		if len(idx) != 1 {
			s.t.Fatalf("%s is in a repeat: give its index", name)
		}
		p = n.Repeat.Path + "[" + strconv.Itoa(idx[0]) + "]" + p[len(n.Repeat.Path):]
	}
	r, err := s.e.ParseRef(p)
	if err != nil {
		s.t.Fatalf("ref %s: %v", p, err)
	}
	return r
}

func (s *session) set(name, value string, idx ...int) {
	s.t.Helper()
	if err := s.e.Set(s.ref(name, idx...), value); err != nil {
		s.t.Fatalf("set %s = %q: %v", name, value, err)
	}
}

func (s *session) relevant(name string, want bool) {
	s.t.Helper()
	if got := s.e.Relevant(s.ref(name)); got != want {
		s.t.Errorf("%s relevant = %v, want %v", name, got, want)
	}
}

// issue returns the validation issue code of a field, "" when valid.
func (s *session) issue(name string, idx ...int) string {
	s.t.Helper()
	if is := s.e.Validate(s.ref(name, idx...)); is != nil {
		return is.Code
	}
	return ""
}

func (s *session) consent() {
	s.t.Helper()
	s.set("border_post", "gogui")
	s.set("already_interviewed", "no")
	s.set("consent_read", "OK")
	s.set("consent", "yes")
}

func choiceNames(cs []*forms.Choice) []string {
	var ns []string
	for _, c := range cs {
		ns = append(ns, c.Name)
	}
	return ns
}

func TestConsentGatesTheInterview(t *testing.T) {
	tests := []struct {
		name               string
		already, consent   string
		interview, endNote bool
	}{
		{"Consents", "no", "yes", true, false},
		{"Refuses", "no", "no", false, true},
		{"AlreadyInterviewed", "yes", "", false, true},
		{"NotYetAsked", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.set("border_post", "diboli")
			if tt.already != "" {
				s.set("already_interviewed", tt.already)
			}
			s.relevant("consent", tt.already == "no")
			if tt.consent != "" {
				s.set("consent", tt.consent)
			}
			for _, name := range []string{"interview", "demographics", "sex", "age", "origin_region", "nb_legs", "intention"} {
				s.relevant(name, tt.interview)
			}
			s.relevant("end_not_eligible", tt.endNote)
			if !tt.interview {
				// Nothing after consent can be demanded of someone who refused.
				for _, is := range s.e.ValidateAll() {
					if strings.HasPrefix(is.Ref.Path, "/data/interview/") {
						t.Errorf("issue on a non-relevant module: %v", is)
					}
				}
			}
		})
	}
}

func TestConstraints(t *testing.T) {
	tests := []struct {
		field, value string
		want         string // issue code, "" when valid
	}{
		{"age", "14", survey.IssueConstraint},
		{"age", "15", ""},
		{"age", "99", ""},
		{"age", "100", survey.IssueConstraint},
		{"arrival_date", "2026-11-29", survey.IssueConstraint},
		{"arrival_date", "2026-11-28", ""},
		{"departure_date", "2030-01-01", survey.IssueConstraint},
		{"nb_legs", "0", survey.IssueConstraint},
		{"nb_legs", "11", survey.IssueConstraint},
		{"journey_cost", "-1", survey.IssueConstraint},
		{"journey_cost", "0", ""},
		{"reasons_leaving", "no_work insecurity climate", ""},
		{"reasons_leaving", "no_work insecurity climate studies", survey.IssueConstraint},
		{"hardships", "none violence", survey.IssueConstraint},
		{"hardships", "refused", ""},
		{"needs", "food none", survey.IssueConstraint},
		{"household_size", "0", survey.IssueConstraint},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			s := newSession(t)
			s.consent()
			s.set(tt.field, tt.value)
			if got := s.issue(tt.field); got != tt.want {
				t.Errorf("issue %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConstraintMessageInFrench(t *testing.T) {
	s := newSession(t)
	s.consent()
	s.set("age", "12")
	is := s.e.Validate(s.ref("age"))
	if is == nil || is.Message != "L'âge doit être compris entre 15 et 99 ans." {
		t.Fatalf("issue %+v, want the French constraint message", is)
	}
	if err := s.e.SetLanguage("English (en)"); err != nil {
		t.Fatal(err)
	}
	if is := s.e.Validate(s.ref("age")); is == nil || is.Message != "Age must be between 15 and 99." {
		t.Fatalf("issue %+v, want the English constraint message", is)
	}
}

func TestDatesAndMonthsAbroad(t *testing.T) {
	s := newSession(t)
	s.consent()
	s.set("departure_date", "2024-03-01")
	s.set("return_date", "2023-12-31")
	if got := s.issue("return_date"); got != survey.IssueConstraint {
		t.Errorf("return before departure: issue %q, want constraint", got)
	}
	s.set("return_date", "2027-01-01")
	if got := s.issue("return_date"); got != survey.IssueConstraint {
		t.Errorf("return in the future: issue %q, want constraint", got)
	}
	s.set("arrival_date", "2025-08-31")
	s.set("return_date", "2025-09-01") // 549 days: 18.06 months
	if got := s.issue("return_date"); got != survey.IssueConstraint {
		t.Errorf("return after arriving in Mali: issue %q, want constraint", got)
	}
	s.set("arrival_date", "2025-09-03")
	if got := s.issue("return_date"); got != "" {
		t.Errorf("valid return date: issue %q", got)
	}
	if got := s.e.Value(s.ref("months_abroad")); got != "18" {
		t.Errorf("months_abroad = %q, want 18", got)
	}
	s.relevant("months_abroad_note", true)
}

func TestJourneyLegs(t *testing.T) {
	s := newSession(t)
	s.consent()
	s.set("nb_legs", "3")
	if got := s.e.Count(s.ref("legs")); got != 3 {
		t.Fatalf("%d legs, want 3", got)
	}
	for i, c := range []string{"150000", "250000.5", "0"} {
		s.set("leg_country", []string{"NER", "DZA", "other"}[i], i+1)
		s.set("leg_cost", c, i+1)
	}
	if got := s.e.Value(s.ref("total_leg_cost")); got != "400000.5" {
		t.Errorf("total_leg_cost = %q, want 400000.5", got)
	}
	for i, want := range []bool{false, false, true} {
		if got := s.e.Relevant(s.ref("leg_country_other", i+1)); got != want {
			t.Errorf("leg %d: leg_country_other relevant = %v, want %v", i+1, got, want)
		}
	}
	s.set("leg_transport", "truck foot", 2)
	s.set("nb_legs", "1")
	if got := s.e.Count(s.ref("legs")); got != 1 {
		t.Errorf("%d legs after nb_legs=1, want 1", got)
	}
}

func TestCascadingCercles(t *testing.T) {
	s := newSession(t)
	s.consent()
	cercles := s.f.Lists["cercle"]
	total := 0
	for _, r := range s.f.Lists["region"].Choices {
		s.set("origin_region", r.Name)
		got := s.e.Choices(s.ref("origin_cercle"))
		if len(got) == 0 {
			t.Errorf("region %s offers no cercle", r.Name)
		}
		for _, c := range got {
			if c.Extra["region"] != r.Name {
				t.Errorf("region %s offers cercle %s of %s", r.Name, c.Name, c.Extra["region"])
			}
		}
		total += len(got)
	}
	if total != len(cercles.Choices) {
		t.Errorf("the regions offer %d cercles in all, want every one of %d", total, len(cercles.Choices))
	}
	s.set("origin_region", "kidal")
	if err := s.e.Set(s.ref("origin_cercle"), "kayes"); err == nil {
		t.Error("a cercle of Kayes was accepted for Kidal")
	}
	s.set("origin_cercle", "tessalit")
}

func TestArrivalCountries(t *testing.T) {
	s := newSession(t)
	s.consent()
	s.set("arrival_means", "bus")
	got := choiceNames(s.e.Choices(s.ref("arrived_from")))
	slices.Sort(got)
	if want := []string{"BFA", "CIV", "DZA", "GIN", "MRT", "NER", "SEN"}; !slices.Equal(got, want) {
		t.Errorf("by road: %v, want the neighbours %v", got, want)
	}
	s.set("arrival_means", "plane")
	got = choiceNames(s.e.Choices(s.ref("arrived_from")))
	if len(got) != len(s.f.Lists["country"].Choices)-1 || slices.Contains(got, "MLI") {
		t.Errorf("by plane: %d countries %v, want every country but Mali", len(got), got)
	}
	s.set("border_post", "bamako_airport")
	s.set("arrival_means", "bus")
	if got := s.issue("arrival_means"); got != survey.IssueConstraint {
		t.Errorf("bus at the airport: issue %q, want constraint", got)
	}
}

func TestReasonsAndMainReason(t *testing.T) {
	s := newSession(t)
	s.consent()
	s.set("reasons_leaving", "insecurity")
	s.relevant("main_reason", false)
	s.relevant("reasons_other", false)
	s.set("reasons_leaving", "climate other")
	s.relevant("main_reason", true)
	s.relevant("reasons_other", true)
	if got := choiceNames(s.e.Choices(s.ref("main_reason"))); !slices.Equal(got, []string{"climate", "other"}) {
		t.Errorf("main_reason offers %v, want [climate other]", got)
	}
}

func TestModuleSkips(t *testing.T) {
	tests := []struct {
		name    string
		answers [][2]string
		field   string
		want    bool
	}{
		{"AssistedOrg", [][2]string{{"return_type", "assisted"}}, "assisting_org", true},
		{"VoluntaryNoOrg", [][2]string{{"return_type", "voluntary"}}, "assisting_org", false},
		{"Expelled", [][2]string{{"return_type", "expelled"}}, "expelling_country", true},
		{"CertificateScan", [][2]string{{"certificate_obtained", "yes"}}, "certificate_scan", true},
		{"NoCertificateNoScan", [][2]string{{"certificate_obtained", "no"}}, "certificate_scan", false},
		{"RecognitionWish", [][2]string{{"skills_acquired", "yes"}, {"certificate_obtained", "no"}}, "recognition_wish", true},
		{"NoRecognitionWish", [][2]string{{"skills_acquired", "no"}, {"certificate_obtained", "no"}}, "recognition_wish", false},
		{"SkillsOther", [][2]string{{"skills_acquired", "yes"}, {"skills_list", "welding other"}}, "skills_list_other", true},
		{"IncomeAbroad", [][2]string{{"worked_abroad", "yes"}}, "income_abroad", true},
		{"NoRemittances", [][2]string{{"sent_money", "no"}}, "remittances_amount", false},
		{"UnaccompaniedMinor", [][2]string{{"age", "16"}, {"travel_companions", "alone"}}, "minor_referral", true},
		{"AdultAlone", [][2]string{{"age", "30"}, {"travel_companions", "alone"}}, "minor_referral", false},
		{"EducationAbroad", [][2]string{{"education_level", "3"}}, "education_abroad", true},
		{"NoSchooling", [][2]string{{"education_level", "0"}}, "education_abroad", false},
		{"Remigration", [][2]string{{"intention", "remigrate"}}, "remigration_country", true},
		{"FreeJourney", [][2]string{{"journey_cost", "0"}}, "journey_financing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.consent()
			for _, a := range tt.answers {
				s.set(a[0], a[1])
			}
			s.relevant(tt.field, tt.want)
		})
	}
}

func TestWashingtonGroupDisability(t *testing.T) {
	s := newSession(t)
	s.consent()
	for _, d := range []string{"wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_selfcare", "wg_communication"} {
		s.set(d, "some")
	}
	if got := s.e.Value(s.ref("disability")); got != "no" {
		t.Errorf("disability = %q with only 'some difficulty', want no", got)
	}
	s.set("wg_walking", "a_lot")
	if got := s.e.Value(s.ref("disability")); got != "yes" {
		t.Errorf("disability = %q with 'a lot' walking, want yes", got)
	}
}

func TestNotRelevantRejected(t *testing.T) {
	s := newSession(t)
	s.set("already_interviewed", "yes")
	err := s.e.Set(s.ref("age"), "30")
	if !errors.Is(err, survey.ErrNotRelevant) {
		t.Errorf("answering age after a refusal: %v, want ErrNotRelevant", err)
	}
}

// fill answers every open issue with a plausible value of the field's type
// until none is left, so that a complete interview can be finalized.
func (s *session) fill() {
	s.t.Helper()
	for round := 0; round < 30; round++ {
		issues := s.e.ValidateAll()
		if len(issues) == 0 {
			return
		}
		for _, is := range issues {
			if is.Code != survey.IssueRequired {
				s.t.Fatalf("round %d: %v (%s)", round, is, is.Code)
			}
			n := s.f.Node(is.Ref.Path)
			var v string
			switch n.Type {
			case forms.TypeSelectOne, forms.TypeSelectMulti:
				cs := s.e.Choices(is.Ref)
				if len(cs) == 0 {
					s.t.Fatalf("%s is required but offers no choice", is.Ref)
				}
				v = cs[0].Name
			case forms.TypeInteger:
				v = "1"
			case forms.TypeDecimal:
				v = "0"
			case forms.TypeDate:
				v = "2026-01-01"
			case forms.TypeAcknowledge:
				v = "OK"
			default:
				v = "texte"
			}
			if err := s.e.Set(is.Ref, v); err != nil {
				s.t.Fatalf("set %s = %q: %v", is.Ref, v, err)
			}
		}
	}
	s.t.Fatalf("still incomplete: %v", s.e.ValidateAll())
}

func TestFinalize(t *testing.T) {
	tests := []struct {
		name     string
		answers  [][2]string
		complete bool // the modules after consent were answered
	}{
		{"Refused", [][2]string{{"border_post", "zegoua"}, {"already_interviewed", "no"}, {"consent_read", "OK"}, {"consent", "no"}}, false},
		{"AlreadyInterviewed", [][2]string{{"border_post", "kouremale"}, {"already_interviewed", "yes"}}, false},
		{"Complete", [][2]string{
			{"border_post", "heremakono"}, {"already_interviewed", "no"}, {"consent_read", "OK"}, {"consent", "yes"},
			{"arrival_means", "bus"}, {"arrived_from", "BFA"}, {"sex", "male"}, {"age", "27"},
			{"origin_region", "kayes"}, {"origin_cercle", "yelimane"},
			{"departure_date", "2023-05-15"}, {"return_date", "2026-10-01"}, {"destination", "ESP"},
			{"nb_legs", "2"}, {"leg_country", "DZA"}, {"leg_months", "14"}, {"leg_transport", "bus truck"},
			{"leg_cost", "350000"}, {"journey_cost", "900000"}, {"reasons_leaving", "no_work support_family"},
			{"main_reason", "no_work"}, {"return_type", "expelled"}, {"expelling_country", "DZA"},
			{"education_level", "1"}, {"worked_abroad", "yes"}, {"occupation_abroad", "7"},
			{"skills_acquired", "yes"}, {"skills_list", "construction welding"}, {"certificate_obtained", "no"},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			for _, a := range tt.answers {
				n := s.f.ByName(a[0])
				if n.Repeat != nil {
					s.set(a[0], a[1], 1)
				} else {
					s.set(a[0], a[1])
				}
			}
			if tt.complete {
				s.fill()
			}
			if err := s.e.Finalize(); err != nil {
				t.Fatalf("finalize: %v", err)
			}
			iv := s.e.Interview()
			if iv.Status != survey.StatusFinalized {
				t.Errorf("status %s, want finalized", iv.Status)
			}
			age := iv.Data.Values[s.f.ByName("age").Path]
			if tt.complete != (age != "") {
				t.Errorf("age recorded %q; complete interview: %v", age, tt.complete)
			}
			if tt.complete {
				if got := iv.Data.Values[s.f.ByName("months_abroad").Path]; got != "40" {
					t.Errorf("months_abroad = %q, want 40", got)
				}
				if got := len(iv.Data.Repeats[s.f.ByName("legs").Path]); got != 2 {
					t.Errorf("%d legs recorded, want 2", got)
				}
			}
		})
	}
}
