package tui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"sira/survey"
)

// TestFrenchKeyboardEntry answers the built-in form as an enumerator on a
// French keyboard: the unshifted digit row picks choices, letters never
// change an answer, a decimal comma is a decimal point, an integer refuses
// a comma with a message, spaces between thousands are ignored and shown
// back, dates are typed day first and stored as ISO.
func TestFrenchKeyboardEntry(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // the introduction
	id := h.only(survey.StatusDraft).ID
	h.typ("é") // border_post: the second choice
	if v, _ := valueOf(h.answers(id), "border_post"); v != "diboli" {
		t.Fatalf("é on the border posts chose %q, want the second (diboli)", v)
	}
	h.typ("k") // a letter moves, never chooses
	if v, _ := valueOf(h.answers(id), "border_post"); v != "diboli" {
		t.Errorf("a letter changed the answer to %q", v)
	}
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "age" })
	h.typ("34,5")
	h.key(tcell.KeyEnter)
	h.mustSee("no comma")
	h.key(tcell.KeyCtrlU)
	h.typ("34")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "departure_date" })
	h.key(tcell.KeyCtrlU)
	h.typ("5/12/19")
	h.key(tcell.KeyEnter)
	if v, _ := valueOf(h.answers(id), "departure_date"); v != "2019-12-05" {
		t.Errorf("departure_date = %q, want 2019-12-05", v)
	}
	h.key(tcell.KeyPgUp)
	h.mustSee("05/12/2019")
	h.mustSee("5 December 2019")
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "savings_brought" })
	h.typ("2,5")
	h.key(tcell.KeyEnter)
	if v, _ := valueOf(h.answers(id), "savings_brought"); v != "2.5" {
		t.Errorf("2,5 stored as %q, want 2.5", v)
	}
	h.key(tcell.KeyPgUp)
	h.key(tcell.KeyCtrlU)
	h.typ("2 650 000")
	h.key(tcell.KeyEnter)
	if v, _ := valueOf(h.answers(id), "savings_brought"); v != "2650000" {
		t.Errorf("2 650 000 stored as %q", v)
	}
	h.key(tcell.KeyPgUp)
	if !strings.Contains(h.text(), "2 650 000") {
		t.Errorf("the amount is not shown with its thousands:\n%s", h.text())
	}
}

// TestRefusedValueAfterResume leaves an age its constraint refuses and
// resumes the draft: the message is there again, the age is not counted in
// the progress, and the review calls it invalid, not missing.
func TestRefusedValueAfterResume(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "age" })
	before := h.line(" · ")
	h.typ("5")
	h.key(tcell.KeyEnter)
	h.mustSee("Age must be between 15 and 99.")
	if got := h.line(" · "); got != before {
		t.Errorf("progress moved with a refused age: %q, was %q", got, before)
	}
	h.key(tcell.KeyEscape)
	h.key(tcell.KeyF5)
	h.mustSee("Age must be between 15 and 99.")
	h.key(tcell.KeyF4)
	if l := h.line("How old are you?"); !strings.Contains(l, "invalid") || strings.Contains(l, "missing") {
		t.Errorf("review line %q: want the age called invalid", l)
	}
}

// TestWarningsGoWhenFixed presses PgDn on the functional-difficulty page
// with nothing answered: every question is marked; answering the first
// takes its mark away and leaves the others'.
func TestWarningsGoWhenFixed(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "wg" })
	h.key(tcell.KeyPgDn)
	before := strings.Count(h.text(), "⚠")
	if before < 2 {
		t.Fatalf("%d marks after PgDn on an empty page:\n%s", before, h.text())
	}
	h.typ("1")
	h.key(tcell.KeyTab)
	if after := strings.Count(h.text(), "⚠"); after != before-1 {
		t.Errorf("%d marks after answering one of %d:\n%s", after, before, h.text())
	}
}
