package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/survey"
)

// pagesSession starts an interview of testdata/pages.md.
func pagesSession(t *testing.T) *harness {
	t.Helper()
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "pages.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{form: f, language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	return h
}

// line returns the first screen line containing s, or "".
func (h *harness) line(s string) string {
	for _, l := range strings.Split(h.text(), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// toField presses PgUp or PgDn until the page of the named field shows.
func (h *harness) toField(name string, k tcell.Key) {
	h.tb.Helper()
	for range 30 {
		if _, p := h.current(); p != nil && fieldName(p.ID) == name {
			return
		}
		h.key(k)
	}
	h.tb.Fatalf("no page %s:\n%s", name, h.text())
}

// TestFieldListRedraw changes answers on a field-list page: the cascade's
// choices follow the region at once, the answer a trigger reset shows as
// reset and can be chosen again, the calculated field shows its new value.
func TestFieldListRedraw(t *testing.T) {
	h := pagesSession(t)
	id := h.only(survey.StatusDraft).ID
	h.focusRef("/data/g/region")
	h.typ("1") // North
	h.key(tcell.KeyTab)
	if !strings.Contains(h.text(), "Alpha") || strings.Contains(h.text(), "Charlie") {
		t.Fatalf("cercles do not follow the region North:\n%s", h.text())
	}
	h.typ("1") // Alpha
	h.key(tcell.KeyTab)
	h.typ("1") // Sure: yes
	h.key(tcell.KeyTab)
	if v := h.answers(id)["/data/g/sure"]; v != "yes" {
		t.Fatalf("sure = %q", v)
	}
	h.focusRef("/data/g/region")
	h.typ("2") // South: the trigger resets sure
	if v := h.answers(id)["/data/g/sure"]; v != "" {
		t.Fatalf("sure after the trigger = %q, want it reset", v)
	}
	if l := h.line("1. Yes"); !strings.Contains(l, "( )") {
		t.Errorf("the reset answer still shows as chosen: %q\n%s", l, h.text())
	}
	if !strings.Contains(h.text(), "Charlie") || strings.Contains(h.text(), "Bravo") {
		t.Errorf("cercles do not follow the region South:\n%s", h.text())
	}
	if !strings.Contains(h.text(), "no longer available") {
		t.Errorf("the cercle of the old region is not marked:\n%s", h.text())
	}
	h.focusRef("/data/g/sure")
	h.typ("1")
	h.key(tcell.KeyTab)
	if v := h.answers(id)["/data/g/sure"]; v != "yes" {
		t.Errorf("choosing the reset answer again was not saved: %q", v)
	}
	h.focusRef("/data/g/n")
	h.typ("21")
	h.key(tcell.KeyTab)
	if !regexp.MustCompile(`(?m)^\s*42\s*$`).MatchString(h.text()) {
		t.Errorf("the calculated field does not show 42:\n%s", h.text())
	}
}

// TestCascadeAcrossPages changes a parent on its own page after the child
// was answered on the next: passing the child keeps its answer, marked as
// no longer offered; changing the parent back makes it valid again.
func TestCascadeAcrossPages(t *testing.T) {
	h := pagesSession(t)
	id := h.only(survey.StatusDraft).ID
	h.key(tcell.KeyPgDn)
	h.typ("1") // region2 North
	h.key(tcell.KeyEnter)
	h.typ("2") // cercle2 Bravo
	h.key(tcell.KeyEnter)
	h.press(tcell.KeyRune, ' ') // cercles: Alpha
	h.key(tcell.KeyDown)
	h.press(tcell.KeyRune, ' ') // and Bravo
	h.key(tcell.KeyEnter)
	h.toField("region2", tcell.KeyPgUp)
	h.typ("2") // South
	h.key(tcell.KeyEnter)
	h.mustSee("no longer available")
	h.key(tcell.KeyPgUp) // passing the child's page, back
	h.key(tcell.KeyPgDn)
	h.key(tcell.KeyPgDn) // forward again, over cercles too
	got := h.answers(id)
	if got["/data/cercle2"] != "b" || got["/data/cercles"] != "a b" {
		t.Errorf("after passing: cercle2 = %q, cercles = %q; want b and \"a b\" kept", got["/data/cercle2"], got["/data/cercles"])
	}
	h.toField("region2", tcell.KeyPgUp)
	h.typ("1") // North again
	h.key(tcell.KeyEnter)
	if strings.Contains(h.text(), "no longer available") {
		t.Errorf("still marked after the parent came back:\n%s", h.text())
	}
	if l := h.line("Bravo"); !strings.Contains(l, "(•)") {
		t.Errorf("Bravo not chosen after the parent came back: %q", l)
	}
}

// TestRankRecordsOrder ranks three fruits: the order given is stored, and
// passing the page again does not rewrite it.
func TestRankRecordsOrder(t *testing.T) {
	h := pagesSession(t)
	id := h.only(survey.StatusDraft).ID
	h.toField("fruits", tcell.KeyPgDn)
	h.key(tcell.KeyDown)
	h.key(tcell.KeyDown) // Banana
	h.typ("1")           // to first place
	if v := h.answers(id)["/data/fruits"]; v != "banana mango orange" {
		t.Fatalf("rank = %q, want \"banana mango orange\"", v)
	}
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyPgUp)
	h.key(tcell.KeyEnter)
	if v := h.answers(id)["/data/fruits"]; v != "banana mango orange" {
		t.Errorf("rank after passing the page again = %q", v)
	}
}

// TestDuplicateChoiceNames chooses the second of two choices sharing a name
// (allow_choice_duplicates): one is shown chosen and Enter goes on.
func TestDuplicateChoiceNames(t *testing.T) {
	h := pagesSession(t)
	id := h.only(survey.StatusDraft).ID
	h.toField("dup", tcell.KeyPgDn)
	h.typ("2")
	if n := strings.Count(h.text(), "(•)"); n != 1 {
		t.Errorf("%d choices shown chosen, want 1:\n%s", n, h.text())
	}
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyPgUp) // drawn again from the stored answer
	if n := strings.Count(h.text(), "(•)"); n != 1 {
		t.Errorf("%d choices shown chosen coming back, want 1:\n%s", n, h.text())
	}
	h.key(tcell.KeyEnter)
	if _, p := h.current(); p == nil || fieldName(p.ID) != "when" {
		t.Errorf("Enter did not go on: %s", h.message())
	}
	if v := h.answers(id)["/data/dup"]; v != "x" {
		t.Errorf("dup = %q, want x", v)
	}
}

// TestInvalidEditKept types a malformed date and leaves it by PgUp, F2 and
// Esc: each time the text stays, marked invalid, and the message says it
// was not saved.
func TestInvalidEditKept(t *testing.T) {
	h := pagesSession(t)
	h.toField("when", tcell.KeyPgDn)
	h.typ("2026-02-3")
	h.key(tcell.KeyPgUp)
	if m := h.message(); !strings.Contains(m, "Not saved") {
		t.Errorf("PgUp: message %q does not say the date was not saved", m)
	}
	h.key(tcell.KeyPgDn)
	h.mustSee("2026-02-3")
	h.mustSee("⚠")
	h.key(tcell.KeyF2)
	h.mustSee("2026-02-3")
	h.mustSee("Quand")
	h.key(tcell.KeyEscape)
	if m := h.message(); strings.HasPrefix(m, "Brouillon enregistré ;") || !strings.Contains(m, "sauf") {
		t.Errorf("Esc: message %q", m)
	}
	h.key(tcell.KeyF5) // resume the last draft
	h.mustSee("2026-02-3")
}

// TestIndexThenEscape opens the index on a page whose answer brings a page
// before it, and comes back: the header's number is the page's place,
// Enter goes to the page right after it, and the resume position is this
// page.
func TestIndexThenEscape(t *testing.T) {
	h := pagesSession(t)
	h.toField("word", tcell.KeyPgDn)
	h.typ("show") // brings "early", before this page
	h.key(tcell.KeyF3)
	h.key(tcell.KeyEscape)
	iv, p := h.current()
	if p == nil || fieldName(p.ID) != "word" {
		t.Fatalf("back from the index on %v, want word", p)
	}
	var pages []Page
	h.do(func() { pages = iv.s.Pages() })
	want := -1
	for i, pg := range pages {
		if pg.ID == p.ID {
			want = i
		}
	}
	if hdr := h.line(" · "); !strings.Contains(hdr, fmt.Sprintf(" %d/%d ", want+1, len(pages))) {
		t.Errorf("header %q, want %d/%d", hdr, want+1, len(pages))
	}
	if pos := iv.s.Position(); pos != p.ID {
		t.Errorf("resume position %s, want %s", pos, p.ID)
	}
	h.key(tcell.KeyEnter)
	if _, np := h.current(); np == nil || np.ID != pages[want+1].ID {
		t.Errorf("Enter went to %v, want %s", np, pages[want+1].ID)
	}
}

// TestReviewLanguageThenBack switches the language in the review and goes
// back: the question is in the new language.
func TestReviewLanguageThenBack(t *testing.T) {
	h := pagesSession(t)
	h.toField("word", tcell.KeyPgDn)
	h.mustSee("Word")
	h.key(tcell.KeyF4)
	h.key(tcell.KeyF2)
	h.key(tcell.KeyEscape)
	h.mustSee("Mot")
}

// TestLanguageRememberedPerInterview switches an interview to French and
// resumes it: it opens in French.
func TestLanguageRememberedPerInterview(t *testing.T) {
	h := pagesSession(t)
	h.key(tcell.KeyF2)
	h.mustSee("Région")
	h.key(tcell.KeyEscape)
	h.key(tcell.KeyF5)
	h.mustSee("Région")
}

// TestDraftListAndDelete lists drafts by the form's instance_name and start
// time, and deletes one: asked twice, any other key keeps it, recorded on
// the laptop.
func TestDraftListAndDelete(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // the introduction
	h.typ("2")            // diboli
	h.key(tcell.KeyEnter)
	id := h.only(survey.StatusDraft).ID
	h.key(tcell.KeyEscape)
	h.key(tcell.KeyF2)
	h.mustSee("diboli-")
	h.key(tcell.KeyF8)
	h.key(tcell.KeyF8)
	h.key(tcell.KeyDown) // another key: kept
	h.key(tcell.KeyF8)
	if ss, _ := h.store.List(h.ctx, survey.Filter{Status: survey.StatusDraft}); len(ss) != 1 {
		t.Fatalf("the draft went without being asked twice")
	}
	h.key(tcell.KeyF8)
	h.key(tcell.KeyF8)
	if ss, _ := h.store.List(h.ctx, survey.Filter{Status: survey.StatusDraft}); len(ss) != 0 {
		t.Fatalf("%d drafts after deleting", len(ss))
	}
	if v, err := h.store.Setting(h.ctx, "tui.deleted."+id); err != nil || !strings.HasSuffix(v, " awa") {
		t.Errorf("deletion not recorded: %q, %v", v, err)
	}
}

// TestStableQuestionNumber: a question keeps its number from the form when
// the skip logic brings a page before it; its place among the pages that
// apply changes.
func TestStableQuestionNumber(t *testing.T) {
	h := pagesSession(t)
	h.toField("word", tcell.KeyPgDn)
	before := h.line(" · ")
	h.typ("show") // brings "early", before this page
	h.key(tcell.KeyPgUp)
	h.key(tcell.KeyPgDn)
	after := h.line(" · ")
	num := regexp.MustCompile(`Q\d+ `)
	if num.FindString(before) == "" || num.FindString(before) != num.FindString(after) {
		t.Errorf("question number changed with the skip logic: %q then %q", before, after)
	}
	if before == after {
		t.Errorf("the place among the pages did not follow the new page: %q", after)
	}
}

// TestRejectedBanner reopens an interview the supervisor rejected: the
// comment is a banner on every page while it is corrected.
func TestRejectedBanner(t *testing.T) {
	h := pagesSession(t)
	iv := finalizePages(t, h)
	id := iv.ID
	if err := h.store.Reject(h.ctx, id, "Check the region of birth", iv.Revision, iv.ContentHash()); err != nil {
		t.Fatal(err)
	}
	h.key(tcell.KeyF4) // rejected
	h.key(tcell.KeyEnter)
	h.mustSee("Supervisor: Check the region of birth")
	h.key(tcell.KeyPgUp)
	h.mustSee("Supervisor: Check the region of birth")
}

// TestHelpFollowsLanguage opens F1 in an interview switched to French.
func TestHelpFollowsLanguage(t *testing.T) {
	h := pagesSession(t)
	h.key(tcell.KeyF2)
	h.key(tcell.KeyF1)
	h.mustSee("Touches")
	h.mustSee("revoir toutes les réponses et finaliser")
}

// TestThemeRemembered switches to the light theme on the home screen: the
// screen turns light, and the next start on the laptop is light too.
func TestThemeRemembered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sira.db")
	background := func(h *harness) tcell.Color {
		var bg tcell.Color
		h.do(func() {
			cells, w, _ := h.sim.GetContents()
			_, bg, _ = cells[5*w+40].Style.Decompose()
		})
		return bg
	}
	h := newHarness(t, harnessOpts{path: path, language: "English (en)"})
	h.signIn("awa", "432100")
	if bg := background(h); bg == tcell.ColorWhite {
		t.Fatalf("light before it was chosen")
	}
	h.key(tcell.KeyF9)
	h.mustSee("Theme: Light")
	if bg := background(h); bg != tcell.ColorWhite {
		t.Errorf("background %v after choosing the light theme", bg)
	}
	h.stop()
	h2 := newHarness(t, harnessOpts{path: path, language: "English (en)"})
	if bg := background(h2); bg != tcell.ColorWhite {
		t.Errorf("background %v at the next start, want the light theme remembered", bg)
	}
}

// TestEnumeratorNote writes a note on a question: it shows under it, is
// kept with the interview (paradata) and comes back after a resume.
func TestEnumeratorNote(t *testing.T) {
	h := pagesSession(t)
	id := h.only(survey.StatusDraft).ID
	h.toField("word", tcell.KeyPgDn)
	h.key(tcell.KeyF8)
	h.typ("Said it twice")
	h.key(tcell.KeyEnter)
	h.mustSee("✎ Said it twice")
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range iv.Paradata {
		if ev.Kind == "note" && ev.Field == "/data/word" && ev.Note == "Said it twice" {
			found = true
		}
	}
	if !found {
		t.Errorf("the note is not stored with the interview")
	}
	h.key(tcell.KeyEscape)
	h.key(tcell.KeyF5)
	h.mustSee("✎ Said it twice")
}

// finalizePages answers the pages form's one required question and
// finalizes the interview, which it returns as stored.
func finalizePages(t *testing.T, h *harness) *survey.Interview {
	t.Helper()
	id := h.only(survey.StatusDraft).ID
	h.toField("word", tcell.KeyPgDn)
	h.typ("fine")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // the last note
	h.key(tcell.KeyF9)
	h.key(tcell.KeyF9)
	iv, err := h.store.Get(h.ctx, id)
	if err != nil || iv.Status != survey.StatusFinalized {
		t.Fatalf("not finalized: %v %v (%s)", iv, err, h.message())
	}
	return iv
}

// TestRejectedQuestionComment: a supervisor's comment on one question shows
// on that question's page, under the interview's comment, and not on the
// other pages.
func TestRejectedQuestionComment(t *testing.T) {
	h := pagesSession(t)
	iv := finalizePages(t, h)
	id := iv.ID
	word := ""
	for p := range iv.Data.Values {
		if strings.HasSuffix(p, "/word") {
			word = p
		}
	}
	if word == "" {
		t.Fatalf("no answer to word in %v", iv.Data.Values)
	}
	if err := h.store.Reject(h.ctx, id, "Two things", iv.Revision, iv.ContentHash()); err != nil {
		t.Fatal(err)
	}
	qs := []survey.QuestionComment{{Field: word, Comment: "Ask for the exact word"}}
	if err := survey.SetRejectionQuestions(h.ctx, h.store, id, qs); err != nil {
		t.Fatal(err)
	}
	h.key(tcell.KeyF4) // rejected
	h.key(tcell.KeyEnter)
	h.mustSee("Supervisor: Two things")
	h.toField("word", tcell.KeyPgUp)
	h.mustSee("Word — Ask for the exact word")
	h.key(tcell.KeyPgUp)
	h.mustSee("Supervisor: Two things")
	if strings.Contains(h.text(), "Ask for the exact word") {
		t.Errorf("the question's comment shows on another page:\n%s", h.text())
	}
}
