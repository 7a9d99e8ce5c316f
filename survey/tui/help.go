package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// help lists every key of the screen it was opened from.
type help struct {
	a    *App
	of   screen
	text *tview.TextView
}

func newHelp(a *App, of screen) *help {
	h := &help{a: a, of: of}
	var bs []binding
	if of != nil {
		bs = of.bindings()
	}
	h.text = tview.NewTextView().SetDynamicColors(true).SetScrollable(true).
		SetText("\n" + helpText(append(a.global(), bs...)))
	h.text.SetBorder(true).SetTitle(" Keys ")
	return h
}

func (h *help) root() tview.Primitive  { return h.text }
func (h *help) focus() tview.Primitive { return h.text }
func (h *help) title() string {
	if h.of != nil {
		return h.of.title() + " · help"
	}
	return "Help"
}

func (h *help) bindings() []binding {
	return []binding{{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF1), k(tcell.KeyEnter)}, label: "Back", desc: "close the help", action: func() error {
		h.a.pop()
		return nil
	}}}
}
