package tui

import (
	"errors"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"sira/survey"
)

// list shows stored interviews of some statuses: drafts (resume),
// finalized and sent (read-only review), rejected (comment, reopen).
type list struct {
	a        *App
	name     string
	statuses []survey.Status
	items    []Summary
	table    *tview.Table
	detail   *tview.TextView
	layout   *tview.Flex
	// asked counts the F8 presses on the draft doomed: deleting is asked
	// twice.
	asked  int
	doomed string
}

func newList(a *App, name string, st ...survey.Status) (*list, error) {
	l := &list{a: a, name: name, statuses: st}
	l.table = tview.NewTable().SetSelectable(true, false).SetFixed(1, 0)
	l.table.SetBorder(true).SetTitle(" " + name + " ")
	l.table.SetSelectionChangedFunc(func(row, _ int) { l.showDetail(row) })
	l.detail = tview.NewTextView().SetDynamicColors(true).SetWordWrap(true)
	l.layout = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(l.table, 0, 1, true).
		AddItem(l.detail, 3, 0, false)
	if err := l.load(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *list) load() error {
	items, err := l.a.opts.Backend.List(l.a.ctx, l.statuses...)
	if err != nil {
		return fmt.Errorf("list %s: %w", l.name, err)
	}
	for i := range items {
		items[i].Name = l.a.opts.Backend.Name(l.a.ctx, items[i])
	}
	l.items = items
	l.table.Clear()
	heads := []string{"Started", "Interview", "Status", "Rev", "Enumerator"}
	if l.a.tr("en", "fr") == "fr" {
		heads = []string{"Commencé", "Entretien", "Statut", "Rév", "Enquêteur"}
	}
	for c, h := range heads {
		l.table.SetCell(0, c, tview.NewTableCell(h).SetSelectable(false).SetTextColor(tcell.ColorYellow))
	}
	for i, s := range items {
		// The form's instance_name says which interview it is; the id
		// only when the form has none.
		id := s.Name
		if id == "" {
			id = s.ID
			if len(id) > 18 {
				id = id[:18] + "…"
			}
		}
		row := i + 1
		when := s.Started
		if when.IsZero() {
			when = s.Updated
		}
		l.table.SetCell(row, 0, tview.NewTableCell(when.Local().Format("2006-01-02 15:04")))
		l.table.SetCell(row, 1, tview.NewTableCell(tview.Escape(id)))
		l.table.SetCell(row, 2, tview.NewTableCell(l.statusName(s.Status)))
		l.table.SetCell(row, 3, tview.NewTableCell(fmt.Sprint(s.Revision)))
		l.table.SetCell(row, 4, tview.NewTableCell(tview.Escape(s.Enumerator)).SetExpansion(1))
	}
	if len(items) == 0 {
		l.table.SetCell(1, 0, tview.NewTableCell(l.a.tr("(none)", "(aucun)")).SetSelectable(false))
	} else {
		l.table.Select(1, 0)
	}
	l.showDetail(1)
	return nil
}

// statusName is the status in the app's language.
func (l *list) statusName(st survey.Status) string {
	fr := map[survey.Status]string{survey.StatusDraft: "brouillon", survey.StatusFinalized: "finalisé",
		survey.StatusSent: "envoyé", survey.StatusAcknowledged: "reçu", survey.StatusRejected: "rejeté"}
	if n, ok := fr[st]; ok && l.a.tr("en", "fr") == "fr" {
		return n
	}
	return string(st)
}

func (l *list) reload() {
	if err := l.load(); err != nil {
		l.a.fail(err)
	}
}

func (l *list) showDetail(row int) {
	if row < 1 || row > len(l.items) {
		l.detail.SetText("")
		return
	}
	s := l.items[row-1]
	text := " " + tview.Escape(s.ID) + "  [::d]" + tview.Escape(s.FormID) + "[::-]"
	if s.Comment != "" {
		text += "\n [red]" + l.a.tr("Supervisor:", "Superviseur :") + "[-] " + tview.Escape(s.Comment)
	}
	l.detail.SetText(text)
}

func (l *list) selected() (Summary, bool) {
	row, _ := l.table.GetSelection()
	if row < 1 || row > len(l.items) {
		return Summary{}, false
	}
	return l.items[row-1], true
}

func (l *list) root() tview.Primitive  { return l.layout }
func (l *list) focus() tview.Primitive { return l.table }
func (l *list) title() string          { return "Sira · " + l.name }

func (l *list) bindings() []binding {
	open := l.a.tr("Open", "Ouvrir")
	desc := "open the selected interview read-only"
	switch {
	case len(l.statuses) == 1 && l.statuses[0] == survey.StatusDraft:
		open, desc = l.a.tr("Resume", "Reprendre"), "resume the selected draft where it was left"
	case len(l.statuses) == 1 && l.statuses[0] == survey.StatusRejected:
		open, desc = l.a.tr("Reopen", "Rouvrir"), "reopen the selected interview as a draft to correct it"
	}
	bs := []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: open, desc: desc, action: l.open},
		{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF10)}, label: l.a.tr("Home", "Accueil"), desc: "back to the home screen", action: func() error {
			l.a.pop()
			return nil
		}},
	}
	if len(l.statuses) == 1 && l.statuses[0] == survey.StatusDraft {
		bs = append(bs, binding{keys: []key{k(tcell.KeyF8)}, label: l.a.tr("Delete", "Supprimer"), desc: "delete the selected draft (asked twice)", action: l.delete})
	}
	return bs
}

// delete removes the selected draft at the third F8: twice it asks.
func (l *list) delete() error {
	s, ok := l.selected()
	if !ok {
		return errors.New(l.a.tr("nothing selected", "rien de sélectionné"))
	}
	if l.doomed != s.ID {
		l.doomed, l.asked = s.ID, 0
	}
	name := s.Name
	if name == "" {
		name = s.ID
	}
	l.asked++
	switch l.asked {
	case 1:
		l.a.info(fmt.Sprintf(l.a.tr("Delete the draft %s and all its answers? F8 again to go on.",
			"Supprimer le brouillon %s et toutes ses réponses ? F8 encore pour continuer."), name))
		return nil
	case 2:
		l.a.info(l.a.tr("It cannot be undone. F8 a last time to delete it; any other key keeps it.",
			"C'est définitif. F8 une dernière fois pour le supprimer ; une autre touche le garde."))
		return nil
	}
	l.doomed, l.asked = "", 0
	if err := l.a.opts.Backend.Delete(l.a.ctx, s.ID, l.a.user); err != nil {
		return err
	}
	l.reload()
	l.a.info(fmt.Sprintf(l.a.tr("Draft %s deleted.", "Brouillon %s supprimé."), name))
	return nil
}

func (l *list) open() error {
	s, ok := l.selected()
	if !ok {
		return errors.New(l.a.tr("nothing selected", "rien de sélectionné"))
	}
	var (
		sess Session
		err  error
	)
	if s.Status == survey.StatusRejected {
		sess, err = l.a.opts.Backend.Reopen(l.a.ctx, s.ID)
	} else {
		sess, err = l.a.opts.Backend.Open(l.a.ctx, s.ID)
	}
	if err != nil {
		return fmt.Errorf("open interview: %w", err)
	}
	if !sess.Editable() {
		l.a.push(newReview(l.a, sess, nil))
		return nil
	}
	l.a.push(newInterview(l.a, sess))
	if s.Comment != "" {
		// What to correct stays in sight while correcting it.
		l.a.info(l.a.tr("Supervisor: ", "Superviseur : ") + s.Comment)
	}
	return nil
}

// sawKey disarms the deletion when a key other than F8 is pressed.
func (l *list) sawKey(ev *tcell.EventKey) {
	if ev.Key() != tcell.KeyF8 {
		l.doomed, l.asked = "", 0
	}
}
