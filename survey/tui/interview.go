package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"sira/forms"
	"sira/survey"
)

// interview shows one page of a draft at a time: a question, a field-list
// group, or a prompt to add a repeat instance. Answers are saved when the
// enumerator leaves a field (Tab, Enter, PgUp/PgDn, F-keys): the engine
// checks them and the store writes them before the next page is drawn.
type interview struct {
	a       *App
	s       Session
	pages   []Page
	cur     int
	layout  *tview.Flex
	fields  []*fieldView
	focused int
	prompt  *tview.TextView // the add-repeat prompt or an empty form's notice
	// confirm holds the action waiting for its key to be pressed again
	// (removing a repeat instance).
	confirm string
	// changed is set when a commit stored a new answer: the page is drawn
	// again from the engine.
	changed bool
}

// fieldView is one field's widgets on the current page.
type fieldView struct {
	f     Field
	input tview.Primitive // nil for notes and read-only fields
	get   func() string
	put   func(string)
	saved string
	msg   *tview.TextView
}

func newInterview(a *App, s Session) *interview {
	iv := &interview{a: a, s: s, layout: tview.NewFlex().SetDirection(tview.FlexRow)}
	iv.layout.SetBorderPadding(0, 0, 1, 1)
	iv.pages = s.Pages()
	iv.render(iv.resumeAt())
	if s.Editable() {
		a.markOpen(s.ID())
	}
	return iv
}

// resumeAt is the page a session opens on: the first for a new interview,
// else where the enumerator last was, else (that page is no longer asked)
// the first page with a missing answer.
func (iv *interview) resumeAt() int {
	pos := iv.s.Position()
	if pos == "" {
		return 0 // a new interview
	}
	if i := iv.indexOf(pos); i >= 0 {
		return i
	}
	missing := map[string]bool{}
	for _, ref := range iv.s.Missing() {
		missing[ref] = true
	}
	for i, p := range iv.pages {
		for _, f := range p.Fields {
			if missing[f.Ref] {
				return i
			}
		}
	}
	return 0
}

func (iv *interview) root() tview.Primitive { return iv.layout }

// lang is the interview's language, which the app's own texts follow.
func (iv *interview) lang() string { return iv.s.Language() }

// resized lays the page out again for the new screen size.
func (iv *interview) resized() { iv.relayout() }
func (iv *interview) focus() tview.Primitive {
	if iv.focused < len(iv.fields) && iv.fields[iv.focused].input != nil {
		return iv.fields[iv.focused].input
	}
	return iv.layout
}

func (iv *interview) title() string {
	answered, required := iv.s.Progress()
	pct := 100
	if required > 0 {
		pct = answered * 100 / required
	}
	// Progress and language first: the title is what gets cut on a
	// narrow screen.
	// The question's number in the form first (the skip logic never
	// changes it), then its place among the pages that apply now.
	num := ""
	if p := iv.page(); p != nil && p.Number > 0 {
		num = fmt.Sprintf("Q%d · ", p.Number)
	}
	t := fmt.Sprintf("%s%d/%d · %d%% %s · %s", num, iv.cur+1, len(iv.pages), pct, iv.a.tr("required", "obligatoires"), langCode(iv.s.Language()))
	module := iv.s.Title()
	if p := iv.page(); p != nil && p.Title != "" {
		module = p.Title
	}
	// The module's innermost part is what matters: cut from the left to
	// what the header has room for (80 columns less the enumerator's id).
	width := iv.a.width
	if width == 0 {
		width = 80
	}
	room := width - 2 - len([]rune(t)) - 3 - len([]rune(iv.a.user)) - 5
	return t + " · " + tview.Escape(fitTail(module, room))
}

// fitTail cuts s from the left to at most n runes, marking the cut.
func fitTail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 2 {
		return ""
	}
	return "…" + string(r[len(r)-n+1:])
}

// langCode turns "Français (fr)" into "FR".
func langCode(lang string) string {
	if i, j := strings.LastIndexByte(lang, '('), strings.LastIndexByte(lang, ')'); i >= 0 && j > i {
		return strings.ToUpper(lang[i+1 : j])
	}
	if lang == "" {
		return "--"
	}
	r := []rune(lang)
	return strings.ToUpper(string(r[:min(2, len(r))]))
}

func (iv *interview) page() *Page {
	if iv.cur < 0 || iv.cur >= len(iv.pages) {
		return nil
	}
	return &iv.pages[iv.cur]
}

func (iv *interview) indexOf(id string) int {
	for i, p := range iv.pages {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func (iv *interview) bindings() []binding {
	bs := []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: iv.a.tr("Next", "Suite"), desc: "save the answer and go to the next field, or the next question", action: iv.next},
		{keys: []key{k(tcell.KeyPgDn), k(tcell.KeyCtrlN)}, desc: "save the page and go to the next question", action: iv.nextPage},
		{keys: []key{k(tcell.KeyPgUp), k(tcell.KeyCtrlP)}, label: iv.a.tr("Back", "Préc."), desc: "go to the previous question", action: iv.prev},
		{keys: []key{k(tcell.KeyTab)}, label: iv.fieldLabel(), desc: "next field of a group", action: func() error { return iv.moveFocus(1) }},
		{keys: []key{k(tcell.KeyBacktab)}, desc: "previous field of a group", action: func() error { return iv.moveFocus(-1) }},
		{keys: []key{k(tcell.KeyF2), k(tcell.KeyCtrlL)}, label: iv.a.tr("FR", "EN"), desc: "switch the language (FR/EN)", action: iv.switchLanguage},
		{keys: []key{k(tcell.KeyF3), k(tcell.KeyCtrlG)}, label: "Index", desc: "jump to any question", action: iv.index},
		{keys: []key{k(tcell.KeyF4), k(tcell.KeyCtrlR)}, label: iv.a.tr("Review", "Revue"), desc: "review every answer and finalize", action: iv.review},
	}
	if p := iv.page(); p != nil && p.Repeat != nil && !p.Repeat.Fixed {
		bs = append(bs, binding{keys: []key{k(tcell.KeyF5)}, label: iv.a.tr("Add", "Ajout"), desc: "add an instance of the repeat", action: iv.addRepeat})
		if p.Repeat.Instance != "" {
			bs = append(bs, binding{keys: []key{k(tcell.KeyF6)}, label: iv.a.tr("Del", "Suppr"), desc: "remove this instance of the repeat (press twice)", action: iv.removeRepeat})
		}
	}
	bs = append(bs, binding{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF10)}, label: iv.a.tr("Home", "Accueil"), desc: "save and go back home (the draft can be resumed)", action: iv.home})
	if iv.s.Editable() && iv.focused < len(iv.fields) {
		bs = append(bs, binding{keys: []key{k(tcell.KeyF8)}, label: iv.a.tr("Note", "Note"), desc: "write a note on this question, kept with the interview", action: iv.editNote})
	}
	return bs
}

// fieldLabel names Tab in the help bar on pages with several fields, where
// it is the way from one to the next; elsewhere Tab does nothing to show.
func (iv *interview) fieldLabel() string {
	if len(iv.fields) < 2 {
		return ""
	}
	return iv.a.tr("Field", "Champ")
}

// render draws page i and records it as the resume position.
func (iv *interview) render(i int) {
	iv.cur = min(max(i, 0), max(len(iv.pages)-1, 0))
	iv.confirm = ""
	iv.fields = nil
	iv.focused = 0
	iv.prompt = nil
	p := iv.page()
	switch {
	case p == nil:
		iv.prompt = tview.NewTextView().SetText(iv.a.tr("This form has no question to show.", "Ce formulaire n'a aucune question à afficher."))
	case len(p.Fields) == 0 && p.Repeat != nil:
		txt := fmt.Sprintf(iv.a.tr("\n%s: %d so far.\n\nPress F5 to add one, Enter to go on.", "\n%s : %d pour l'instant.\n\nF5 en ajoute un, Entrée continue."), tview.Escape(p.Repeat.Label), p.Repeat.Count)
		iv.prompt = tview.NewTextView().SetDynamicColors(true).SetText(txt)
	}
	if p != nil {
		for _, f := range p.Fields {
			iv.fields = append(iv.fields, iv.newField(f))
		}
	}
	for j, fv := range iv.fields {
		if fv.input != nil {
			iv.focused = j
			break
		}
	}
	iv.showMessages(nil)
	iv.relayout()
	iv.a.tv.SetFocus(iv.focus())
	if p == nil {
		return
	}
	if iv.a.opts.OnPage != nil {
		iv.a.opts.OnPage(p.ID, false)
	}
	if iv.s.Editable() {
		if err := iv.s.SetPosition(iv.a.ctx, p.ID); err != nil {
			iv.a.fail(err)
		}
	}
	if iv.a.opts.OnPage != nil {
		iv.a.opts.OnPage(p.ID, true)
	}
}

// showMessages sets the line under each field from the engine: an edit
// that was refused keeps its text and message; a stored answer that is
// invalid (a constraint, a choice no longer offered after its parent
// changed) says so, also after a resume; an empty required field is
// marked only if it was already (shown, by ref).
func (iv *interview) showMessages(shown map[string]bool) {
	for _, fv := range iv.fields {
		switch pe, ok := iv.a.edit(iv.s.ID(), fv.f.Ref); {
		case ok:
			fv.msg.SetText(warning(pe.msg))
		case fv.saved != "" || shown[fv.f.Ref]:
			if m := iv.s.Check(fv.f.Ref); m != "" {
				fv.msg.SetText(warning(m))
			} else {
				fv.msg.SetText(iv.spelled(fv))
			}
		}
	}
}

// warning renders a problem: a mark (not colour alone) and the text in red.
func warning(m string) string { return "[red]⚠ " + tview.Escape(m) + "[-]" }

// refreshPage redraws the current page from the engine after an answer
// changed: values reset by a trigger, a cascade's choices, calculated
// read-only fields, labels with ${} and fields that came or went. The
// focused field keeps the keyboard (and a list its cursor); edits that
// were refused keep their text.
func (iv *interview) refreshPage() {
	old := iv.page()
	if old == nil {
		return
	}
	focusRef := ""
	if iv.focused < len(iv.fields) {
		focusRef = iv.fields[iv.focused].f.Ref
	}
	before := map[string]*fieldView{}
	shown := map[string]bool{}
	for _, fv := range iv.fields {
		before[fv.f.Ref] = fv
		shown[fv.f.Ref] = fv.msg.GetText(true) != ""
	}
	i := iv.reloadPages()
	if i < 0 || iv.pages[i].ID != old.ID {
		iv.render(i)
		return
	}
	iv.cur = i
	iv.fields = nil
	iv.focused = -1
	for _, f := range iv.pages[i].Fields {
		fv := iv.newField(f)
		if ob := before[f.Ref]; ob != nil {
			if nb, ok := fv.input.(*choiceBox); ok {
				if obx, ok := ob.input.(*choiceBox); ok {
					nb.cursor, nb.offset = min(obx.cursor, max(len(nb.choices)-1, 0)), obx.offset
				}
			}
		}
		if f.Ref == focusRef && fv.input != nil {
			iv.focused = len(iv.fields)
		}
		iv.fields = append(iv.fields, fv)
	}
	if iv.focused < 0 {
		iv.focused = 0
		for j, fv := range iv.fields {
			if fv.input != nil {
				iv.focused = j
				break
			}
		}
	}
	iv.showMessages(shown)
	iv.relayout()
	iv.a.tv.SetFocus(iv.focus())
}

// block is the rows a field takes: label, hint, widget, message.
func (iv *interview) block(fv *fieldView, width int) (label, hint, widget int) {
	label = textHeight(fv.f.Label+"* ", width)
	if fv.f.Hint != "" {
		hint = textHeight(fv.f.Hint, width)
	}
	switch in := fv.input.(type) {
	case *choiceBox:
		widget = max(len(in.choices), 1)
		if in.longList() {
			widget++ // what is below, or the filter
		}
	case *tview.TextArea:
		widget = 3
	case nil:
		if fv.f.ReadOnly && fv.f.Value != "" {
			widget = 1
		}
	default:
		widget = 1
	}
	return label, hint, widget
}

// relayout places the page's fields in the body. When they do not all fit
// (a field-list group of long lists at 80×24, a list of countries) it
// shows a window of fields around the focused one, with the focused
// field's list cut to what is left (it scrolls), and marks what is hidden.
func (iv *interview) relayout() {
	iv.layout.Clear()
	if iv.prompt != nil {
		iv.layout.AddItem(iv.prompt, 0, 1, false)
		return
	}
	width, height := iv.a.bodySize()
	width -= 2 // padding
	if c := iv.s.Comment(); c != "" && iv.s.Editable() {
		// A rejected interview: the supervisor's comment stays in sight on
		// every page while it is corrected, with the comments on this
		// page's questions below it.
		text := iv.a.tr("⚑ Supervisor: ", "⚑ Superviseur : ") + c
		limit := 3
		for _, fv := range iv.fields {
			if qc := iv.s.QuestionComment(fv.f.Ref); qc != "" {
				text += "\n⚑ " + fv.f.Label + " — " + qc
				limit += 2
			}
		}
		rows := min(textHeight(text, width), limit)
		iv.layout.AddItem(tview.NewTextView().SetWordWrap(true).SetDynamicColors(true).
			SetText("[black:yellow]"+tview.Escape(text)+"[-:-]"), rows, 0, false)
		height -= rows
	}
	n := len(iv.fields)
	need := make([]int, n)
	for j, fv := range iv.fields {
		l, h, w := iv.block(fv, width)
		need[j] = l + h + w + iv.msgRows(fv, width) + iv.noteRows(fv, width)
	}
	total := 0
	for _, x := range need {
		total += x
	}
	first, last := 0, n-1
	if total > height && n > 0 {
		// The focused field first, at least a few rows of its list; then
		// earlier fields while they fit, then later ones.
		f := min(iv.focused, n-1)
		l, h, _ := iv.block(iv.fields[f], width)
		used := min(need[f], max(height-2, l+h+1+3))
		first, last = f, f
		for first > 0 && used+need[first-1] <= height-2 {
			first--
			used += need[first]
		}
		for last < n-1 && used+need[last+1] <= height-2 {
			last++
			used += need[last]
		}
	}
	more := func(text string) {
		iv.layout.AddItem(tview.NewTextView().SetDynamicColors(true).SetText("[::d]"+text+"[::-]"), 1, 0, false)
	}
	if first > 0 {
		more(fmt.Sprintf(iv.a.tr("↑ %d more question(s) above (S-Tab)", "↑ %d autre(s) question(s) au-dessus (Maj-Tab)"), first))
	}
	for j := first; j <= last; j++ {
		fv := iv.fields[j]
		l, h, w := iv.block(fv, width)
		req := ""
		if fv.f.Required {
			req = "[red]*[-] "
		}
		iv.layout.AddItem(tview.NewTextView().SetDynamicColors(true).SetWordWrap(true).SetText(req+"[::b]"+tview.Escape(fv.f.Label)+"[::-]"), l, 0, false)
		if h > 0 {
			iv.layout.AddItem(tview.NewTextView().SetDynamicColors(true).SetWordWrap(true).SetText("[::d]"+tview.Escape(fv.f.Hint)+"[::-]"), h, 0, false)
		}
		switch in := fv.input.(type) {
		case *choiceBox:
			// Fixed at its length when it fits; else it takes what is left
			// and scrolls.
			if total <= height || j != iv.focused {
				iv.layout.AddItem(in, w, 0, false)
			} else {
				iv.layout.AddItem(in, 0, 1, false)
			}
		case nil:
			if w > 0 {
				iv.layout.AddItem(tview.NewTextView().SetText(fv.f.display()), 1, 0, false)
			}
		default:
			iv.layout.AddItem(in, w, 0, false)
		}
		iv.layout.AddItem(fv.msg, iv.msgRows(fv, width), 0, false)
		if rows := iv.noteRows(fv, width); rows > 0 {
			iv.layout.AddItem(tview.NewTextView().SetDynamicColors(true).SetWordWrap(true).
				SetText("[::i]"+tview.Escape("✎ "+iv.s.Note(fv.f.Ref))+"[::-]"), rows, 0, false)
		}
	}
	if last < n-1 {
		more(fmt.Sprintf(iv.a.tr("↓ %d more question(s) below (Tab)", "↓ %d autre(s) question(s) en dessous (Tab)"), n-1-last))
	}
	if total <= height {
		iv.layout.AddItem(nil, 0, 1, false)
	}
}

// noteRows is the rows the enumerator's note on the field takes (at most
// three), 0 without one.
func (iv *interview) noteRows(fv *fieldView, width int) int {
	note := iv.s.Note(fv.f.Ref)
	if note == "" {
		return 0
	}
	return min(textHeight("✎ "+note, width), 3)
}

// msgRows is the rows the field's message takes, at least one.
func (iv *interview) msgRows(fv *fieldView, width int) int {
	return max(1, textHeight(fv.msg.GetText(true), width))
}

// textHeight estimates the lines s takes wrapped at width.
// textHeight is the rows s takes in a TextView of width, which wraps at word
// boundaries: counting runes alone would cut the last words of long notes.
func textHeight(s string, width int) int {
	if width < 1 {
		width = 1
	}
	n := 0
	for _, line := range strings.Split(s, "\n") {
		n += max(1, len(tview.WordWrap(line, width)))
	}
	return n
}

func isMedia(t forms.Type) bool {
	return t == forms.TypeImage || t == forms.TypeAudio || t == forms.TypeVideo || t == forms.TypeFile
}

// newField builds the widget the field's type calls for.
func (iv *interview) newField(f Field) *fieldView {
	fv := &fieldView{f: f, saved: f.Value, msg: tview.NewTextView().SetDynamicColors(true).SetWordWrap(true)}
	if f.ReadOnly || !iv.s.Editable() || f.Type == forms.TypeNote {
		return fv
	}
	if pe, ok := iv.a.edit(iv.s.ID(), f.Ref); ok {
		f.Value = pe.text // what was typed and refused, shown again
	}
	input := func(placeholder string, accept func(string, rune) bool) {
		text := f.Value
		if _, pending := iv.a.edit(iv.s.ID(), f.Ref); !pending {
			text = displayEntry(f.Type, f.Value)
		}
		in := tview.NewInputField().SetText(text).SetPlaceholder(placeholder).SetAcceptanceFunc(accept)
		in.SetFieldBackgroundColor(iv.a.theme.field).SetFieldTextColor(iv.a.theme.tv.PrimaryTextColor).SetPlaceholderTextColor(tcell.ColorGray)
		fv.input, fv.get, fv.put = in, in.GetText, func(v string) { in.SetText(displayEntry(f.Type, v)) }
	}
	// Numbers and dates take every key and are checked when the field is
	// left, with a message: a key silently dropped is a wrong answer.
	entry := func(t string, _ rune) bool { return len(t) <= maxEntry }
	choices := func(cs []Choice, multi bool) {
		cb := newChoiceBox(cs, multi, f.Value)
		cb.changed = func() { iv.chose(fv) }
		fv.input, fv.get, fv.put = cb, cb.value, cb.setValue
	}
	switch f.Type {
	case forms.TypeSelectOne, forms.TypeSelectFile:
		choices(f.Choices, false)
	case forms.TypeSelectMulti, forms.TypeSelectMultiFile:
		choices(f.Choices, true)
	case forms.TypeRank:
		cb := newRankBox(f.Choices, f.Value)
		cb.changed = func() { iv.chose(fv) }
		fv.input, fv.get, fv.put = cb, cb.value, cb.setValue
	case forms.TypeAcknowledge:
		choices([]Choice{{Name: "OK", Label: "OK"}}, false)
	case forms.TypeInteger:
		input(iv.a.tr("whole number", "nombre entier"), entry)
	case forms.TypeDecimal, forms.TypeRange:
		input(iv.a.tr("number, e.g. 2,5", "nombre, par ex. 2,5"), entry)
	case forms.TypeDate:
		input(iv.a.tr("DD/MM/YYYY", "JJ/MM/AAAA"), entry)
	case forms.TypeTime:
		input("HH:MM", func(t string, c rune) bool { return len(t) <= 5 && (c == ':' || c >= '0' && c <= '9') })
	case forms.TypeGeopoint:
		input(iv.a.tr("latitude longitude", "latitude longitude"), nil)
	case forms.TypeImage, forms.TypeAudio, forms.TypeVideo, forms.TypeFile:
		ph := iv.a.tr("path of the file to attach", "chemin du fichier à joindre")
		if f.Value != "" {
			ph = iv.a.tr("attached: ", "joint : ") + f.Value
		}
		input(ph, nil)
	case forms.TypeText:
		if strings.Contains(f.Appearance, "multiline") {
			// Three wrapped lines for comments; Enter still goes on.
			ta := tview.NewTextArea().SetText(f.Value, true).SetWrap(true)
			ta.SetBackgroundColor(iv.a.theme.field)
			fv.input, fv.get, fv.put = ta, ta.GetText, func(v string) { ta.SetText(v, true) }
			break
		}
		input("", nil)
	default:
		input("", nil)
	}
	return fv
}

// commit saves the field's answer if it changed and shows the engine's
// message under it. It reports whether the answer is acceptable.
func (iv *interview) commit(fv *fieldView) (bool, error) {
	if fv.input == nil || !iv.s.Editable() {
		return iv.check(fv), nil
	}
	typed := fv.get()
	v := typed
	if fv.f.Type != forms.TypeText {
		v = strings.TrimSpace(v)
	}
	v, code := normalizeEntry(fv.f.Type, v, time.Now())
	if code != "" {
		iv.refuse(fv, typed, valueMessage(code, iv.s.Language()))
		return false, nil
	}
	if v == fv.saved {
		iv.a.forget(iv.s.ID(), fv.f.Ref)
		return iv.check(fv), nil
	}
	switch {
	case isMedia(fv.f.Type) && v != "" && v != fv.saved:
		name, err := iv.s.Attach(iv.a.ctx, fv.f.Ref, v)
		if err != nil {
			// The usual causes in words the enumerator can act on; the
			// error itself for the rest.
			m := firstLine(err.Error())
			switch {
			case errors.Is(err, fs.ErrNotExist):
				m = iv.a.tr("No file at this path: ", "Aucun fichier à cet emplacement : ") + v
			case errors.Is(err, fs.ErrPermission):
				m = iv.a.tr("This file cannot be read: ", "Ce fichier ne peut pas être lu : ") + v
			}
			var wf *WrongFileError
			if errors.As(err, &wf) {
				kinds := map[forms.Type][2]string{forms.TypeImage: {"a photo or image", "une photo ou image"},
					forms.TypeAudio: {"a sound recording", "un enregistrement sonore"}, forms.TypeVideo: {"a video", "une vidéo"}}
				k := kinds[wf.Want]
				m = fmt.Sprintf(iv.a.tr("This question takes %s: %s is not one.", "Cette question prend %s : %s n'en est pas."), iv.a.tr(k[0], k[1]), v)
			}
			iv.refuse(fv, v, m)
			return false, nil
		}
		fv.put(name)
		v = name
		fv.saved = name // Attach records the answer itself.
		iv.accepted(fv.f.Ref, name)
	}
	if v != fv.saved {
		set := iv.s.Set
		if iv.confirm == "drop "+fv.f.Ref+"="+v {
			set = iv.s.SetDropping
		}
		if err := set(iv.a.ctx, fv.f.Ref, v); err != nil {
			var ve *survey.ValueError
			var de *DropError
			if errors.As(err, &de) {
				// Lowering a repeat count would lose answers: the old
				// answer stays until the enumerator confirms.
				iv.confirm = "drop " + fv.f.Ref + "=" + v
				iv.refuse(fv, v, fmt.Sprintf(iv.a.tr(
					"This removes %s and their answers. Press Enter again to confirm, or restore %s.",
					"Cela supprime %s et leurs réponses. Entrée encore pour confirmer, ou remettez %s."),
					strings.Join(de.Instances, ", "), quoted(fv.saved)))
				return false, nil
			}
			if errors.As(err, &ve) {
				iv.refuse(fv, typed, valueMessage(ve.Code, iv.s.Language()))
				return false, nil
			}
			return false, fmt.Errorf("save %s: %w", fv.f.Ref, err)
		}
		// Show and remember the answer as stored, normalised by the engine.
		if stored := iv.s.Value(fv.f.Ref); stored != v {
			fv.put(stored)
			v = stored
		}
		fv.saved = v
		iv.changed = true
		iv.accepted(fv.f.Ref, v)
	}
	iv.a.forget(iv.s.ID(), fv.f.Ref)
	return iv.check(fv), nil
}

// refuse keeps an edit the engine refused, with its message, until the
// enumerator corrects it: leaving the field or the page does not drop
// what was typed.
func (iv *interview) refuse(fv *fieldView, typed, msg string) {
	iv.a.keepEdit(iv.s.ID(), fv.f.Ref, pendingEdit{text: typed, msg: msg})
	iv.warn(fv, msg)
}

// chose commits a choice at once, so that the page shows its effects
// (cascades, triggers, relevance) before the next key.
func (iv *interview) chose(fv *fieldView) {
	if !iv.s.Editable() {
		return
	}
	ok, err := iv.commit(fv)
	if err != nil {
		iv.a.fail(err)
		return
	}
	if cb, isBox := fv.input.(*choiceBox); isBox && ok && cb.byKey && !cb.multi && cb.order == nil && iv.a.autoAdvance() {
		// One key answered the question: go on, as Enter would, to the
		// next field of the page or to the next page.
		if iv.changed {
			iv.changed = false
			iv.refreshPage()
		}
		if err := iv.next(); err != nil {
			iv.a.fail(err)
		}
		return
	}
	if iv.changed {
		iv.changed = false
		iv.refreshPage()
	}
}

// inputs counts the fields of the page that take an answer.
func (iv *interview) inputs() int {
	n := 0
	for _, fv := range iv.fields {
		if fv.input != nil {
			n++
		}
	}
	return n
}

// unsaved names the fields of the page whose edit was refused, for the
// message shown when the enumerator leaves it anyway.
func (iv *interview) unsaved() string {
	var labels []string
	for _, fv := range iv.fields {
		if _, ok := iv.a.edit(iv.s.ID(), fv.f.Ref); ok {
			labels = append(labels, "«"+fv.f.Label+"»")
		}
	}
	if len(labels) == 0 {
		return ""
	}
	return fmt.Sprintf(iv.a.tr("Not saved, not valid: %s. What you typed is kept, marked, on its page.",
		"Non enregistré, non valide : %s. Ce que vous avez tapé reste, signalé, sur sa page."), strings.Join(labels, ", "))
}

func (iv *interview) accepted(ref, v string) {
	if iv.a.opts.OnAccept != nil {
		iv.a.opts.OnAccept(ref, v)
	}
}

func (iv *interview) check(fv *fieldView) bool {
	if pe, ok := iv.a.edit(iv.s.ID(), fv.f.Ref); ok {
		iv.warn(fv, pe.msg)
		return false
	}
	m := iv.s.Check(fv.f.Ref)
	if m == "" {
		iv.say(fv, iv.spelled(fv))
		return true
	}
	iv.warn(fv, m)
	return false
}

// spelled is the line under a valid date: the date in words, so that
// 05/12 is not read as May 12.
func (iv *interview) spelled(fv *fieldView) string {
	if fv.f.Type != forms.TypeDate || fv.saved == "" {
		return ""
	}
	return "[::d]= " + tview.Escape(spellDate(fv.saved, langCode(iv.s.Language()) == "FR")) + "[::-]"
}

// warn shows a problem under the field: a mark and the text, in red.
func (iv *interview) warn(fv *fieldView, m string) { iv.say(fv, warning(m)) }

// say sets the line under a field, laying the page out again when the
// message needs another number of rows.
func (iv *interview) say(fv *fieldView, tagged string) {
	width, _ := iv.a.bodySize()
	before := iv.msgRows(fv, width-2)
	fv.msg.SetText(tagged)
	if iv.msgRows(fv, width-2) != before {
		iv.relayout()
	}
}

// commitAll commits every field of the page; it reports whether all are
// acceptable.
func (iv *interview) commitAll() (bool, error) {
	ok := true
	for _, fv := range iv.fields {
		good, err := iv.commit(fv)
		if err != nil {
			return false, err
		}
		ok = ok && good
	}
	return ok, nil
}

// reload refreshes the page list after answers changed and returns the
// index of the current page in it.
func (iv *interview) reloadPages() int {
	id := ""
	if p := iv.page(); p != nil {
		id = p.ID
	}
	iv.pages = iv.s.Pages()
	if i := iv.indexOf(id); i >= 0 {
		return i
	}
	return min(iv.cur, len(iv.pages)-1)
}

// next answers Enter: on a page of several fields it goes to the next field
// first, then to the next page from the last one.
func (iv *interview) next() error {
	// Enter on a list whose cursor was moved with the arrows chooses.
	if iv.focused < len(iv.fields) {
		if cb, ok := iv.fields[iv.focused].input.(*choiceBox); ok && cb.chooseCursor() {
			if p := iv.page(); p == nil || iv.focused >= len(iv.fields) {
				return nil
			}
		}
	}
	if later := iv.nextInput(); later >= 0 {
		fv := iv.fields[iv.focused]
		ok, err := iv.commit(fv)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New(iv.a.tr("correct the highlighted answer before going on", "corrigez la réponse signalée avant de continuer"))
		}
		return iv.moveFocus(1)
	}
	return iv.nextPage()
}

// nextInput is the index of the next field after the focused one that takes
// input, or -1.
func (iv *interview) nextInput() int {
	for j := iv.focused + 1; j < len(iv.fields); j++ {
		if iv.fields[j].input != nil {
			return j
		}
	}
	return -1
}

// nextPage saves the page and goes to the next one (PgDn).
func (iv *interview) nextPage() error {
	ok, err := iv.commitAll()
	if err != nil {
		return err
	}
	if !ok {
		// On a long field list the refused answer may be out of sight:
		// bring the first one into view and give it the keyboard.
		for j, fv := range iv.fields {
			if fv.input != nil && fv.msg.GetText(true) != "" {
				iv.focused = j
				iv.relayout()
				iv.a.tv.SetFocus(iv.focus())
				break
			}
		}
		return errors.New(iv.a.tr("correct the highlighted answer before going on", "corrigez la réponse signalée avant de continuer"))
	}
	i := iv.reloadPages()
	if i+1 >= len(iv.pages) {
		return iv.review()
	}
	iv.render(i + 1)
	return nil
}

func (iv *interview) prev() error {
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	note := iv.unsaved()
	i := iv.reloadPages()
	if i == 0 {
		iv.render(0)
		return errors.New(iv.a.tr("this is the first question", "c'est la première question"))
	}
	iv.render(i - 1)
	return iv.noteUnsaved(note)
}

// noteUnsaved reports, as an error for the message bar, the refused edits
// left behind on the page just left.
func (iv *interview) noteUnsaved(note string) error {
	if note == "" {
		return nil
	}
	return errors.New(note)
}

// moveFocus commits the focused field and moves to the next or previous
// field of a field-list page.
func (iv *interview) moveFocus(d int) error {
	if len(iv.fields) == 0 {
		return nil
	}
	if _, err := iv.commit(iv.fields[iv.focused]); err != nil {
		return err
	}
	// A change may have made fields of this page relevant or not, reset
	// others (trigger), changed choices (cascade) or calculations.
	if iv.changed {
		iv.changed = false
		id := iv.page().ID
		iv.refreshPage()
		if p := iv.page(); p == nil || p.ID != id || len(iv.fields) == 0 {
			return nil
		}
	}
	n := len(iv.fields)
	from := iv.focused
	for step := 1; step <= n; step++ {
		j := ((iv.focused+d*step)%n + n) % n
		if iv.fields[j].input != nil {
			iv.focused = j
			break
		}
	}
	if iv.focused != from {
		iv.s.Focus(iv.fields[iv.focused].f.Ref)
	}
	iv.relayout()
	iv.a.tv.SetFocus(iv.focus())
	return nil
}

// reload runs when the screen above (review, index, help) is closed: coming
// back to the page is entering it again, for the paradata.
func (iv *interview) reload() {
	// The language may have changed, and answers with it: draw again.
	if iv.s.Editable() {
		if _, err := iv.commitAll(); err != nil {
			iv.a.fail(err)
		}
	}
	iv.refreshPage()
	if p := iv.page(); p != nil && iv.s.Editable() {
		if err := iv.s.SetPosition(iv.a.ctx, p.ID); err != nil {
			iv.a.fail(err)
		}
	}
}

// goTo shows the page with the given ID (from the index or the review).
func (iv *interview) goTo(id string) error {
	iv.pages = iv.s.Pages()
	i := iv.indexOf(id)
	if i < 0 {
		return errors.New(iv.a.tr("that question is no longer asked", "cette question n'est plus posée"))
	}
	iv.render(i)
	return nil
}

func (iv *interview) switchLanguage() error {
	langs := iv.s.Languages()
	if len(langs) < 2 {
		return errors.New(iv.a.tr("this form has only one language", "ce formulaire n'a qu'une langue"))
	}
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	next := langs[0]
	for i, l := range langs {
		if l == iv.s.Language() {
			next = langs[(i+1)%len(langs)]
		}
	}
	if err := iv.s.SetLanguage(iv.a.ctx, next); err != nil {
		return err
	}
	focus := iv.focused
	iv.render(iv.reloadPages())
	// Messages already shown come back in the new language.
	for _, fv := range iv.fields {
		if fv.saved != "" {
			iv.check(fv)
		}
	}
	if focus < len(iv.fields) && iv.fields[focus].input != nil {
		iv.focused = focus
		iv.relayout()
		iv.a.tv.SetFocus(iv.focus())
	}
	iv.a.info(iv.a.tr("Language: ", "Langue : ") + next)
	return nil
}

// paste refuses text of several lines in a field of one line (any but a
// multiline text): line 2 would otherwise land in the next answer, or be
// glued to line 1. Multiline text keeps its newlines.
func (iv *interview) paste(text string) bool {
	if iv.focused >= len(iv.fields) || iv.fields[iv.focused].input == nil {
		return false
	}
	fv := iv.fields[iv.focused]
	if _, multi := fv.input.(*tview.TextArea); multi {
		return true
	}
	if _, list := fv.input.(*choiceBox); list {
		iv.a.fail(errors.New(iv.a.tr("Pasting does not choose an answer: use the numbers or the arrows.",
			"Coller ne choisit pas de réponse : utilisez les chiffres ou les flèches.")))
		return false
	}
	if strings.ContainsAny(strings.TrimRight(text, "\r\n"), "\r\n") {
		iv.a.fail(errors.New(iv.a.tr("The pasted text has several lines and this answer takes one: nothing was pasted.",
			"Le texte collé a plusieurs lignes et cette réponse n'en prend qu'une : rien n'a été collé.")))
		return false
	}
	return true
}

// editNote opens a line to write the enumerator's note on the focused
// question (F8): Enter keeps it, Esc leaves it as it was.
func (iv *interview) editNote() error {
	if iv.focused >= len(iv.fields) {
		return nil
	}
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	fv := iv.fields[iv.focused]
	iv.a.push(newNoteEditor(iv.a, iv, fv.f))
	return nil
}

// save commits the page's answers where they are (Ctrl-C before quitting);
// a refused one keeps its message.
func (iv *interview) save() error {
	ok, err := iv.commitAll()
	if err != nil {
		return err
	}
	if !ok {
		return errors.New(iv.a.tr("an answer on this page is not valid and was not saved: correct it, or press Ctrl-C again to quit",
			"une réponse de cette page n'est pas valide et n'a pas été enregistrée : corrigez-la, ou Ctrl-C encore pour quitter"))
	}
	return nil
}

func (iv *interview) index() error {
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	if err := iv.s.Leave(iv.a.ctx); err != nil {
		return err
	}
	// The list may have changed with the answers: the current page's
	// place in it too, or the header and Enter would be off by one.
	iv.cur = iv.reloadPages()
	iv.a.push(newIndex(iv.a, iv))
	return nil
}

func (iv *interview) review() error {
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	if err := iv.s.Leave(iv.a.ctx); err != nil {
		return err
	}
	iv.a.push(newReview(iv.a, iv.s, iv))
	return nil
}

func (iv *interview) home() error {
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	if err := iv.s.Leave(iv.a.ctx); err != nil {
		return err
	}
	// In the interview's language, computed before leaving it.
	note := iv.unsaved()
	if note != "" {
		note = iv.a.tr("Draft saved except one answer. ", "Brouillon enregistré sauf une réponse. ") + note
	}
	saved := iv.a.tr("Draft saved; resume it from Drafts (F2).", "Brouillon enregistré ; reprenez-le depuis Brouillons (F2).")
	iv.a.markOpen("")
	iv.a.pop()
	if note != "" {
		return errors.New(note)
	}
	iv.a.info(saved)
	return nil
}

func (iv *interview) addRepeat() error {
	p := iv.page()
	if p == nil || p.Repeat == nil || p.Repeat.Fixed {
		return errors.New(iv.a.tr("not in a repeat", "pas dans une répétition"))
	}
	if _, err := iv.commitAll(); err != nil {
		return err
	}
	ref, err := iv.s.AddRepeat(iv.a.ctx, p.Repeat.Of)
	if err != nil {
		return fmt.Errorf("add %s: %w", p.Repeat.Label, err)
	}
	iv.pages = iv.s.Pages()
	for i, np := range iv.pages {
		if np.Repeat != nil && np.Repeat.Instance == ref {
			iv.render(i)
			return nil
		}
	}
	iv.render(iv.cur)
	return nil
}

func (iv *interview) removeRepeat() error {
	p := iv.page()
	if p == nil || p.Repeat == nil || p.Repeat.Instance == "" || p.Repeat.Fixed {
		return errors.New(iv.a.tr("not in a repeat instance", "pas dans une occurrence de répétition"))
	}
	if iv.confirm != p.Repeat.Instance {
		iv.confirm = p.Repeat.Instance
		iv.a.info(fmt.Sprintf(iv.a.tr("Press F6 again to remove %s %d and its answers.", "F6 encore pour supprimer %s %d et ses réponses."), p.Repeat.Label, p.Repeat.Index))
		return nil
	}
	if err := iv.s.RemoveRepeat(iv.a.ctx, p.Repeat.Instance); err != nil {
		return fmt.Errorf("remove %s: %w", p.Repeat.Instance, err)
	}
	iv.pages = iv.s.Pages()
	iv.render(min(iv.cur, len(iv.pages)-1))
	iv.a.info(fmt.Sprintf(iv.a.tr("%s %d removed.", "%s %d supprimé."), p.Repeat.Label, p.Repeat.Index))
	return nil
}

// valueMessage says why the engine refused an answer, by the
// survey.ValueError code, in French or English.
func valueMessage(code, lang string) string {
	fr := langCode(lang) == "FR"
	msgs := map[string][2]string{
		"integer":       {"Type a whole number.", "Tapez un nombre entier."},
		"integer-comma": {"A whole number: no comma or point.", "Un nombre entier : sans virgule ni point."},
		"decimal":       {"Type a number, e.g. 2,5 or 2 650 000.", "Tapez un nombre, par ex. 2,5 ou 2 650 000."},
		"date":          {"Write the date day first, e.g. 31/03/2024 or 31/3/24.", "Écrivez la date jour d'abord, par ex. 31/03/2024 ou 31/3/24."},
		"time":          {"Write the time as HH:MM.", "Écrivez l'heure HH:MM."},
		"geopoint":      {"Type the latitude and longitude, e.g. 12.65 -8.0.", "Tapez la latitude et la longitude, par ex. 12.65 -8.0."},
		"choice":        {"That choice is not offered.", "Ce choix n'est pas proposé."},
		"range":         {"The number is outside the allowed range.", "Le nombre est hors des limites permises."},
		"readonly":      {"This answer cannot be changed.", "Cette réponse ne peut pas être modifiée."},
		"relevant":      {"This question is not asked any more.", "Cette question n'est plus posée."},
	}
	m, ok := msgs[code]
	if !ok {
		m = [2]string{"This answer is not valid.", "Cette réponse n'est pas valide."}
	}
	if fr {
		return m[1]
	}
	return m[0]
}

// quoted shows a previous answer in a message: «3», or «» when empty.
func quoted(v string) string { return "«" + v + "»" }
