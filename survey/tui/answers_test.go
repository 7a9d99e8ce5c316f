package tui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"sira/export"
	"sira/survey"
)

const legsRef = "/data/interview/migration/legs"

// toPage presses PgUp until the page of the named field shows.
func (h *harness) toPage(name string) {
	h.tb.Helper()
	for range 80 {
		if _, p := h.current(); p != nil && fieldName(p.ID) == name {
			return
		}
		h.key(tcell.KeyPgUp)
	}
	h.tb.Fatalf("no page %s going back:\n%s", name, h.text())
}

// legAnswers lists the stored answers inside the journey legs.
func legAnswers(got map[string]string) map[string]string {
	out := map[string]string{}
	for ref, v := range got {
		if strings.HasPrefix(ref, legsRef+"[") {
			out[ref] = v
		}
	}
	return out
}

// twoLegs starts an interview of the built-in form and answers it up to the
// journey cost, with two legs.
func twoLegs(t *testing.T, h *harness) string {
	t.Helper()
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(map[string][]string{"nb_legs": {"2"}}, func(p *Page) bool { return fieldName(p.ID) == "journey_cost" })
	id := h.only(survey.StatusDraft).ID
	if n := len(legAnswers(h.answers(id))); n < 8 {
		t.Fatalf("two legs answered: %d answers stored", n)
	}
	return id
}

// TestGateKeepsRepeatAnswers closes the consent gate over two answered
// journey legs and opens it again: every leg answer is still there, in the
// store and on the review.
func TestGateKeepsRepeatAnswers(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	id := twoLegs(t, h)
	want := legAnswers(h.answers(id))
	for _, gate := range []struct{ field, close, open string }{{"consent", "2", "1"}, {"already_interviewed", "1", "2"}} {
		h.toPage(gate.field)
		h.typ(gate.close)
		h.key(tcell.KeyEnter)
		if got := legAnswers(h.answers(id)); len(got) != len(want) {
			t.Errorf("%s closed: %d leg answers stored, want %d", gate.field, len(got), len(want))
		}
		h.toPage(gate.field)
		h.typ(gate.open)
		h.key(tcell.KeyEnter)
		got := legAnswers(h.answers(id))
		for ref, v := range want {
			if got[ref] != v {
				t.Errorf("after %s closed and opened: %s = %q, want %q", gate.field, ref, got[ref], v)
			}
		}
	}
	iv, _ := h.current()
	var missing []string
	h.do(func() { missing = iv.s.Missing() })
	for _, ref := range missing {
		if strings.HasPrefix(ref, legsRef) {
			t.Errorf("%s missing after the gate came back", ref)
		}
	}
}

// TestRepeatCountClearedAsksThenRemoves clears the number of legs: the
// first Enter asks and keeps everything; the second removes the legs from
// the store too, not only from the screen.
func TestRepeatCountClearedAsksThenRemoves(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	id := twoLegs(t, h)
	want := len(legAnswers(h.answers(id)))
	h.toPage("nb_legs")
	h.key(tcell.KeyCtrlU)
	h.key(tcell.KeyEnter)
	h.mustSee("Press Enter")
	if got := len(legAnswers(h.answers(id))); got != want {
		t.Fatalf("legs changed before the enumerator confirmed: %d answers, want %d", got, want)
	}
	if v := h.answers(id)["/data/interview/migration/nb_legs"]; v != "2" {
		t.Errorf("nb_legs before confirming = %q, want 2", v)
	}
	h.key(tcell.KeyEnter)
	if got := legAnswers(h.answers(id)); len(got) != 0 {
		t.Errorf("legs still stored after nb_legs was cleared: %v", got)
	}
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, counts := flatten(iv.Data); counts[legsRef].n != 0 {
		t.Errorf("store keeps %d leg instances after nb_legs was cleared", counts[legsRef].n)
	}
}

// TestExportHasNoUnseenRepeatRows finalizes an interview whose consent was
// withdrawn after two legs were filled, and one whose legs were all
// removed: the export's repeat table holds no row for either, since the
// collector shows none.
func TestExportHasNoUnseenRepeatRows(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	id := twoLegs(t, h)
	h.toPage("consent")
	h.typ("2")
	h.key(tcell.KeyEnter)
	h.mustSee("Thank the person")
	h.key(tcell.KeyF4)
	h.key(tcell.KeyF9)
	h.key(tcell.KeyF9)
	if s := h.only(survey.StatusFinalized); s.ID != id {
		t.Fatalf("finalized %s, want %s (%s)", s.ID, id, h.message())
	}
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(yield func(export.Row, error) bool) { yield(export.Row{Interview: iv}, nil) }
	sum, err := export.WriteCSV(h.ctx, mustForm(t), rows, t.TempDir(), export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range sum.Tables {
		if strings.HasSuffix(tb.Name, "-legs") && tb.Rows != 0 {
			t.Errorf("%s: %d rows exported for an interview that showed no leg", tb.Name, tb.Rows)
		}
	}
}

// TestCtrlCKeepsTypedAnswer presses Ctrl-C in the middle of typing, through
// the real event loop: the app stays, the answer is saved, a second
// Ctrl-C quits.
func TestCtrlCKeepsTypedAnswer(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "age" })
	h.typ("41")
	h.sim.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.message(), "Ctrl-C again") {
		select {
		case <-h.done:
			h.done <- nil
			t.Fatal("one Ctrl-C quit the app")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no question after Ctrl-C:\n%s", h.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v, _ := valueOf(h.answers(h.only(survey.StatusDraft).ID), "age"); v != "41" {
		t.Errorf("age after Ctrl-C = %q, want the 41 being typed", v)
	}
	h.sim.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	select {
	case err := <-h.done:
		h.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("a second Ctrl-C did not quit")
	}
}

// paste sends text as a terminal does with bracketed paste, through the
// event loop, and waits until the app has handled it.
func (h *harness) paste(text string) {
	h.tb.Helper()
	if err := h.sim.PostEvent(tcell.NewEventPaste(true)); err != nil {
		h.tb.Fatal(err)
	}
	for _, r := range text {
		if r == '\n' {
			h.sim.InjectKey(tcell.KeyEnter, '\r', tcell.ModNone)
			continue
		}
		h.sim.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	if err := h.sim.PostEvent(tcell.NewEventPaste(false)); err != nil {
		h.tb.Fatal(err)
	}
	// A key that does nothing, to know the loop got past the paste.
	done := make(chan struct{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		h.app.tv.QueueUpdate(func() { close(done) })
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		h.tb.Fatal("paste not handled")
	}
	h.do(func() {})
}

// TestMultiLinePaste pastes three lines into a one-line text answer (refused
// with a message, nothing moves) and into the multiline comments (kept
// whole, newlines included).
func TestMultiLinePaste(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "origin_locality" })
	h.paste("Kati\nQuartier Mali\n30")
	if _, p := h.current(); p == nil || fieldName(p.ID) != "origin_locality" {
		t.Fatalf("the paste moved to another question: %v\n%s", p, h.text())
	}
	if m := h.message(); !strings.Contains(m, "several lines") {
		t.Errorf("message %q does not say why the paste was refused", m)
	}
	h.paste("Kati\n") // one line copied with its end of line
	h.key(tcell.KeyEnter)
	id := h.only(survey.StatusDraft).ID
	if v, _ := valueOf(h.answers(id), "origin_locality"); v != "Kati" {
		t.Errorf("origin_locality = %q, want Kati", v)
	}
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "enumerator_comments" })
	h.paste("Line one\nline two")
	h.key(tcell.KeyEnter)
	if v, _ := valueOf(h.answers(id), "enumerator_comments"); v != "Line one\nline two" {
		t.Errorf("enumerator_comments = %q, want both lines", v)
	}
}

// TestResumeOfferAfterCrash stops the app in the middle of an interview as
// a crash would, and starts it again: home says an interview was
// interrupted and F5 resumes that one, not the last changed.
func TestResumeOfferAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sira.db")
	h := newHarness(t, harnessOpts{path: path, language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "sex" })
	h.stop() // no Esc, no quit
	h2 := newHarness(t, harnessOpts{path: path, language: "English (en)"})
	h2.signIn("awa", "432100")
	h2.mustSee("interrupted")
	h2.key(tcell.KeyF5)
	if _, p := h2.current(); p == nil || fieldName(p.ID) != "sex" {
		t.Fatalf("F5 resumed on %v, want the interrupted interview at sex", p)
	}
	h2.key(tcell.KeyEscape) // a clean close
	if strings.Contains(h2.text(), "interrupted") {
		t.Errorf("still offered after a clean close:\n%s", h2.text())
	}
}
