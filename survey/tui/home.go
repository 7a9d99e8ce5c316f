package tui

import (
	"errors"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"sira/survey"
)

// home lists the forms and the counts of stored interviews.
type home struct {
	a      *App
	forms  []FormInfo
	table  *tview.Table
	counts *tview.TextView
	layout *tview.Flex
	device string
	// interrupted is the draft that was on screen when Sira last stopped
	// without closing it (a crash, a power cut): F5 resumes it.
	interrupted Summary
}

func newHome(a *App) *home {
	h := &home{a: a, forms: a.opts.Backend.Forms()}
	h.table = tview.NewTable().SetSelectable(true, false)
	h.table.SetBorder(true).SetTitle(a.tr(" Forms: Enter starts a new interview ", " Formulaires : Entrée commence un entretien "))
	for i, f := range h.forms {
		h.table.SetCell(i, 0, tview.NewTableCell(" "+tview.Escape(f.Title)).SetExpansion(1))
		h.table.SetCell(i, 1, tview.NewTableCell(tview.Escape(f.ID+" v"+f.Version)+" ").SetTextColor(tcell.ColorGray))
	}
	h.counts = tview.NewTextView().SetDynamicColors(true)
	h.counts.SetBorder(true).SetTitle(a.tr(" Interviews on this laptop ", " Entretiens sur cet ordinateur "))
	h.layout = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(h.table, 0, 1, true).
		AddItem(h.counts, 5, 0, false)
	h.findInterrupted()
	if id, err := a.opts.Backend.DeviceID(a.ctx); err == nil {
		h.device = id
	} else {
		a.fail(err)
	}
	h.reload()
	return h
}

// reload refreshes the counts (after an interview, on return from a list).
func (h *home) reload() {
	h.findInterrupted()
	c, err := h.a.opts.Backend.Counts(h.a.ctx)
	if err != nil {
		h.a.fail(err)
		return
	}
	h.counts.SetTitle(h.a.tr(" Interviews on this laptop · ", " Entretiens sur cet ordinateur · ") + h.office() + " ")
	h.counts.SetText(fmt.Sprintf(h.a.tr(" Drafts [yellow]%d[-]   Finalized [green]%d[-]   Sent [green]%d[-]   Rejected [red]%d[-]\n [::d]device %s[::-]",
		" Brouillons [yellow]%d[-]   Finalisés [green]%d[-]   Envoyés [green]%d[-]   Rejetés [red]%d[-]\n [::d]appareil %s[::-]"),
		c[survey.StatusDraft], c[survey.StatusFinalized], c[survey.StatusSent]+c[survey.StatusAcknowledged], c[survey.StatusRejected], tview.Escape(h.device)))
	if h.interrupted.ID != "" {
		h.counts.SetText(h.counts.GetText(false) + "\n [yellow]⚠ " + tview.Escape(fmt.Sprintf(h.a.tr(
			"An interview was interrupted (last saved %s): F5 resumes it.",
			"Un entretien a été interrompu (enregistré à %s) : F5 le reprend."),
			h.interrupted.Updated.Local().Format("2006-01-02 15:04"))) + "[-]")
	}
}

// office names the office this laptop is enrolled with by the fingerprint
// of its key (survey/SECURITY.md: the enumerator can compare it with the
// one the office reads out), or says the laptop is a stand-alone demo.
func (h *home) office() string {
	fp, err := h.a.opts.Backend.Office(h.a.ctx)
	if err != nil {
		h.a.fail(err)
	}
	if fp == "" {
		return h.a.tr("not enrolled", "non inscrit")
	}
	return h.a.tr("office ", "bureau ") + tview.Escape(fp)
}

// findInterrupted looks up the draft left open by a run that did not end
// cleanly.
func (h *home) findInterrupted() {
	h.interrupted = Summary{}
	id, err := h.a.opts.Backend.Setting(h.a.ctx, "open."+h.a.user)
	if err != nil || id == "" {
		return
	}
	drafts, err := h.a.opts.Backend.List(h.a.ctx, survey.StatusDraft)
	if err != nil {
		return
	}
	for _, d := range drafts {
		if d.ID == id {
			h.interrupted = d
		}
	}
}

func (h *home) root() tview.Primitive  { return h.layout }
func (h *home) focus() tview.Primitive { return h.table }
func (h *home) title() string          { return h.a.tr("Sira · home", "Sira · accueil") }

func (h *home) bindings() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyEnter), k(tcell.KeyCtrlN)}, label: h.a.tr("New", "Nouveau"), desc: "start a new interview on the selected form", action: h.newInterview},
		{keys: []key{k(tcell.KeyF2), r('d')}, label: h.a.tr("Drafts", "Brouillons"), desc: "drafts: resume one", action: func() error {
			return h.list(h.a.tr("Drafts", "Brouillons"), survey.StatusDraft)
		}},
		{keys: []key{k(tcell.KeyF5), r('l')}, label: h.a.tr("Last", "Dernier"), desc: "resume the draft changed last", action: h.resumeLast},
		{keys: []key{k(tcell.KeyF3), r('f')}, label: h.a.tr("Finalized", "Finis"), desc: "finalized and sent interviews (read-only)", action: func() error {
			return h.list(h.a.tr("Finalized and sent", "Finalisés et envoyés"), survey.StatusFinalized, survey.StatusSent, survey.StatusAcknowledged)
		}},
		{keys: []key{k(tcell.KeyF4), r('r')}, label: h.a.tr("Rejected", "Rejetés"), desc: "interviews the supervisor rejected, with the comment", action: func() error {
			return h.list(h.a.tr("Rejected", "Rejetés"), survey.StatusRejected)
		}},
		{keys: []key{k(tcell.KeyF7)}, label: h.a.tr("Sync", "Synchro"), desc: "send the finalized interviews to the server and receive rejections", action: h.a.startSync},
		{keys: []key{k(tcell.KeyF9)}, label: h.a.tr("Theme", "Thème"), desc: "colours: dark, light for sunlight, high contrast (remembered)", action: func() error {
			if err := h.a.nextTheme(); err != nil {
				return err
			}
			h.a.reset(newHome(h.a))
			h.a.info(h.a.tr("Theme: ", "Thème : ") + h.a.tr(h.a.theme.en, h.a.theme.fr))
			return nil
		}},
		{keys: []key{k(tcell.KeyF6)}, label: h.autoLabel(), desc: "auto-advance: a choice made with one key goes on to the next question (on/off)", action: func() error {
			on := !h.a.autoAdvance()
			if err := h.a.setAutoAdvance(on); err != nil {
				return err
			}
			h.a.info(h.autoLabel())
			return nil
		}},
		{keys: []key{k(tcell.KeyF10)}, label: h.a.tr("Quit", "Quitter"), desc: "quit Sira (drafts are saved)", action: func() error {
			h.a.Stop()
			return nil
		}},
	}
}

func (h *home) newInterview() error {
	if len(h.forms) == 0 {
		return errors.New(h.a.tr("no form available", "aucun formulaire disponible"))
	}
	row, _ := h.table.GetSelection()
	f := h.forms[min(max(row, 0), len(h.forms)-1)]
	s, err := h.a.opts.Backend.New(h.a.ctx, f.ID, h.a.user)
	if err != nil {
		return fmt.Errorf("new interview: %w", err)
	}
	h.a.push(newInterview(h.a, s))
	return nil
}

func (h *home) list(name string, st ...survey.Status) error {
	l, err := newList(h.a, name, st...)
	if err != nil {
		return err
	}
	h.a.push(l)
	return nil
}

func (h *home) resumeLast() error {
	drafts, err := h.a.opts.Backend.List(h.a.ctx, survey.StatusDraft)
	if err != nil {
		return err
	}
	if len(drafts) == 0 {
		return errors.New(h.a.tr("no draft to resume", "aucun brouillon à reprendre"))
	}
	id := drafts[0].ID
	if h.interrupted.ID != "" {
		id = h.interrupted.ID
	}
	s, err := h.a.opts.Backend.Open(h.a.ctx, id)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	h.a.push(newInterview(h.a, s))
	return nil
}

// autoLabel says whether auto-advance is on, with a mark.
func (h *home) autoLabel() string {
	if h.a.autoAdvance() {
		return h.a.tr("Auto ✓", "Auto ✓")
	}
	return h.a.tr("Auto ✗", "Auto ✗")
}
