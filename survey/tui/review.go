package tui

import (
	"errors"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"sira/forms"
)

// review lists every answer with its label before finalizing. Unanswered
// required questions (and invalid answers) are in red; F7 jumps to the first
// of them. F9 pressed twice finalizes and locks the interview. Opened on a
// finalized or sent interview it is read-only.
type review struct {
	a      *App
	s      Session
	iv     *interview // nil when read-only
	table  *tview.Table
	rows   []string // page ID per table row
	full   []string // the row's label and answer uncut, for the detail line
	detail *tview.TextView
	first  int // row of the first missing answer, -1 if none
	nMiss  int
	armed  bool // F9 pressed once
	layout *tview.Flex
}

func newReview(a *App, s Session, iv *interview) *review {
	rv := &review{a: a, s: s, iv: iv}
	rv.table = tview.NewTable().SetSelectable(true, false)
	rv.table.SetBorder(true)
	// Labels are cut to fit the table; the selected one is shown whole
	// underneath, with its answer.
	rv.detail = tview.NewTextView().SetDynamicColors(true).SetWordWrap(true)
	rv.table.SetSelectionChangedFunc(func(row, _ int) { rv.showDetail(row) })
	rv.layout = tview.NewFlex().SetDirection(tview.FlexRow).AddItem(rv.table, 0, 1, true).AddItem(rv.detail, 2, 0, false)
	rv.load()
	return rv
}

func (rv *review) showDetail(row int) {
	if row < 0 || row >= len(rv.full) {
		rv.detail.SetText("")
		return
	}
	rv.detail.SetText(rv.full[row])
}

func (rv *review) load() {
	missing := map[string]bool{}
	for _, ref := range rv.s.Missing() {
		missing[ref] = true
	}
	rv.table.Clear()
	rv.rows, rv.full, rv.first, rv.nMiss = nil, nil, -1, 0
	for _, p := range rv.s.Pages() {
		for _, f := range p.Fields {
			if f.Type == forms.TypeNote {
				continue
			}
			row := len(rv.rows)
			rv.rows = append(rv.rows, p.ID)
			label := f.Label
			if p.Repeat != nil && p.Repeat.Index > 0 {
				label = fmt.Sprintf("%s %d › %s", p.Repeat.Label, p.Repeat.Index, label)
			}
			val := f.display()
			color := tview.Styles.PrimaryTextColor
			if missing[f.Ref] {
				// Missing and invalid are different words, and a mark,
				// not colour alone.
				color = tcell.ColorRed
				if val == "" {
					val = rv.a.tr("✗ missing (required)", "✗ manquante (obligatoire)")
				} else {
					val = "⚠ " + val + rv.a.tr("  — invalid: ", "  — non valide : ") + rv.s.Check(f.Ref)
				}
				rv.nMiss++
				if rv.first < 0 {
					rv.first = row
				}
			}
			rv.full = append(rv.full, " [::b]"+tview.Escape(label)+"[::-]  "+tview.Escape(val))
			rv.table.SetCell(row, 0, tview.NewTableCell(" "+tview.Escape(label)).SetMaxWidth(44).SetTextColor(color))
			rv.table.SetCell(row, 1, tview.NewTableCell(tview.Escape(val)).SetExpansion(1).SetTextColor(color))
		}
	}
	switch {
	case !rv.s.Editable():
		rv.table.SetTitle(rv.a.tr(" Answers (read-only) ", " Réponses (lecture seule) "))
	case rv.nMiss > 0:
		rv.table.SetTitle(fmt.Sprintf(rv.a.tr(" Review: %d answer(s) missing or invalid ", " Revue : %d réponse(s) manquante(s) ou non valide(s) "), rv.nMiss))
	default:
		rv.table.SetTitle(rv.a.tr(" Review: complete, F9 finalizes ", " Revue : complet, F9 finalise "))
	}
	row, _ := rv.table.GetSelection()
	rv.showDetail(row)
}

func (rv *review) reload() { rv.load() }

// lang is the interview's language, which the app's own texts follow.
func (rv *review) lang() string { return rv.s.Language() }

func (rv *review) root() tview.Primitive  { return rv.layout }
func (rv *review) focus() tview.Primitive { return rv.table }
func (rv *review) title() string {
	return tview.Escape(rv.s.Title()) + " · " + rv.a.tr("review", "revue") + " · " + langCode(rv.s.Language())
}

func (rv *review) bindings() []binding {
	back := binding{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF10)}, label: rv.a.tr("Back", "Retour"), desc: "back", action: func() error {
		rv.a.pop()
		return nil
	}}
	lang := binding{keys: []key{k(tcell.KeyF2), k(tcell.KeyCtrlL)}, label: rv.a.tr("FR", "EN"), desc: "switch the language (FR/EN)", action: rv.switchLanguage}
	if rv.iv == nil || !rv.s.Editable() {
		return []binding{lang, back}
	}
	return []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: rv.a.tr("Go to", "Aller"), desc: "go to the selected question", action: func() error {
			row, _ := rv.table.GetSelection()
			return rv.jump(row)
		}},
		{keys: []key{k(tcell.KeyF7), k(tcell.KeyCtrlE)}, label: rv.a.tr("First missing", "1re manquante"), desc: "go to the first unanswered required question", action: func() error {
			if rv.first < 0 {
				return errors.New(rv.a.tr("no required answer is missing", "aucune réponse obligatoire ne manque"))
			}
			return rv.jump(rv.first)
		}},
		{keys: []key{k(tcell.KeyF9)}, label: rv.a.tr("Finalize", "Finaliser"), desc: "finalize and lock the interview (press twice)", action: rv.finalize},
		lang,
		back,
	}
}

func (rv *review) switchLanguage() error {
	langs := rv.s.Languages()
	if len(langs) < 2 {
		return errors.New(rv.a.tr("this form has only one language", "ce formulaire n'a qu'une langue"))
	}
	next := langs[0]
	for i, l := range langs {
		if l == rv.s.Language() {
			next = langs[(i+1)%len(langs)]
		}
	}
	if err := rv.s.SetLanguage(rv.a.ctx, next); err != nil {
		return err
	}
	row, _ := rv.table.GetSelection()
	rv.load()
	rv.table.Select(row, 0)
	rv.a.info(rv.a.tr("Language: ", "Langue : ") + next)
	return nil
}

func (rv *review) jump(row int) error {
	if row < 0 || row >= len(rv.rows) {
		return nil
	}
	// The page first, so that coming back (pop) enters it, not the one
	// left for the review.
	err := rv.iv.goTo(rv.rows[row])
	rv.a.pop()
	return err
}

func (rv *review) finalize() error {
	rv.load()
	if rv.nMiss > 0 {
		rv.armed = false
		if rv.first >= 0 {
			rv.table.Select(rv.first, 0)
		}
		return fmt.Errorf(rv.a.tr("%d required answer(s) missing: F7 goes to the first", "%d réponse(s) obligatoire(s) manquante(s) : F7 va à la première"), rv.nMiss)
	}
	if !rv.armed {
		rv.armed = true
		rv.a.info(rv.a.tr("Press F9 again to finalize: the interview will be locked.", "F9 encore pour finaliser : l'entretien sera verrouillé."))
		return nil
	}
	if err := rv.s.Finalize(rv.a.ctx); err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	// In the interview's language, as the review was.
	msg := rv.a.tr("Interview finalized and locked; it will go with the next sync.", "Entretien finalisé et verrouillé ; il partira à la prochaine synchronisation.")
	rv.a.markOpen("")
	rv.a.reset(newHome(rv.a))
	rv.a.info(msg)
	return nil
}

// index lists the pages of the interview to jump to one.
type index struct {
	a     *App
	iv    *interview
	table *tview.Table
}

func newIndex(a *App, iv *interview) *index {
	x := &index{a: a, iv: iv}
	missing := map[string]bool{}
	for _, ref := range iv.s.Missing() {
		missing[ref] = true
	}
	x.table = tview.NewTable().SetSelectable(true, false)
	x.table.SetBorder(true).SetTitle(a.tr(" Jump to a question ", " Aller à une question "))
	for i, p := range iv.pages {
		label, val, color := "", "", tview.Styles.PrimaryTextColor
		switch {
		case len(p.Fields) == 0 && p.Repeat != nil:
			label = fmt.Sprintf(a.tr("(add %s)", "(ajouter %s)"), p.Repeat.Label)
		case len(p.Fields) > 0:
			label, val = p.Fields[0].Label, p.Fields[0].display()
			if len(p.Fields) > 1 {
				label += fmt.Sprintf(" (+%d)", len(p.Fields)-1)
			}
			for _, f := range p.Fields {
				if missing[f.Ref] && color != tcell.ColorRed {
					color = tcell.ColorRed
					label = "✗ " + label // a mark, not colour alone
				}
			}
		}
		if p.Repeat != nil && p.Repeat.Index > 0 {
			label = fmt.Sprintf("%s %d › %s", p.Repeat.Label, p.Repeat.Index, label)
		}
		x.table.SetCell(i, 0, tview.NewTableCell(fmt.Sprintf("%3d ", i+1)).SetTextColor(tcell.ColorGray))
		x.table.SetCell(i, 1, tview.NewTableCell(tview.Escape(label)).SetMaxWidth(50).SetTextColor(color))
		x.table.SetCell(i, 2, tview.NewTableCell(tview.Escape(val)).SetExpansion(1).SetTextColor(color))
	}
	x.table.Select(iv.cur, 0)
	return x
}

func (x *index) root() tview.Primitive  { return x.table }
func (x *index) focus() tview.Primitive { return x.table }
func (x *index) title() string          { return tview.Escape(x.iv.s.Title()) + " · index" }

// lang is the interview's language, which the app's own texts follow.
func (x *index) lang() string { return x.iv.s.Language() }

func (x *index) bindings() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: x.a.tr("Go to", "Aller"), desc: "go to the selected question", action: func() error {
			row, _ := x.table.GetSelection()
			var err error
			if row >= 0 && row < len(x.iv.pages) {
				// Before pop: coming back enters the chosen page.
				err = x.iv.goTo(x.iv.pages[row].ID)
			}
			x.a.pop()
			return err
		}},
		{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF3)}, label: x.a.tr("Back", "Retour"), desc: "back to the question", action: func() error {
			x.a.pop()
			return nil
		}},
	}
}
