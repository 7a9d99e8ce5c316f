package tui

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/survey"
)

// valueOf finds the stored answer of the field named name (first match).
func valueOf(got map[string]string, name string) (string, bool) {
	for ref, v := range got {
		if fieldName(ref) == name {
			return v, true
		}
	}
	return "", false
}

func TestFullInterview(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.typ("amadou")
	h.key(tcell.KeyEnter)
	h.typ("123400")
	h.key(tcell.KeyEnter)
	h.mustSee("PIN again")
	h.typ("123400")
	h.key(tcell.KeyEnter)
	h.mustSee("Drafts")
	if m := h.message(); !strings.Contains(m, "PIN is set") {
		t.Errorf("first sign-in message = %q, want the PIN set", m)
	}
	h.key(tcell.KeyEnter) // new interview on the built-in form
	seen := h.drive(nil, nil)
	if got, want := h.screenName(), "review"; got != want {
		t.Fatalf("after the last question: %s, want %s", got, want)
	}
	if len(seen) < 40 {
		t.Errorf("only %d pages shown", len(seen))
	}
	h.mustSee("complete")
	h.key(tcell.KeyF9)
	if m := h.message(); !strings.Contains(m, "F9 again") {
		t.Fatalf("first F9: message %q", m)
	}
	h.key(tcell.KeyF9)
	if got, want := h.screenName(), "home"; got != want {
		t.Fatalf("after finalize: %s, want %s", got, want)
	}
	h.mustSee("Finalized 1")

	sum := h.only(survey.StatusFinalized)
	got := h.answers(sum.ID)
	h.mu.Lock()
	for ref, v := range h.accepted {
		if got[ref] != v {
			t.Errorf("%s: stored %q, the screen accepted %q", ref, got[ref], v)
		}
	}
	n := len(h.accepted)
	h.mu.Unlock()
	if n < 40 {
		t.Errorf("only %d answers accepted", n)
	}
	for name, want := range map[string]string{"consent": "yes", "already_interviewed": "no", "age": "34", "nb_legs": "3"} {
		if v, _ := valueOf(got, name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	iv, err := h.store.Get(h.ctx, sum.ID)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Enumerator != "amadou" || iv.DeviceID == "" || iv.Ended.IsZero() {
		t.Errorf("interview identity: enumerator %q device %q ended %v", iv.Enumerator, iv.DeviceID, iv.Ended)
	}
	// Paradata: each page shown was entered then left (the review leaves
	// the last one), one at a time, and each accepted answer is a change.
	open, enters, leaves, changes, focuses := "", 0, 0, 0, 0
	for _, ev := range iv.Paradata {
		switch ev.Kind {
		case "focus":
			// A question of the field-list page that is open.
			if open == "" || !strings.HasPrefix(ev.Field, open+"/") {
				t.Errorf("focus on %s, but the page entered is %q", ev.Field, open)
			}
			focuses++
		case "enter":
			if open != "" {
				t.Errorf("enter %s while %s is not left", ev.Field, open)
			}
			open = ev.Field
			enters++
		case "leave":
			if ev.Field != open || open == "" {
				t.Errorf("leave %s, but the page entered is %q", ev.Field, open)
			}
			open = ""
			leaves++
		case "change":
			changes++
		}
	}
	if focuses == 0 {
		t.Error("no focus event: Tab through the household field list should record each question")
	}
	if open != "" || enters != leaves || enters < len(seen) || changes < n {
		t.Errorf("paradata: %d enter, %d leave (open %q), %d change; want one enter and one leave per page (%d shown), at least %d changes",
			enters, leaves, open, changes, len(seen), n)
	}
	// What was stored is a complete interview by the engine's own rules.
	e, err := survey.NewEngine(mustForm(t), iv, survey.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if issues := e.ValidateAll(); len(issues) != 0 {
		t.Errorf("stored interview has issues: %v", issues)
	}
	// It is locked: reopening it from the list shows it read-only.
	h.key(tcell.KeyF3)
	h.key(tcell.KeyEnter)
	h.mustSee("read-only")
}

func TestLanguageSwitch(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.mustSee("Hello. I work for the national survey")
	h.key(tcell.KeyEnter)
	h.mustSee("Border post or entry point")
	h.mustSee("· EN")
	h.key(tcell.KeyF2)
	h.mustSee("Poste frontière")
	h.mustSee("· FR")
	h.answerPage(nil) // answered in French, the next page is French too
	h.mustSee("Avez-vous déjà été interrogé")
	h.key(tcell.KeyF2)
	h.mustSee("Have you already been interviewed")
	_, p := h.current()
	iv, err := h.store.Get(h.ctx, strings.TrimSpace(h.only(survey.StatusDraft).ID))
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, ev := range iv.Paradata {
		if ev.Kind == "language" {
			langs = append(langs, ev.Note)
		}
	}
	if got, want := strings.Join(langs, ","), "Français (fr),English (en)"; got != want {
		t.Errorf("language events %q, want %q", got, want)
	}
	if v, _ := valueOf(h.answers(iv.ID), "border_post"); v != "diboli" {
		t.Errorf("answer given in French: border_post = %q", v)
	}
	if !strings.HasSuffix(p.ID, "already_interviewed") {
		t.Errorf("switching language moved the page to %s", p.ID)
	}
}

func TestConstraintBlocks(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)

	// Required: Enter on an unanswered required question does not move.
	h.key(tcell.KeyEnter) // past the introduction
	_, first := h.current()
	h.key(tcell.KeyEnter)
	h.mustSee("An answer is required.")
	if _, p := h.current(); p.ID != first.ID {
		t.Fatalf("moved past an unanswered required question to %s", p.ID)
	}
	if m := h.message(); !strings.Contains(m, "correct the highlighted answer") {
		t.Errorf("message %q", m)
	}

	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "age" })
	_, age := h.current()
	h.typ("5")
	h.key(tcell.KeyEnter)
	h.mustSee("Age must be between 15 and 99.")
	if _, p := h.current(); p.ID != age.ID {
		t.Fatalf("an invalid age moved on to %s", p.ID)
	}
	h.key(tcell.KeyCtrlU)
	h.typ("34")
	h.key(tcell.KeyEnter)
	if _, p := h.current(); p.ID == age.ID {
		t.Fatalf("a valid age did not move on:\n%s", h.text())
	}
	if v, _ := valueOf(h.answers(h.only(survey.StatusDraft).ID), "age"); v != "34" {
		t.Errorf("stored age %q", v)
	}
	// The review lists what is missing and finalizing is refused.
	h.key(tcell.KeyF4)
	h.mustSee("answer(s) missing or invalid")
	h.key(tcell.KeyF9)
	if m := h.message(); !strings.Contains(m, "missing") {
		t.Errorf("F9 with missing answers: %q", m)
	}
	h.key(tcell.KeyF7) // one key to the first missing answer
	if _, p := h.current(); p == nil || p.ID == age.ID {
		t.Fatalf("F7 did not reach a missing answer: %s", h.screenName())
	}
}

func TestRepeatOfThreeLegs(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	var titles []string
	h.drive(nil, func(p *Page) bool {
		if p.Repeat != nil {
			titles = append(titles, p.Title)
		}
		return fieldName(p.ID) == "journey_cost"
	})
	joined := strings.Join(titles, "\n")
	for _, want := range []string{"1/3", "2/3", "3/3"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no leg page titled %s in\n%s", want, joined)
		}
	}
	got := h.answers(h.only(survey.StatusDraft).ID)
	for i := 1; i <= 3; i++ {
		for _, name := range []string{"leg_country", "leg_months", "leg_transport"} {
			ref := "/data/interview/migration/legs[" + string(rune('0'+i)) + "]/" + name
			if got[ref] == "" {
				t.Errorf("%s not stored", ref)
			}
		}
	}
	if _, ok := got["/data/interview/migration/legs[4]/leg_country"]; ok {
		t.Errorf("a fourth leg was stored")
	}
}

// TestFreeRepeatMediaAndCheckboxes drives a repeat without repeat_count
// (add, remove), an image attached by path, and checkboxes.
func TestFreeRepeatMediaAndCheckboxes(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "household.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{form: f, maxAtt: 4096})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.mustSee("Village")
	h.typ("Kati")
	h.key(tcell.KeyEnter)
	h.mustSee("Member: 0 so far")
	h.key(tcell.KeyF5)
	h.mustSee("Name")
	h.typ("Awa")
	h.key(tcell.KeyEnter)
	h.typ("30")
	h.key(tcell.KeyEnter)
	h.mustSee("Member: 1 so far")
	h.key(tcell.KeyF5)
	h.typ("Bakary")
	h.key(tcell.KeyEnter)
	h.typ("200")
	h.key(tcell.KeyEnter)
	h.mustSee("Age is 0 to 119.")
	h.key(tcell.KeyCtrlU)
	h.typ("40")
	h.key(tcell.KeyEnter)
	h.mustSee("Member: 2 so far")
	id := h.only(survey.StatusDraft).ID
	if got := h.answers(id); got["/data/members[2]/member_name"] != "Bakary" || got["/data/members[1]/member_age"] != "30" {
		t.Fatalf("two members not stored: %v", got)
	}
	// Remove the first member: F6 twice.
	for range 6 {
		if _, p := h.current(); p != nil && p.ID == "/data/members[1]/member_name" {
			break
		}
		h.key(tcell.KeyPgUp)
	}
	if _, p := h.current(); p.ID != "/data/members[1]/member_name" {
		t.Fatalf("not on the first member: %s", p.ID)
	}
	h.key(tcell.KeyF6)
	h.mustSee("Press F6 again")
	h.key(tcell.KeyF6)
	got := h.answers(id)
	if got["/data/members[1]/member_name"] != "Bakary" || got["/data/members[2]/member_name"] != "" {
		t.Fatalf("after removing the first member: %v", got)
	}
	// Go on to the photo.
	for range 10 {
		if _, p := h.current(); p.ID == "/data/photo" {
			break
		}
		h.key(tcell.KeyEnter)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.jpg")
	small := filepath.Join(dir, "house.jpg")
	if err := os.WriteFile(big, make([]byte, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(small, []byte("\xff\xd8\xff jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "notes.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.typ(doc) // a document for an image question
	h.key(tcell.KeyEnter)
	h.mustSee("takes a photo or image")
	h.key(tcell.KeyCtrlU)
	h.typ(big)
	h.key(tcell.KeyEnter)
	h.mustSee("too large")
	h.key(tcell.KeyCtrlU)
	h.typ(small)
	h.key(tcell.KeyEnter)
	h.mustSee("Assets")
	h.typ("1")
	h.typ("3")
	h.key(tcell.KeyEnter)
	// An answer the engine refuses is explained under the field.
	h.mustSee("Location")
	h.typ("north")
	h.key(tcell.KeyEnter)
	h.mustSee("Type the latitude and longitude")
	h.key(tcell.KeyCtrlU)
	h.typ("12.65 -8.0")
	h.key(tcell.KeyEnter)
	if got := h.screenName(); got != "review" {
		t.Fatalf("after the last question: %s", got)
	}
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := flatten(iv.Data)
	if got := vals["/data/assets"].v; got != "radio cart" {
		t.Errorf("assets = %q, want radio cart", got)
	}
	if got := vals["/data/gps"].v; !strings.HasPrefix(got, "12.65 -8") {
		t.Errorf("gps = %q", got)
	}
	if len(iv.Attachments) != 1 || iv.Attachments[0].Name != vals["/data/photo"].v || iv.Attachments[0].Size != 8 {
		t.Errorf("attachments %+v, photo answer %q", iv.Attachments, vals["/data/photo"].v)
	}
	h.key(tcell.KeyF9)
	h.key(tcell.KeyF9)
	h.only(survey.StatusFinalized)
}

func TestWrongPIN(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.signIn("awa", "432100")
	h.key(tcell.KeyF10) // quit
	h2 := newHarness(t, harnessOpts{path: h.path})
	h2.typ("awa")
	h2.key(tcell.KeyEnter)
	h2.typ("999900")
	h2.key(tcell.KeyEnter)
	if m := h2.message(); !strings.Contains(m, "wrong PIN") {
		t.Fatalf("message %q", m)
	}
	if got := h2.screenName(); got != "signIn" {
		t.Fatalf("signed in with a wrong PIN: %s", got)
	}
	h2.typ("432100")
	h2.key(tcell.KeyEnter)
	h2.mustSee("Drafts")
}

func TestResumeAndLists(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "sex" })
	_, where := h.current()
	h.key(tcell.KeyEscape)
	h.mustSee("Drafts 1")

	// A rejected interview from the supervisor.
	f := mustForm(t)
	rej, err := survey.Simulate(f, rand.New(rand.NewPCG(1, 2)), survey.SimOptions{Enumerator: "awa",
		Answers: map[string]string{"consent": "yes", "already_interviewed": "no"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Insert(h.ctx, []*survey.Interview{rej}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Reject(h.ctx, rej.ID, "The age does not match the document.", rej.Revision, ""); err != nil {
		t.Fatal(err)
	}
	h.key(tcell.KeyF10)

	h2 := newHarness(t, harnessOpts{path: h.path, language: "English (en)"})
	h2.signIn("awa", "432100")
	h2.mustSee("Rejected 1")
	h2.key(tcell.KeyF5) // the last draft, from home
	if _, p := h2.current(); p == nil || p.ID != where.ID {
		t.Fatalf("F5 resumed on %v, want %s", p, where.ID)
	}
	h2.key(tcell.KeyEscape)
	h2.key(tcell.KeyF2)
	h2.key(tcell.KeyEnter)
	if _, p := h2.current(); p == nil || p.ID != where.ID {
		t.Fatalf("resumed on %v, want %s", p, where.ID)
	}
	h2.key(tcell.KeyEscape)
	h2.key(tcell.KeyEscape) // the drafts list, then home
	h2.key(tcell.KeyF4)
	h2.mustSee("Supervisor: The age does not match the document.")
	h2.key(tcell.KeyEnter)
	if got := h2.screenName(); got != "interview" {
		t.Fatalf("reopening a rejected interview shows %s", got)
	}
	iv, err := h2.store.Get(h2.ctx, rej.ID)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Status != survey.StatusDraft || iv.Revision != rej.Revision+1 {
		t.Errorf("reopened: status %s revision %d", iv.Status, iv.Revision)
	}
}

func TestResizeAndHelp(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	for _, size := range [][2]int{{80, 24}, {40, 12}, {132, 43}, {80, 24}} {
		h.sim.SetSize(size[0], size[1])
		h.do(func() { h.app.tv.Sync() })
		lines := strings.Split(strings.TrimRight(h.text(), "\n"), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		if last := lines[len(lines)-1]; !strings.Contains(last, "Enter Next") {
			t.Errorf("%dx%d: help bar %q", size[0], size[1], last)
		}
	}
	h.mustSee("F2 FR")
	h.key(tcell.KeyF1)
	h.mustSee("jump to any question")
	h.key(tcell.KeyEscape)
	if got := h.screenName(); got != "interview" {
		t.Fatalf("after help: %s", got)
	}
	h.key(tcell.KeyF3)
	h.mustSee("Jump to a question")
	h.key(tcell.KeyEscape)

	// The index jumps back to an earlier page.
	_, intro := h.current()
	h.answerPage(nil)
	h.answerPage(nil)
	h.key(tcell.KeyF3)
	h.key(tcell.KeyHome)
	h.key(tcell.KeyEnter)
	if _, p := h.current(); p == nil || p.ID != intro.ID {
		t.Fatalf("index jump to the first page: %v", p)
	}
	// The review switches language too.
	h.key(tcell.KeyF4)
	h.mustSee("Border post or entry point")
	h.key(tcell.KeyF2)
	h.mustSee("Poste frontière")
}

// TestEventLoop sends keys the way a terminal does, through the screen's
// event queue and tview's loop, and waits for the screen to show the result.
func TestEventLoop(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(h.text(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q:\n%s", s, h.text())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, r := range "moussa" {
		h.sim.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	h.sim.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	for range 2 { // a first PIN is typed twice
		for _, r := range "258000" {
			h.sim.InjectKey(tcell.KeyRune, r, tcell.ModNone)
		}
		h.sim.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	}
	waitFor("Drafts 0")
	h.sim.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	waitFor("Hello. I work for")
	h.sim.InjectKey(tcell.KeyCtrlN, 'n', tcell.ModCtrl) // Ctrl-N: next
	waitFor("Border post or entry point")
	h.sim.InjectKey(tcell.KeyRune, '2', tcell.ModNone)
	h.sim.InjectKey(tcell.KeyPgDn, 0, tcell.ModNone)
	waitFor("Have you already been interviewed")
	if v, _ := valueOf(h.answers(h.only(survey.StatusDraft).ID), "border_post"); v != "diboli" {
		t.Errorf("border_post = %q", v)
	}
	h.sim.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl) // asks
	h.sim.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl) // quits
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		h.done <- err // for the harness's cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C did not stop the app")
	}
}

// TestFrenchScreens runs the app's own texts in French, as sira collect
// does on the built-in form's default language.
func TestFrenchScreens(t *testing.T) {
	h := newHarness(t, harnessOpts{uiLang: "Français (fr)"})
	h.mustSee("Identifiant")
	h.typ("awa")
	h.key(tcell.KeyEnter)
	h.typ("432100")
	h.key(tcell.KeyEnter)
	h.typ("432100")
	h.key(tcell.KeyEnter)
	h.mustSee("Brouillons 0")
	h.mustSee("Enter Nouveau")
	if m := h.message(); !strings.Contains(m, "Bienvenue awa") {
		t.Errorf("message %q", m)
	}
	h.key(tcell.KeyEnter)
	h.mustSee("Bonjour. Je travaille pour")
	h.mustSee("Enter Suite")
	h.key(tcell.KeyEnter)
	h.key(tcell.KeyEnter) // unanswered
	h.mustSee("Réponse obligatoire.")
	if m := h.message(); !strings.Contains(m, "corrigez la réponse") {
		t.Errorf("message %q", m)
	}
	h.key(tcell.KeyEscape)
	h.mustSee("Brouillons 1")
	h.key(tcell.KeyF2)
	h.mustSee("Enquêteur")
}
