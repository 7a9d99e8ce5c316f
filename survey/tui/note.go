package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// noteEditor is the line where the enumerator writes a note on one
// question (as Survey Solutions' comments): Enter keeps it with the
// interview, Esc goes back without changing it.
type noteEditor struct {
	a      *App
	iv     *interview
	f      Field
	input  *tview.InputField
	layout *tview.Flex
}

func newNoteEditor(a *App, iv *interview, f Field) *noteEditor {
	n := &noteEditor{a: a, iv: iv, f: f}
	n.input = tview.NewInputField().SetText(iv.s.Note(f.Ref)).
		SetAcceptanceFunc(func(t string, _ rune) bool { return len(t) <= 2000 })
	n.input.SetFieldBackgroundColor(a.theme.field).SetFieldTextColor(a.theme.tv.PrimaryTextColor)
	label := tview.NewTextView().SetWordWrap(true).SetText(a.tr("Note on: ", "Note sur : ") + f.Label)
	n.layout = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(label, min(textHeight(f.Label, 70)+1, 4), 0, false).
		AddItem(n.input, 1, 0, true).
		AddItem(nil, 0, 1, false)
	n.layout.SetBorderPadding(1, 0, 1, 1)
	return n
}

func (n *noteEditor) root() tview.Primitive  { return n.layout }
func (n *noteEditor) focus() tview.Primitive { return n.input }
func (n *noteEditor) title() string          { return n.iv.title() }

// lang is the interview's language, which the app's own texts follow.
func (n *noteEditor) lang() string { return n.iv.s.Language() }

func (n *noteEditor) bindings() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: n.a.tr("Keep", "Garder"), desc: "keep the note with the interview", action: func() error {
			if err := n.iv.s.SetNote(n.a.ctx, n.f.Ref, n.input.GetText()); err != nil {
				return err
			}
			n.a.pop()
			n.a.info(n.a.tr("Note kept.", "Note gardée."))
			return nil
		}},
		{keys: []key{k(tcell.KeyEscape)}, label: n.a.tr("Cancel", "Annuler"), desc: "back without changing the note", action: func() error {
			n.a.pop()
			return nil
		}},
	}
}
