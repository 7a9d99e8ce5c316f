package builtin_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
)

// Tests of the current returnee version (2026120801): the review's errors
// E1–E16 (../shared/methodology/returnee-survey-review.md) and issue 13.

func currentForm(tb testing.TB) *forms.Form {
	tb.Helper()
	f, err := builtin.Form(context.Background())
	if err != nil {
		tb.Fatalf("compile current built-in form: %v", err)
	}
	return f
}

// current starts a consenting, eligible adult interview of the current form.
func current(t *testing.T) *session {
	t.Helper()
	s := newSessionOf(t, currentForm(t))
	s.set("collecting_institution", "INSTAT")
	s.set("border_post", "gogui")
	s.set("selection_rule", "every_kth")
	s.set("selection_step", "3")
	s.set("already_interviewed", "no")
	s.set("consent_read", "OK")
	s.set("consent", "yes")
	s.set("screen_citizen", "yes")
	s.set("screen_lived_abroad", "yes")
	return s
}

func (s *session) value(name string) string {
	s.t.Helper()
	return s.e.Interview().Data.Values[s.f.ByName(name).Path]
}

func TestCurrentCompiles(t *testing.T) {
	f := currentForm(t)
	for _, w := range f.Warnings {
		t.Errorf("unexpected warning: %v", w)
	}
	if f.ID != builtin.ReturneeID || f.Version <= builtin.FrozenVersion {
		t.Errorf("form %s version %s; want returnee after %s", f.ID, f.Version, builtin.FrozenVersion)
	}
	if !slices.Equal(f.Languages, languages) {
		t.Errorf("languages %q, want %q", f.Languages, languages)
	}
	old, err := builtin.Frozen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if old.Version != builtin.FrozenVersion || old.Hash == f.Hash {
		t.Errorf("frozen version %s hash %s, current hash %s", old.Version, old.Hash, f.Hash)
	}
	if got := builtin.Versions(); !slices.Contains(got, builtin.FrozenVersion) {
		t.Errorf("Versions() = %v, want %s among them", got, builtin.FrozenVersion)
	}
	if _, err := builtin.Version(context.Background(), "1999010101"); err == nil {
		t.Error("an unknown version compiled")
	}
}

// The variable names analysts script against (issue 13), with their types.
func TestIssueVariables(t *testing.T) {
	f := currentForm(t)
	want := map[string]forms.Type{
		"screen_citizen": forms.TypeSelectOne, "screen_lived_abroad": forms.TypeSelectOne, "eligible": forms.TypeCalculate,
		"birth_country": forms.TypeSelectOne, "last_residence_country": forms.TypeSelectOne, "last_residence_months": forms.TypeInteger,
		"previous_stays": forms.TypeInteger, "intended_stay": forms.TypeSelectOne, "migrant_status": forms.TypeCalculate,
		"return_reasons": forms.TypeSelectMulti, "main_return_reason": forms.TypeSelectOne, "main_reason": forms.TypeSelectOne,
		"status_abroad":   forms.TypeSelectOne,
		"activity_before": forms.TypeSelectOne, "activity_abroad": forms.TypeSelectOne, "activity_now": forms.TypeSelectOne,
		"employment_status_before": forms.TypeSelectOne, "employment_status_abroad": forms.TypeSelectOne, "employment_status_now": forms.TypeSelectOne,
		"job_title_before": forms.TypeText, "job_title_abroad": forms.TypeText, "job_title_now": forms.TypeText,
		"occupation_before": forms.TypeSelectOne, "occupation_abroad": forms.TypeSelectOne, "occupation_now": forms.TypeSelectOne,
		"industry_abroad":     forms.TypeSelectOne,
		"job_arranged_before": forms.TypeSelectOne, "job_arranged_through": forms.TypeSelectOne,
		"recruitment_costs": forms.TypeCalculate, "recruitment_costs_currency": forms.TypeSelectOne,
		"earnings_abroad": forms.TypeDecimal, "earnings_abroad_currency": forms.TypeSelectOne, "earnings_abroad_period": forms.TypeSelectOne,
		"remittance_typical": forms.TypeDecimal, "remittance_fee": forms.TypeDecimal, "remittance_frequency": forms.TypeSelectOne,
		"recognition_applied": forms.TypeSelectOne, "recognition_outcome": forms.TypeSelectOne, "recognition_why_not": forms.TypeSelectMulti,
		"certificate_level": forms.TypeSelectOne, "certificate_issuer": forms.TypeSelectOne, "vae_aware": forms.TypeSelectOne,
		"unaccompanied": forms.TypeCalculate, "guardian_agreement": forms.TypeSelectOne, "cash_carried_band": forms.TypeSelectOne,
		"certificate_photo_consent": forms.TypeSelectOne, "interview_language": forms.TypeSelectOne, "origin_commune": forms.TypeText,
		"collecting_institution": forms.TypeText, "selection_rule": forms.TypeSelectOne, "selection_step": forms.TypeInteger,
	}
	for name, typ := range want {
		n := f.ByName(name)
		switch {
		case n == nil:
			t.Errorf("%s: not in the form", name)
		case n.Type != typ:
			t.Errorf("%s: type %s, want %s", name, n.Type, typ)
		}
	}
	// Gone: merged "don't know, never tried" recognition (E9) and the
	// unbanded cash question (E12).
	for _, name := range []string{"certificate_recognised", "savings_brought", "income_abroad"} {
		if f.ByName(name) != nil {
			t.Errorf("%s is still asked", name)
		}
	}
	// The status list names the issue's return types (E12 of §2, #12).
	if got := names(choiceList(t, f, "return_type")); !slices.Equal(got[:5], []string{"voluntary", "assisted", "refoule", "expelled", "evacuated"}) {
		t.Errorf("return types %v", got)
	}
	if got := names(choiceList(t, f, "recognition_outcome")); !slices.Equal(got, []string{"recognised", "partly", "refused", "pending", "dk"}) {
		t.Errorf("recognition outcomes %v", got)
	}
	if got := names(choiceList(t, f, "language")); !slices.Equal(got, []string{"fr", "bm", "snk", "ff", "ses", "taq", "other"}) {
		t.Errorf("interview languages %v", got)
	}
}

// Derived calculates carry a choice list of their own name, so that the
// report can tabulate them; every value the calculation can produce is a
// choice of it.
func TestDerivedLists(t *testing.T) {
	f := currentForm(t)
	for _, name := range []string{"eligible", "minor", "unaccompanied", "disability", "migrant_status"} {
		n := f.ByName(name)
		if n == nil || n.Type != forms.TypeCalculate {
			t.Fatalf("%s: not a calculate", name)
		}
		l := f.Lists[name]
		if l == nil {
			t.Fatalf("%s: no choice list %q", name, name)
		}
		for _, c := range l.Choices {
			if text := c.Label.In(french, ""); text == "" || c.Label.In(english, "") == "" {
				t.Errorf("%s/%s: label missing", name, c.Name)
			}
			if !strings.Contains(n.Calculation, "'"+c.Name+"'") {
				t.Errorf("%s: choice %q is never produced by %s", name, c.Name, n.Calculation)
			}
		}
	}
}

// Missing-value convention: "don't know" and "refused" are dk/refused in
// selects; numbers accept -98 and -99 and say so.
func TestMissingValueConvention(t *testing.T) {
	f := currentForm(t)
	for _, list := range []string{"yes_no_dk", "country", "return_reason", "return_type", "status_abroad", "isced", "activity", "icse", "currency", "intended_stay", "cash_band", "frequency"} {
		l := choiceList(t, f, list)
		if choice(l, "dk") == nil || choice(l, "refused") == nil {
			t.Errorf("list %s lacks dk or refused", list)
		}
	}
	var numbers int
	for _, n := range f.Nodes() {
		if n.Type != forms.TypeInteger && n.Type != forms.TypeDecimal {
			continue
		}
		switch n.Name {
		case "age", "nb_legs", "leg_months", "selection_step":
			continue // answered by observation or counting, never "don't know"
		}
		numbers++
		if !strings.Contains(n.Constraint, ". = -98") || !strings.Contains(n.Constraint, ". = -99") {
			t.Errorf("%s: constraint %q does not accept -98/-99", n.Name, n.Constraint)
		}
		if h := n.Hint.In(french, ""); !strings.Contains(h, "-98") {
			t.Errorf("%s: hint %q does not give the codes", n.Name, h)
		}
	}
	if numbers < 10 {
		t.Errorf("only %d numbers checked", numbers)
	}
	s := current(t)
	s.set("arrival_date", "2026-11-20")
	s.set("age", "30")
	s.set("household_size", "-98")
	if got := s.issue("household_size"); got != "" {
		t.Errorf("household_size -98: issue %q", got)
	}
	s.set("household_size", "-97")
	if got := s.issue("household_size"); got != survey.IssueConstraint {
		t.Errorf("household_size -97: issue %q, want constraint", got)
	}
}

// E3: the eligibility screen ends the interview of non-citizens and of
// people who did not live abroad 3 months.
func TestEligibilityScreen(t *testing.T) {
	for _, tt := range []struct {
		citizen, abroad, eligible string
	}{
		{"yes", "yes", "yes"}, {"no", "yes", "no"}, {"yes", "no", "no"}, {"dk", "yes", "no"}, {"yes", "refused", "no"},
	} {
		s := newSessionOf(t, currentForm(t))
		s.set("already_interviewed", "no")
		s.set("consent", "yes")
		s.set("screen_citizen", tt.citizen)
		s.set("screen_lived_abroad", tt.abroad)
		if got := s.value("eligible"); got != tt.eligible {
			t.Errorf("%s/%s: eligible %q, want %q", tt.citizen, tt.abroad, got, tt.eligible)
		}
		s.relevant("sex", tt.eligible == "yes")
		s.relevant("end_not_returnee", tt.eligible == "no")
	}
}

// E4: unaccompanied per CRC GC6 — a minor not with family, whatever the
// other companions — computed right after age, with the guardian step.
func TestUnaccompaniedMinor(t *testing.T) {
	for _, tt := range []struct {
		age, companions, want string
	}{
		{"16", "alone", "yes"}, {"16", "friends", "yes"}, {"16", "group", "yes"}, {"17", "escorted", "yes"},
		{"16", "dk", "yes"}, {"16", "family", "no"}, {"30", "alone", "no"}, {"18", "group", "no"},
	} {
		s := current(t)
		s.set("travel_companions", tt.companions)
		s.set("age", tt.age)
		if got := s.value("unaccompanied"); got != tt.want {
			t.Errorf("age %s with %s: unaccompanied %q, want %q", tt.age, tt.companions, got, tt.want)
		}
		s.relevant("minor_referral", tt.want == "yes")
		minor := tt.age < "18"
		s.relevant("guardian_agreement", minor)
		if minor {
			s.set("guardian_agreement", "no")
			s.relevant("birth_country", false)
			s.set("guardian_agreement", "yes")
		}
		s.relevant("birth_country", true)
	}
	// Right after age: the referral and guardian step come before any
	// other question of the interview proper.
	var order []string
	for _, n := range currentForm(t).Nodes() {
		order = append(order, n.Name)
	}
	age := slices.Index(order, "age")
	for _, name := range []string{"unaccompanied", "minor_referral", "guardian_agreement"} {
		if i := slices.Index(order, name); i <= age || i > age+6 {
			t.Errorf("%s at position %d, age at %d: not right after age", name, i, age)
		}
	}
}

// E1, E5: reasons for return exist; the main reason (of leaving and of
// return) is filled when one reason is ticked, asked when several are.
func TestMainReasonsFilled(t *testing.T) {
	for _, tt := range []struct{ multi, main string }{{"return_reasons", "main_return_reason"}, {"reasons_leaving", "main_reason"}} {
		s := current(t)
		s.set("age", "30")
		first, second := "family", "health"
		if tt.multi == "reasons_leaving" {
			first, second = "no_work", "health"
		}
		s.set(tt.multi, first)
		if got := s.value(tt.main); got != first {
			t.Errorf("%s after one reason: %q, want %q", tt.main, got, first)
		}
		s.set(tt.multi, first+" "+second)
		if got := s.value(tt.main); got != "" {
			t.Errorf("%s after two reasons: %q, want empty (asked)", tt.main, got)
		}
		if got := s.issue(tt.main); got != survey.IssueRequired {
			t.Errorf("%s after two reasons: issue %q, want required", tt.main, got)
		}
		s.set(tt.main, second)
		if got := s.issue(tt.main); got != "" {
			t.Errorf("%s chosen: issue %q", tt.main, got)
		}
	}
}

// §2 #2/#3: migrant_status from months in the last country and intended stay.
func TestMigrantStatus(t *testing.T) {
	for _, tt := range []struct{ months, stay, want string }{
		{"24", "ge12", "long_term"}, {"12", "ge12", "long_term"}, {"11", "ge12", "short_term"}, {"3", "ge12", "short_term"},
		{"2", "ge12", "not_returning"}, {"24", "3to11", "not_returning"}, {"24", "lt3", "not_returning"},
		{"24", "dk", "undetermined"}, {"24", "refused", "undetermined"}, {"-98", "ge12", "undetermined"}, {"-99", "ge12", "undetermined"},
	} {
		s := current(t)
		s.set("arrival_date", "2026-11-20")
		s.set("age", "30")
		s.set("departure_date", "2020-01-01")
		s.set("return_date", "2026-11-01")
		s.set("last_residence_months", tt.months)
		s.set("intended_stay", tt.stay)
		if got := s.value("migrant_status"); got != tt.want {
			t.Errorf("%s months, stay %s: %q, want %q", tt.months, tt.stay, got, tt.want)
		}
	}
}

// E6: legs against months abroad, departure date against age, months in
// the last country against months abroad.
func TestConsistencyChecks(t *testing.T) {
	s := current(t)
	s.set("arrival_date", "2026-11-20")
	s.set("age", "20")
	s.set("departure_date", "2000-01-01") // aged -6
	if got := s.issue("departure_date"); got != survey.IssueConstraint {
		t.Errorf("departure before age 5: issue %q", got)
	}
	s.set("departure_date", "2025-11-01")
	s.set("return_date", "2026-11-01")
	if got := s.value("months_abroad"); got != "12" {
		t.Fatalf("months_abroad %q", got)
	}
	s.set("last_residence_months", "30")
	if got := s.issue("last_residence_months"); got != survey.IssueConstraint {
		t.Errorf("30 months in a country during 12 abroad: issue %q", got)
	}
	s.set("nb_legs", "2")
	s.set("leg_months", "6", 1)
	s.set("leg_months", "6", 2)
	if got := s.issue("leg_months", 2); got != "" {
		t.Errorf("legs 6+6 in 12 months: issue %q", got)
	}
	s.set("leg_months", "20", 2)
	if got := s.issue("leg_months", 2); got != survey.IssueConstraint {
		t.Errorf("legs 6+20 in 12 months: issue %q", got)
	}
}

// E11: wherever "other" is offered, a specify question follows.
func TestOtherSpecify(t *testing.T) {
	f := currentForm(t)
	for _, n := range f.Nodes() {
		if n.TypeArg == "" || n.OrOther || (n.Type != forms.TypeSelectOne && n.Type != forms.TypeSelectMulti) {
			continue
		}
		l := f.Lists[n.TypeArg]
		if l == nil || choice(l, "other") == nil {
			continue
		}
		if n.Calculation != "" && n.Trigger == "" {
			continue
		}
		if strings.HasPrefix(n.Name, "main_") || strings.Contains(n.ChoiceFilter, "selected(") {
			continue // chosen among the reasons ticked: the specify is the multi's
		}
		found := false
		for _, m := range f.Nodes() {
			if m.Type == forms.TypeText && strings.Contains(m.Relevant, "${"+n.Name+"}") && strings.Contains(m.Relevant, "'other'") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s offers other (list %s) without a specify question", n.Name, n.TypeArg)
		}
	}
}

// E14: the full ISO 3166-1 list from Debian's iso-codes, corridors first.
func TestCountryList(t *testing.T) {
	l := choiceList(t, currentForm(t), "country")
	got := names(l)
	if !slices.Equal(got[:8], []string{"MLI", "DZA", "NER", "MRT", "SEN", "GIN", "CIV", "BFA"}) {
		t.Errorf("first countries %v: Mali and its neighbours first", got[:8])
	}
	if !slices.Equal(got[len(got)-3:], []string{"other", "dk", "refused"}) {
		t.Errorf("last choices %v", got[len(got)-3:])
	}
	codes := got[:len(got)-3]
	const iso = "/usr/share/iso-codes/json/iso_3166-1.json"
	b, err := os.ReadFile(iso)
	if err != nil {
		t.Skipf("iso-codes not installed (apt-get install iso-codes): %v", err)
	}
	var doc struct {
		Entries []struct {
			Alpha3 string `json:"alpha_3"`
		} `json:"3166-1"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range doc.Entries {
		want = append(want, e.Alpha3)
	}
	slices.Sort(want)
	sorted := slices.Clone(codes)
	slices.Sort(sorted)
	if !slices.Equal(sorted, want) {
		t.Errorf("%d codes, %s has %d; or they differ", len(sorted), iso, len(want))
	}
	for _, c := range l.Choices {
		if c.Label.In(french, "") == "" || c.Label.In(english, "") == "" {
			t.Errorf("country %s: label missing", c.Name)
		}
	}
}

// E7: ISCED labels carry the Malian diplomas and say where the mapping is
// not confirmed.
func TestISCEDMalianDiplomas(t *testing.T) {
	l := choiceList(t, currentForm(t), "isced")
	for code, diploma := range map[string]string{"1": "CEP", "2": "DEF", "3": "BAC", "5": "BTS", "6": "icence", "7": "aster", "8": "octorat"} {
		c := choice(l, code)
		if c == nil || !strings.Contains(c.Label.In(french, ""), diploma) || !strings.Contains(c.Label.In(english, ""), diploma) {
			t.Errorf("ISCED %s: no %q in its labels", code, diploma)
		}
	}
	for _, code := range []string{"3", "4"} {
		if c := choice(l, code); !strings.Contains(c.Label.In(french, ""), "confirmer") || !strings.Contains(c.Label.In(english, ""), "confirmed") {
			t.Errorf("ISCED %s does not say its mapping is unconfirmed", code)
		}
	}
}

// E9, E8, E10, E12, E15, E16 and §5.1: wording and protection.
func TestWordingAndProtection(t *testing.T) {
	f := currentForm(t)
	label := func(name, lang string) string { return f.ByName(name).Label.In(lang, "") }
	checks := []struct {
		name, lang, want string
	}{
		{"thanks", french, "Bienvenue au pays"}, // E16
		{"thanks", english, "Welcome home"},
		{"intro", french, "${collecting_institution}"}, // E12
		{"consent_read", french, "nom sera caché"},     // E12 photo consistent with consent
		{"return_type", french, "Comment votre retour s'est-il déroulé"},
		{"assisting_org", french, "Quel organisme a pris en charge votre retour"},
		{"literate", french, "français, arabe ou langue nationale"},
		{"wg_selfcare", french, "vous laver entièrement"}, // E15
		{"wg_intro", english, "because of a HEALTH PROBLEM"},
		{"recognition_applied", french, "équivalence"}, // E9
		{"recognition_wish", french, "VAE"},
	}
	for _, c := range checks {
		if got := label(c.name, c.lang); !strings.Contains(got, c.want) {
			t.Errorf("%s (%s) = %q, want it to contain %q", c.name, c.lang, got, c.want)
		}
	}
	if strings.Contains(label("thanks", french), "Bon retour") {
		t.Error(`"Bon retour" still wishes a safe journey home`)
	}
	for _, name := range []string{"cash_carried_band", "certificate_photo_consent", "certificate_scan"} {
		if n := f.ByName(name); n.Required != "" {
			t.Errorf("%s is required (%q); it must be optional", name, n.Required)
		}
	}
	if c := choice(choiceList(t, f, "icse"), "employer"); c == nil { // E8
		t.Error("ICSE list has no employer")
	}
	for _, name := range []string{"leg_cost", "journey_cost", "earnings_abroad", "recruitment_cost_fee", "remittances_amount"} { // E10
		if strings.Contains(label(name, french), "FCFA") {
			t.Errorf("%s is still in FCFA only", name)
		}
	}
	for _, name := range []string{"leg_cost_currency", "journey_cost_currency", "earnings_abroad_currency", "recruitment_costs_currency", "remittances_currency"} {
		if f.ByName(name) == nil {
			t.Errorf("no %s", name)
		}
	}
	if label("destination", french) == "" || !strings.Contains(label("destination", english), "intended") { // E2
		t.Error("destination is not labelled as the intended destination")
	}
}

// Recognition asked as applied → outcome or why not (EU-LFS ESTQUAL).
func TestRecognitionFlow(t *testing.T) {
	s := current(t)
	s.set("age", "30")
	s.set("certificate_obtained", "yes")
	s.relevant("certificate_scan", false)
	s.set("certificate_photo_consent", "yes")
	s.relevant("certificate_scan", true)
	s.set("recognition_applied", "yes")
	s.relevant("recognition_outcome", true)
	s.relevant("recognition_why_not", false)
	s.set("recognition_applied", "no")
	s.relevant("recognition_outcome", false)
	s.relevant("recognition_why_not", true)
}

// SDG 10.7.1: the recruitment block is for employees abroad; the total
// sums the items and ignores the missing codes.
func TestRecruitmentCosts(t *testing.T) {
	s := current(t)
	s.set("age", "30")
	s.set("activity_abroad", "working")
	s.set("employment_status_abroad", "own_account")
	s.relevant("job_arranged_before", false)
	s.set("employment_status_abroad", "employee_casual")
	s.relevant("job_arranged_before", true)
	s.set("recruitment_cost_fee", "100000")
	s.set("recruitment_cost_visa", "50000")
	s.set("recruitment_cost_medical", "-98")
	if got := s.value("recruitment_costs"); got != "150000" {
		t.Errorf("recruitment_costs %q, want 150000", got)
	}
	s.relevant("recruitment_costs_currency", true)
}

// The current and the frozen versions both simulate (the benchmarks keep
// the frozen one).
func TestSimulateVersions(t *testing.T) {
	ctx := context.Background()
	for _, load := range []func(context.Context) (*forms.Form, error){builtin.Form, builtin.Frozen, builtin.FlowCount} {
		f, err := load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := survey.NewPlan(f)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 40; i++ {
			_, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "awa", DeviceID: "d1",
				Answers: map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes"}})
			if err != nil {
				t.Fatalf("%s %s interview %d: %v", f.ID, f.Version, i, err)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{builtin.ReturneeID, builtin.FlowCountID} {
		f, err := builtin.Lookup(ctx, id)
		if err != nil || f.ID != id {
			t.Errorf("Lookup(%s) = %v, %v", id, f, err)
		}
	}
	if _, err := builtin.Lookup(ctx, "nope"); err == nil {
		t.Error("Lookup(nope) succeeded")
	}
	all, err := builtin.All(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("All: %d forms, %v", len(all), err)
	}
	fc := all[1]
	for _, w := range fc.Warnings {
		t.Errorf("flow_count warning: %v", w)
	}
	for _, name := range []string{"border_post", "count_date", "hours_covered", "selection_rule", "selection_step",
		"arrivals_men", "arrivals_women", "arrivals_boys", "arrivals_girls", "arrivals_malian", "arrivals_foreign"} {
		if fc.ByName(name) == nil {
			t.Errorf("flow_count: no %s", name)
		}
	}
	// The posts are the returnee form's, so the two join on border_post.
	if !slices.Equal(names(fc.Lists["border_post"]), names(all[0].Lists["border_post"])) {
		t.Error("flow_count and returnee border_post lists differ")
	}
}

// E13: the claim that the 2023 frame regroups the 2009 cercles is gone
// from the form and the package documentation; the commune is asked.
func TestAdministrativeFrameClaim(t *testing.T) {
	for _, name := range []string{builtin.FileName, "doc.go"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		for _, claim := range []string{"is mostly a regrouping of these cercles, so answers can be recoded", "mostly a regrouping of these cercles, so answers can be recoded to it"} {
			if strings.Contains(text, claim) {
				t.Errorf("%s still claims the 2023 frame regroups the 2009 cercles", name)
			}
		}
	}
	if n := currentForm(t).ByName("origin_commune"); n == nil || n.Required == "" {
		t.Error("the commune of origin is not asked")
	}
}
