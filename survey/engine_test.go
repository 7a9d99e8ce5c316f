package survey

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/forms"
)

var testNow = time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)

func mustForm(tb testing.TB, name string) *forms.Form {
	tb.Helper()
	f, err := forms.CompileFile(context.Background(), "testdata/"+name)
	if err != nil {
		tb.Fatalf("compile %s: %v", name, err)
	}
	return f
}

// mustEngine opens a fresh interview of f in English.
func mustEngine(tb testing.TB, f *forms.Form) *Engine {
	tb.Helper()
	iv, err := NewInterview(f, "awa", "laptop-7", testNow)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := NewEngine(f, iv, EngineOptions{Language: "English (en)", Now: func() time.Time { return testNow }, Location: time.UTC})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func mustRef(tb testing.TB, e *Engine, s string) Ref {
	tb.Helper()
	r, err := e.ParseRef(s)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func mustSet(tb testing.TB, e *Engine, ref, v string) {
	tb.Helper()
	if err := e.Set(mustRef(tb, e, ref), v); err != nil {
		tb.Fatalf("Set(%s, %q): %v", ref, v, err)
	}
}

func TestNewInterview(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	iv := e.Interview()
	if !strings.HasPrefix(iv.ID, "uuid:") || len(iv.ID) != 41 {
		t.Errorf("ID = %q", iv.ID)
	}
	if iv.Revision != 1 || iv.Status != StatusDraft || iv.FormID != "engine_test" {
		t.Errorf("interview = rev %d %s %s", iv.Revision, iv.Status, iv.FormID)
	}
	for ref, want := range map[string]string{
		"/data/today":    "2026-11-28",
		"/data/deviceid": "laptop-7",
		"/data/start":    "2026-11-28T10:30:00.000Z",
	} {
		if got := e.Value(mustRef(t, e, ref)); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
}

func TestRelevanceAndCalculations(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	job := mustRef(t, e, "/data/work/job")
	if e.Relevant(job) {
		t.Fatal("job relevant before age is known")
	}
	mustSet(t, e, "/data/age", "30")
	if !e.Relevant(job) || !e.Required(job) {
		t.Fatalf("job: relevant %v required %v, want both", e.Relevant(job), e.Required(job))
	}
	if got := e.Value(mustRef(t, e, "/data/age_days")); got != "10800" {
		t.Errorf("age_days = %q, want 10800 (chained through age_months)", got)
	}
	mustSet(t, e, "/data/work/job", "mason")
	mustSet(t, e, "/data/age", "12")
	if e.Relevant(job) {
		t.Error("job relevant for a 12-year-old")
	}
	if got := e.Value(job); got != "mason" {
		t.Errorf("hidden answer = %q, want it kept until finalize", got)
	}
	if err := e.Set(job, "x"); !errors.Is(err, ErrNotRelevant) {
		t.Errorf("Set on hidden field: %v, want ErrNotRelevant", err)
	}
	if err := e.Set(mustRef(t, e, "/data/adult"), "true"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Set on calculate: %v, want ErrReadOnly", err)
	}
	// Paradata records changes without values.
	var changes int
	for _, ev := range e.Interview().Paradata {
		if ev.Kind == "change" {
			changes++
			if strings.Contains(ev.Note, "mason") || strings.Contains(ev.Field, "mason") {
				t.Errorf("paradata leaks a value: %+v", ev)
			}
		}
	}
	if changes != 3 {
		t.Errorf("%d change events, want 3", changes)
	}
}

func TestSetNormalises(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	tests := []struct {
		ref, in, want, code string
	}{
		{"/data/age", " 42 ", "42", ""},
		{"/data/age", "4.5", "", "integer"},
		{"/data/age", "abc", "", "integer"},
		{"/data/contact/seen", "2026-02-30", "", "date"},
		{"/data/contact/seen", "2026-02-03", "2026-02-03", ""},
		{"/data/region", "gao", "gao", ""},
		{"/data/region", "timbuktu", "", "choice"},
		{"/data/skill", "other", "other", ""},
		{"/data/cercle", "kita", "", "choice"}, // filtered out: region is gao
		{"/data/cercle", "bourem", "bourem", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref+"="+tt.in, func(t *testing.T) {
			ref := mustRef(t, e, tt.ref)
			err := e.Set(ref, tt.in)
			var ve *ValueError
			if tt.code != "" {
				if !errors.As(err, &ve) || ve.Code != tt.code {
					t.Fatalf("Set = %v, want ValueError %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Value(ref); got != tt.want {
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateMessages(t *testing.T) {
	f := mustForm(t, "engine.md")
	tests := []struct {
		lang, age, wantCode, wantMsg string
	}{
		{"English (en)", "", IssueRequired, "This question requires an answer."},
		{"Français (fr)", "", IssueRequired, "Cette question est obligatoire."},
		{"English (en)", "130", IssueConstraint, "Age 130 is impossible"},
		{"Français (fr)", "130", IssueConstraint, "Âge 130 impossible"},
		{"English (en)", "40", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.age, func(t *testing.T) {
			e := mustEngine(t, f)
			if err := e.SetLanguage(tt.lang); err != nil {
				t.Fatal(err)
			}
			age := mustRef(t, e, "/data/age")
			if tt.age != "" {
				mustSet(t, e, "/data/age", tt.age)
			}
			is := e.Validate(age)
			if tt.wantCode == "" {
				if is != nil {
					t.Fatalf("Validate = %v, want nil", is)
				}
				return
			}
			if is == nil || is.Code != tt.wantCode || is.Message != tt.wantMsg {
				t.Fatalf("Validate = %+v, want %s %q", is, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/name", "Awa")
	age := mustRef(t, e, "/data/age")
	if got, want := e.Label(age), "Age of Awa"; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
	if err := e.SetLanguage("Français (fr)"); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Label(age), "Âge de Awa"; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
	if got, want := e.Hint(age), "Années"; got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
	if err := e.SetLanguage("Deutsch (de)"); err == nil {
		t.Error("SetLanguage accepted a language the form lacks")
	}
	if err := e.SetLanguage("en"); err != nil || e.Language() != "English (en)" {
		t.Errorf("SetLanguage(en): %v, language %q", err, e.Language())
	}
}

func TestRepeats(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/name", "Awa")
	mustSet(t, e, "/data/age", "30")
	legs := mustRef(t, e, "/data/legs")
	mustSet(t, e, "/data/nlegs", "3")
	if got := e.Count(legs); got != 3 {
		t.Fatalf("Count = %d after nlegs=3", got)
	}
	// Literal default in each new instance.
	if got := e.Value(mustRef(t, e, "/data/legs[2]/days")); got != "1" {
		t.Errorf("default days = %q, want 1", got)
	}
	mustSet(t, e, "/data/legs[1]/country", "DZA")
	mustSet(t, e, "/data/legs[1]/days", "10")
	mustSet(t, e, "/data/legs[2]/country", "LBY")
	mustSet(t, e, "/data/legs[2]/days", "20")
	// Same-instance reference.
	if got := e.Value(mustRef(t, e, "/data/legs[2]/leg_label")); got != "LBY:20" {
		t.Errorf("legs[2]/leg_label = %q, want LBY:20", got)
	}
	// sum() and count() from outside.
	if got := e.Value(mustRef(t, e, "/data/total_days")); got != "31" {
		t.Errorf("total_days = %q, want 31", got)
	}
	if got := e.Value(mustRef(t, e, "/data/nleg_rows")); got != "3" {
		t.Errorf("nleg_rows = %q, want 3", got)
	}
	// select_one ${country}: the answers of the repeat.
	var names []string
	for _, c := range e.Choices(mustRef(t, e, "/data/main_country")) {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "DZA LBY" {
		t.Errorf("main_country choices = %q, want DZA LBY", got)
	}
	// A constraint reading a calculation outside the repeat.
	mustSet(t, e, "/data/legs[1]/days", "20000")
	if is := e.Validate(mustRef(t, e, "/data/legs[1]/days")); is == nil || is.Code != IssueConstraint {
		t.Errorf("days beyond age_days: %+v", is)
	}
	mustSet(t, e, "/data/nlegs", "1")
	if got := e.Count(legs); got != 1 {
		t.Fatalf("Count = %d after nlegs=1", got)
	}
	// 20000 breaks its constraint: it is no answer, and sum() leaves it out.
	if got := e.Value(mustRef(t, e, "/data/total_days")); got != "0" {
		t.Errorf("total_days after shrinking = %q, want 0 (the only leg's days are invalid)", got)
	}
	if _, err := e.AddRepeat(legs); !errors.Is(err, ErrRepeatCount) {
		t.Errorf("AddRepeat on a counted repeat: %v", err)
	}

	// A free repeat: add, remove, renumber.
	kids := mustRef(t, e, "/data/kids")
	for _, name := range []string{"Ali", "Bintou", "Cheick"} {
		r, err := e.AddRepeat(kids)
		if err != nil {
			t.Fatal(err)
		}
		mustSet(t, e, r.String()+"/kid_name", name)
	}
	if err := e.RemoveRepeat(mustRef(t, e, "/data/kids[1]")); err != nil {
		t.Fatal(err)
	}
	if got := e.Value(mustRef(t, e, "/data/kids[1]/kid_name")); got != "Bintou" {
		t.Errorf("kids[1] after removal = %q, want Bintou", got)
	}
	if got := e.Label(mustRef(t, e, "/data/kids[2]/kid_age")); got != "Age of Cheick" {
		t.Errorf("label in instance 2 = %q", got)
	}
	mustSet(t, e, "/data/kids[2]/kid_age", "31")
	if is := e.Validate(mustRef(t, e, "/data/kids[2]/kid_age")); is == nil || is.Message != "Older than Awa" {
		t.Errorf("kid older than parent: %+v", is)
	}
}

func TestChoiceFilterAndOther(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	cercle := mustRef(t, e, "/data/cercle")
	names := func(ref Ref) string {
		var s []string
		for _, c := range e.Choices(ref) {
			s = append(s, c.Name)
		}
		return strings.Join(s, " ")
	}
	if got := names(cercle); got != "" {
		t.Errorf("cercles before region = %q, want none", got)
	}
	mustSet(t, e, "/data/region", "kayes")
	if got := names(cercle); got != "kita nioro" {
		t.Errorf("cercles of kayes = %q", got)
	}
	mustSet(t, e, "/data/cercle", "kita")
	mustSet(t, e, "/data/region", "gao")
	if is := e.Validate(cercle); is == nil || is.Code != IssueChoice {
		t.Errorf("stale cercle after region change: %+v", is)
	}
	skill := mustRef(t, e, "/data/skill")
	if got := names(skill); got != "farming trade other" {
		t.Errorf("skill choices = %q", got)
	}
	other := mustRef(t, e, "/data/skill_other")
	if e.Relevant(other) {
		t.Error("skill_other relevant before 'other' is chosen")
	}
	mustSet(t, e, "/data/skill", "other")
	if !e.Relevant(other) {
		t.Error("skill_other not relevant after 'other'")
	}
}

func TestItems(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/age", "30")
	mustSet(t, e, "/data/nlegs", "2")
	var got []string
	for _, it := range e.Items() {
		s := it.Ref.String()
		switch it.Kind {
		case ItemGroup:
			s = "G " + s
		case ItemRepeat:
			s = "R " + s
		case ItemInstance:
			s = "I " + s
		case ItemFieldList:
			s = "F " + s + "(" + strconv.Itoa(len(it.Fields)) + ")"
		}
		got = append(got, s)
	}
	want := "/data/name /data/age G /data/work /data/work/job /data/work/income /data/region /data/cercle /data/skill /data/nlegs " +
		"R /data/legs I /data/legs[1] /data/legs[1]/country /data/legs[1]/days I /data/legs[2] /data/legs[2]/country /data/legs[2]/days " +
		"/data/main_country R /data/kids F /data/contact(2)"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("Items =\n%s\nwant\n%s", g, want)
	}
}

func TestFinalize(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/name", "Awa")
	mustSet(t, e, "/data/age", "30")
	mustSet(t, e, "/data/work/job", "mason")
	err := e.Finalize()
	var ie *IncompleteError
	if !errors.As(err, &ie) {
		t.Fatalf("Finalize = %v, want *IncompleteError", err)
	}
	var refs []string
	for _, is := range ie.Issues {
		refs = append(refs, is.Ref.String())
	}
	if got := strings.Join(refs, " "); got != "/data/region /data/cercle" {
		t.Errorf("issues at %s", got)
	}
	mustSet(t, e, "/data/region", "gao")
	mustSet(t, e, "/data/cercle", "bourem")
	mustSet(t, e, "/data/age", "12") // hides the work group: job is cleared on finalize
	if err := e.Finalize(); err != nil {
		t.Fatal(err)
	}
	if got := e.Value(mustRef(t, e, "/data/work/job")); got != "" {
		t.Errorf("non-relevant job kept after finalize: %q", got)
	}
	iv := e.Interview()
	if iv.Status != StatusFinalized || !iv.Ended.Equal(testNow) {
		t.Errorf("status %s ended %v", iv.Status, iv.Ended)
	}
	if err := e.Set(mustRef(t, e, "/data/name"), "Bakary"); !errors.Is(err, ErrFinalized) {
		t.Errorf("Set after finalize: %v, want ErrFinalized", err)
	}
	// Reopening a stored interview rebuilds the same state and changes nothing.
	delete(iv.Data.Values, "/data/start") // a preload an open must not fill in
	before := iv.ContentHash()
	e2, err := NewEngine(f, iv, EngineOptions{Now: func() time.Time { return testNow.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(mustForm(t, "nested.md"), iv, EngineOptions{}); err == nil {
		t.Error("opened an interview with another form")
	}
	if after := iv.ContentHash(); after != before {
		t.Errorf("opening a finalized interview changed its content: %s → %s", before, after)
	}
	if got := e2.Value(mustRef(t, e2, "/data/age_days")); got != "4320" {
		t.Errorf("reopened age_days = %q", got)
	}
}

func TestTriggerDefaultsNestedRepeats(t *testing.T) {
	f := mustForm(t, "nested.md")
	e := mustEngine(t, f)
	if got := e.Value(mustRef(t, e, "/data/visit")); got != "2026-11-28" {
		t.Errorf("dynamic default visit = %q, want today", got)
	}
	mustSet(t, e, "/data/phone", "7612")
	if got := e.Value(mustRef(t, e, "/data/phone_note")); got != "checked 7612" {
		t.Errorf("triggered phone_note = %q", got)
	}
	mustSet(t, e, "/data/phone_note", "edited")
	mustSet(t, e, "/data/phone", "7613")
	if got := e.Value(mustRef(t, e, "/data/phone_note")); got != "checked 7613" {
		t.Errorf("re-triggered phone_note = %q", got)
	}

	hh := mustRef(t, e, "/data/hh")
	for i, age := range []string{"40", "9", "20"} {
		r, err := e.AddRepeat(hh)
		if err != nil {
			t.Fatal(err)
		}
		mustSet(t, e, r.String()+"/member", fmt.Sprint("m", i+1))
		mustSet(t, e, r.String()+"/member_age", age)
	}
	// Trips are relevant per member instance.
	if _, err := e.AddRepeat(mustRef(t, e, "/data/hh[2]/trips")); !errors.Is(err, ErrNotRelevant) {
		t.Errorf("AddRepeat to the trips of a 9-year-old: %v, want ErrNotRelevant", err)
	}
	for _, it := range e.Items() {
		if it.Kind == ItemRepeat && it.Ref.String() == "/data/hh[2]/trips" {
			t.Error("Items shows the trips of a 9-year-old")
		}
	}
	// An instance added while relevant becomes non-relevant with its member.
	mustSet(t, e, "/data/hh[2]/member_age", "30")
	if _, err := e.AddRepeat(mustRef(t, e, "/data/hh[2]/trips")); err != nil {
		t.Fatal(err)
	}
	mustSet(t, e, "/data/hh[2]/member_age", "9")
	if e.Relevant(mustRef(t, e, "/data/hh[2]/trips[1]")) {
		t.Error("trips of a 9-year-old are relevant")
	}
	for _, tr := range []struct {
		member string
		days   []string
	}{{"1", []string{"3", "4"}}, {"3", []string{"10"}}} {
		for _, d := range tr.days {
			r, err := e.AddRepeat(mustRef(t, e, "/data/hh["+tr.member+"]/trips"))
			if err != nil {
				t.Fatal(err)
			}
			mustSet(t, e, r.String()+"/trip_days", d)
		}
	}
	for ref, want := range map[string]string{
		"/data/hh[1]/member_days":        "7",
		"/data/hh[3]/member_days":        "10",
		"/data/hh[2]/member_days":        "0",
		"/data/all_days":                 "17",
		"/data/members":                  "3",
		"/data/hh[3]/pos":                "3",
		"/data/hh[1]/trips[2]/trip_days": "4",
	} {
		if got := e.Value(mustRef(t, e, ref)); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	if got := e.Label(mustRef(t, e, "/data/hh[3]/member_age")); got != "Age of m3" {
		t.Errorf("label = %q", got)
	}
	// The 9-year-old's empty trip is not relevant, so it blocks nothing.
	if issues := e.ValidateAll(); len(issues) != 0 {
		t.Errorf("issues: %v", issues)
	}
	if err := e.RemoveRepeat(mustRef(t, e, "/data/hh[1]")); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"/data/all_days": "10", "/data/members": "2", "/data/hh[2]/pos": "2", "/data/hh[2]/member": "m3"} {
		if got := e.Value(mustRef(t, e, ref)); got != want {
			t.Errorf("after removal %s = %q, want %q", ref, got, want)
		}
	}
}

func TestChoiceText(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	cs := e.Choices(mustRef(t, e, "/data/region"))
	if len(cs) != 2 {
		t.Fatalf("%d regions", len(cs))
	}
	mustSet(t, e, "/data/nlegs", "1")
	countries := e.Choices(mustRef(t, e, "/data/legs[1]/country"))
	if got := e.Text(countries[1].Label); got != "Algeria" {
		t.Errorf("English label = %q", got)
	}
	if err := e.SetLanguage("Français (fr)"); err != nil {
		t.Fatal(err)
	}
	if got := e.Text(countries[1].Label); got != "Algérie" {
		t.Errorf("French label = %q", got)
	}
}

// TestInvalidNotFed: a value its constraint refuses reads as empty in other
// expressions until it is corrected; its own message still shows it.
func TestInvalidNotFed(t *testing.T) {
	f := mustForm(t, "engine.md")
	e := mustEngine(t, f)
	mustSet(t, e, "/data/nlegs", "1")
	mustSet(t, e, "/data/legs[1]/country", "LBY")
	mustSet(t, e, "/data/legs[1]/days", "20000")
	if got := e.Value(mustRef(t, e, "/data/total_days")); got != "0" {
		t.Errorf("total_days with an invalid leg = %q, want 0", got)
	}
	if got := e.Value(mustRef(t, e, "/data/legs[1]/leg_label")); got != "LBY:" {
		t.Errorf("leg_label with invalid days = %q, want LBY:", got)
	}
	mustSet(t, e, "/data/legs[1]/days", "0")
	if got := e.Value(mustRef(t, e, "/data/total_days")); got != "0" {
		t.Errorf("total_days = %q", got)
	}
}
