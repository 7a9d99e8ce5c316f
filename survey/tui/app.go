package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// ErrBadPIN is returned by Backend.SignIn for a wrong PIN.
var ErrBadPIN = errors.New("wrong PIN")

// Options configure an App.
type Options struct {
	// Backend is the store and forms behind the app (NewBackend).
	Backend Backend
	// Screen is the screen to draw on; nil opens the terminal. Tests pass
	// tcell.NewSimulationScreen.
	Screen tcell.Screen
	// Logger receives operator logs (never answers); nil discards them.
	Logger *slog.Logger
	// Language is the language of the app's own texts outside an
	// interview, a form language key ("Français (fr)") or a code ("fr");
	// English when empty or not French. Interview screens follow the
	// interview's language.
	Language string
	// OnAccept, when set, is called after an answer has been saved durably:
	// the side channel of the crash test. It runs on the UI goroutine.
	OnAccept func(ref, value string)
	// OnPage, when set, is called as an interview page is shown: before
	// (stored false) and after (stored true) it is saved as the position
	// the draft resumes at. It runs on the UI goroutine.
	OnPage func(pageID string, stored bool)
	// Sync, when set, is the home screen's sync action (F7): it sends the
	// finalized interviews as sira sync does, calling progress as
	// interviews are decided, and returns the result in the enumerator's
	// words ("3 sent, 1 rejected back to you"). It runs on its own
	// goroutine.
	Sync func(ctx context.Context, progress func(done, total int)) (string, error)
}

// screen is one screen of the app.
type screen interface {
	// root is the primitive placed in the body; focus is the one that gets
	// the keyboard when the screen is shown.
	root() tview.Primitive
	focus() tview.Primitive
	// bindings is the screen's key table, recomputed on every key so it can
	// depend on state (F5 only inside a repeat).
	bindings() []binding
	// title is the header's left part.
	title() string
}

// App is the enumerator's terminal app.
type App struct {
	opts Options
	ctx  context.Context
	log  *slog.Logger
	tv   *tview.Application

	header, message, help *tview.TextView
	body                  *tview.Pages
	layout                *tview.Flex

	cur       screen
	stack     []screen // screens to return to with Esc
	quitArmed bool     // Ctrl-C pressed once: the next one quits
	// edits holds answers typed and refused (a malformed date), by
	// interview and ref, until corrected: leaving the field, the page or
	// the interview keeps them on screen, marked.
	edits         map[string]pendingEdit
	auto          *bool // auto-advance, read once from the settings
	syncing       bool  // a sync runs
	theme         theme
	user          string
	width, height int
}

// New builds the app on the sign-in screen.
func New(ctx context.Context, opts Options) *App {
	a := &App{opts: opts, ctx: ctx, log: opts.Logger, tv: tview.NewApplication()}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if opts.Screen != nil {
		a.tv.SetScreen(opts.Screen)
	}
	// Widgets take tview's styles as they are built: the remembered theme
	// first.
	a.header = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	a.message = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	a.help = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	a.body = tview.NewPages()
	a.layout = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(a.header, 1, 0, false).
		AddItem(a.body, 0, 1, true).
		AddItem(a.message, 1, 0, false).
		AddItem(a.help, 1, 0, false)
	// Bracketed paste: a pasted block arrives as one text, not as keys
	// whose newlines would press Enter and spread it over the next
	// questions.
	a.tv.EnablePaste(true)
	a.tv.SetRoot(&pasteRoot{Flex: a.layout, a: a}, true)
	a.loadTheme()
	a.tv.SetInputCapture(a.capture)
	a.tv.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		// The help bar is cut to the width, which changes on resize.
		if w, h := s.Size(); w != a.width || h != a.height {
			a.width, a.height = w, h
			if r, ok := a.cur.(interface{ resized() }); ok {
				r.resized()
			}
			a.refreshChrome()
		}
		return false
	})
	a.show(newSignIn(a))
	return a
}

// Run runs the event loop until the enumerator quits or ctx is done.
func (a *App) Run() error {
	stop := context.AfterFunc(a.ctx, a.tv.Stop)
	defer stop()
	return a.tv.Run()
}

// Stop ends Run.
func (a *App) Stop() { a.tv.Stop() }

// QueueUpdateDraw runs f on the UI goroutine and redraws; it is the only way
// other goroutines may touch the widgets.
func (a *App) QueueUpdateDraw(f func()) { a.tv.QueueUpdateDraw(f) }

// show replaces the current screen without remembering it.
func (a *App) show(s screen) {
	a.cur = s
	a.body.RemovePage("screen")
	a.body.AddPage("screen", s.root(), true, true)
	a.tv.SetFocus(s.focus())
	a.refreshChrome()
}

// push shows s and lets Esc come back to the current screen.
func (a *App) push(s screen) {
	if a.cur != nil {
		a.stack = append(a.stack, a.cur)
	}
	a.show(s)
}

// pop returns to the screen under the current one, if any.
func (a *App) pop() {
	if len(a.stack) == 0 {
		return
	}
	s := a.stack[len(a.stack)-1]
	a.stack = a.stack[:len(a.stack)-1]
	a.show(s)
	if r, ok := s.(interface{ reload() }); ok {
		r.reload()
	}
}

// reset shows s with nothing under it (home after sign-in, after finalize).
func (a *App) reset(s screen) {
	a.stack = nil
	a.show(s)
}

// global bindings answer on every screen.
func (a *App) global() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyF1)}, label: a.tr("Help", "Aide"), desc: "show every key of this screen", action: func() error {
			a.push(newHelp(a, a.cur))
			return nil
		}},
		{keys: []key{k(tcell.KeyCtrlC)}, desc: "quit Sira (press twice; the answer being typed is saved first)", action: a.interrupt},
	}
}

// saver is a screen holding answers being typed (the interview): save
// stores them before the app quits.
type saver interface{ save() error }

// interrupt answers Ctrl-C: the answer being typed is saved at once, then a
// second Ctrl-C quits. A Ctrl-C pressed by mistake costs nothing.
func (a *App) interrupt() error {
	var err error
	if sv, ok := a.cur.(saver); ok {
		err = sv.save()
	}
	if a.quitArmed {
		a.markOpen("") // a clean exit: everything is saved
		a.Stop()
		return nil
	}
	a.quitArmed = true
	if err != nil {
		return err
	}
	a.info(a.tr("Answers saved. Press Ctrl-C again to quit Sira, any other key to go on.",
		"Réponses enregistrées. Ctrl-C encore pour quitter Sira, une autre touche pour continuer."))
	return nil
}

func (a *App) allBindings() []binding {
	if a.cur == nil {
		return a.global()
	}
	return append(a.cur.bindings(), a.global()...)
}

// capture looks a key up in the current screen's table; errors go to the
// message bar.
func (a *App) capture(ev *tcell.EventKey) *tcell.EventKey {
	if ev.Key() != tcell.KeyCtrlC {
		a.quitArmed = false
	}
	if w, ok := a.cur.(keyWatcher); ok {
		w.sawKey(ev)
	}
	b := find(a.allBindings(), ev)
	if b == nil {
		return ev
	}
	a.info("")
	if err := a.run(b.action); err != nil {
		a.fail(err)
	}
	a.refreshChrome()
	return nil
}

// run calls action, turning a panic into an error for the message bar: a
// defect in one key's handler must not take the interview down with it.
func (a *App) run(action func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("tui: key handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return action()
}

// dispatch handles ev as the event loop does: capture first, then the
// focused primitive. Tests use it through QueueUpdateDraw to press keys
// synchronously.
func (a *App) dispatch(ev *tcell.EventKey) {
	if ev = a.capture(ev); ev == nil {
		return
	}
	if h := a.layout.InputHandler(); h != nil {
		h(ev, func(p tview.Primitive) { a.tv.SetFocus(p) })
	}
	a.refreshChrome()
}

// refreshChrome redraws the header and the help bar from the current screen.
func (a *App) refreshChrome() {
	if a.cur == nil {
		return
	}
	title := a.cur.title()
	if a.user != "" {
		title += "[::d]  ·  " + tview.Escape(a.user) + "[::-]"
	}
	a.header.SetText(" " + title)
	w := a.width
	if w == 0 {
		w = 80
	}
	a.help.SetText(" " + helpBar(a.allBindings(), w-1))
}

// bodySize is the size of the area between the header and the message
// bar; 80×24 until the first draw tells the real size.
func (a *App) bodySize() (width, height int) {
	w, h := a.width, a.height
	if w == 0 || h == 0 {
		if a.opts.Screen != nil {
			w, h = a.opts.Screen.Size()
		}
		if w == 0 || h == 0 {
			w, h = 80, 24
		}
	}
	return w, max(h-3, 1)
}

// tr picks the English or the French wording of the app's own texts: the
// interview screens follow the interview's language, the others
// Options.Language.
func (a *App) tr(en, fr string) string {
	lang := a.opts.Language
	if l, ok := a.cur.(interface{ lang() string }); ok {
		lang = l.lang()
	}
	if langCode(lang) == "FR" {
		return fr
	}
	return en
}

// info shows a neutral message; fail shows an error. Both stay until the
// next key that runs a binding.
func (a *App) info(msg string) {
	a.message.SetText(" " + tview.Escape(msg))
}

func (a *App) fail(err error) {
	a.log.Warn("tui: action failed", "err", err)
	a.message.SetText(" [red]" + tview.Escape(firstLine(err.Error())) + "[-]")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// pasteRoot is the app's root: the layout, with pastes offered to the
// current screen first (a paster) and then to the focused widget.
type pasteRoot struct {
	*tview.Flex
	a *App
}

// paster is a screen that checks pasted text before its widgets get it:
// it returns false when it refused the paste.
type paster interface{ paste(text string) bool }

func (p *pasteRoot) PasteHandler() func(text string, setFocus func(tview.Primitive)) {
	inner := p.Flex.PasteHandler()
	return func(text string, setFocus func(tview.Primitive)) {
		p.a.info("")
		if ps, ok := p.a.cur.(paster); ok && !ps.paste(text) {
			p.a.refreshChrome()
			return
		}
		// A line copied with its end of line pastes as the line.
		if _, multi := p.a.tv.GetFocus().(*tview.TextArea); !multi {
			text = strings.TrimRight(text, "\r\n")
		}
		inner(text, setFocus)
		p.a.refreshChrome()
	}
}

// pendingEdit is an answer typed and refused, with the reason.
type pendingEdit struct{ text, msg string }

func editKey(id, ref string) string { return id + "\x00" + ref }

func (a *App) edit(id, ref string) (pendingEdit, bool) {
	pe, ok := a.edits[editKey(id, ref)]
	return pe, ok
}

func (a *App) keepEdit(id, ref string, pe pendingEdit) {
	if a.edits == nil {
		a.edits = map[string]pendingEdit{}
	}
	a.edits[editKey(id, ref)] = pe
}

func (a *App) forget(id, ref string) { delete(a.edits, editKey(id, ref)) }

// autoAdvance reports whether a choice made with one key (a digit) on a
// page of one question goes on to the next page by itself: on unless the
// enumerator turned it off on the home screen (F6).
func (a *App) autoAdvance() bool {
	if a.auto == nil {
		v, err := a.opts.Backend.Setting(a.ctx, "auto-advance")
		if err != nil {
			a.log.Warn("tui: read setting", "err", err)
		}
		on := v != "off"
		a.auto = &on
	}
	return *a.auto
}

// setAutoAdvance turns auto-advance on or off and remembers it.
func (a *App) setAutoAdvance(on bool) error {
	v := "on"
	if !on {
		v = "off"
	}
	if err := a.opts.Backend.SetSetting(a.ctx, "auto-advance", v); err != nil {
		return err
	}
	a.auto = &on
	return nil
}

// markOpen records, durably, the draft on screen ("" when none), so that a
// start after a crash or a power cut can offer to resume it.
func (a *App) markOpen(id string) {
	if a.user == "" {
		return
	}
	if err := a.opts.Backend.SetSetting(a.ctx, "open."+a.user, id); err != nil {
		a.log.Warn("tui: record the open interview", "err", err)
	}
}

// startSync runs Options.Sync in the background with a progress bar in the
// message line; the result replaces it, and the home counts follow.
func (a *App) startSync() error {
	if a.opts.Sync == nil {
		return errors.New(a.tr("sync is not set up on this laptop", "la synchronisation n'est pas configurée sur cet ordinateur"))
	}
	if a.syncing {
		return errors.New(a.tr("a sync is already running", "une synchronisation est déjà en cours"))
	}
	a.syncing = true
	label := a.tr("Sync", "Synchro")
	a.info(label + "…")
	go func() {
		msg, err := a.opts.Sync(a.ctx, func(done, total int) {
			a.QueueUpdateDraw(func() { a.info(label + " " + progressBar(done, total, 20)) })
		})
		a.QueueUpdateDraw(func() {
			a.syncing = false
			if err != nil {
				a.fail(err)
			} else {
				a.info(msg)
			}
			if r, ok := a.cur.(interface{ reload() }); ok {
				r.reload()
			}
		})
	}()
	return nil
}

// progressBar draws done of total as "[#####.....] 3/10".
func progressBar(done, total, width int) string {
	if total <= 0 {
		return "…"
	}
	n := min(done*width/total, width)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] " + fmt.Sprintf("%d/%d", done, total)
}

// keyWatcher is a screen that sees every key before it is handled (to
// disarm a question asked twice when another key is pressed).
type keyWatcher interface{ sawKey(*tcell.EventKey) }
