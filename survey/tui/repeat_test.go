package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/survey"
)

// TestNestedRepeats adds trips inside members, a field-list page inside
// the inner repeat.
func TestNestedRepeats(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "nested.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{form: f})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.mustSee("Member: 0 so far")
	h.key(tcell.KeyF5)
	h.typ("Awa")
	h.key(tcell.KeyEnter)
	h.mustSee("Trip: 0 so far")
	for _, trip := range [][2]string{{"2001", "Dakar"}, {"2010", "Tripoli"}} {
		h.key(tcell.KeyF5)
		h.mustSee("Year")
		h.typ(trip[0])
		h.key(tcell.KeyTab)
		h.typ(trip[1])
		h.key(tcell.KeyEnter)
	}
	h.mustSee("Trip: 2 so far")
	h.key(tcell.KeyEnter) // no more trips for Awa
	h.mustSee("Member: 1 so far")
	h.key(tcell.KeyF5)
	h.typ("Bakary")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyF5)
	h.typ("1985") // refused by the constraint
	h.key(tcell.KeyEnter)
	if _, p := h.current(); p == nil || p.ID != "/data/members[2]/trips[1]/trip" {
		t.Fatalf("an invalid year moved on: %v", p)
	}
	h.key(tcell.KeyCtrlU)
	h.typ("1995")
	h.key(tcell.KeyEnter) // to Place
	h.key(tcell.KeyEnter) // to the next page
	h.mustSee("Trip: 1 so far")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // members
	h.mustSee("Thank you")
	got := h.answers(h.only(survey.StatusDraft).ID)
	for ref, want := range map[string]string{
		"/data/members[1]/name":                "Awa",
		"/data/members[1]/trips[1]/trip/year":  "2001",
		"/data/members[1]/trips[2]/trip/place": "Tripoli",
		"/data/members[2]/name":                "Bakary",
		"/data/members[2]/trips[1]/trip/year":  "1995",
	} {
		if got[ref] != want {
			t.Errorf("%s = %q, want %q", ref, got[ref], want)
		}
	}
	if _, ok := got["/data/members[2]/trips[2]/trip/year"]; ok {
		t.Errorf("a second trip for the second member was stored")
	}
}

// TestRepeatCountShrinks lowers the number of legs after answering them:
// the dropped leg leaves the database too.
func TestRepeatCountShrinks(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "journey_cost" })
	id := h.only(survey.StatusDraft).ID
	if got := h.answers(id); got["/data/interview/migration/legs[3]/leg_country"] == "" {
		t.Fatalf("third leg not stored")
	}
	for range 30 {
		if _, p := h.current(); p != nil && fieldName(p.ID) == "nb_legs" {
			break
		}
		h.key(tcell.KeyPgUp)
	}
	h.key(tcell.KeyCtrlU)
	h.typ("2")
	h.key(tcell.KeyEnter)
	if got := h.answers(id); got["/data/interview/migration/legs[3]/leg_country"] == "" {
		t.Fatalf("the third leg went before the enumerator confirmed")
	}
	h.key(tcell.KeyEnter) // confirms
	got := h.answers(id)
	if got["/data/interview/migration/legs[2]/leg_country"] == "" {
		t.Errorf("second leg lost")
	}
	for ref := range got {
		if strings.HasPrefix(ref, "/data/interview/migration/legs[3]") {
			t.Errorf("%s still stored after nb_legs went to 2", ref)
		}
	}
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, counts := flatten(iv.Data); counts["/data/interview/migration/legs"].n != 2 {
		t.Errorf("legs stored: %d, want 2", counts["/data/interview/migration/legs"].n)
	}
}
