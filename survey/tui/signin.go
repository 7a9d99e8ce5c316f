package tui

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// signIn asks for the enumerator's id and PIN. The PIN is set on first use.
type signIn struct {
	a         *App
	id, pin   *tview.InputField
	form      *tview.Flex
	focusedID bool
}

func newSignIn(a *App) *signIn {
	s := &signIn{a: a, focusedID: true}
	s.id = tview.NewInputField().SetLabel(a.tr("Enumerator id: ", "Identifiant :  ")).SetFieldWidth(24).
		SetAcceptanceFunc(func(text string, last rune) bool {
			return len(text) <= 40 && (unicode.IsLetter(last) || unicode.IsDigit(last) || strings.ContainsRune("-_.", last))
		})
	s.pin = tview.NewInputField().SetLabel(a.tr("PIN:           ", "Code PIN :     ")).SetFieldWidth(12).SetMaskCharacter('*').
		SetAcceptanceFunc(func(text string, last rune) bool { return len(text) <= 12 && unicode.IsDigit(last) })
	intro := tview.NewTextView().SetDynamicColors(true).SetText(
		a.tr("Sign in with your enumerator id and PIN.\n[::d]On your first sign-in on this laptop the PIN you type becomes your PIN (4 to 12 digits).[::-]",
			"Connectez-vous avec votre identifiant d'enquêteur et votre code PIN.\n[::d]À la première connexion sur cet ordinateur, le code tapé devient votre code (4 à 12 chiffres).[::-]"))
	s.form = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(intro, 3, 0, false).
		AddItem(s.id, 1, 0, true).
		AddItem(nil, 1, 0, false).
		AddItem(s.pin, 1, 0, false).
		AddItem(nil, 0, 1, false)
	s.form.SetBorder(true).SetTitle(" Sira ").SetBorderPadding(1, 0, 2, 2)
	return s
}

func (s *signIn) root() tview.Primitive  { return s.form }
func (s *signIn) focus() tview.Primitive { return s.id }
func (s *signIn) title() string          { return s.a.tr("Sira · sign in", "Sira · connexion") }

func (s *signIn) bindings() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: s.a.tr("Sign in", "Connexion"), desc: "next field, then sign in", action: s.enter},
		{keys: []key{k(tcell.KeyTab), k(tcell.KeyBacktab), k(tcell.KeyDown), k(tcell.KeyUp)}, label: s.a.tr("Field", "Champ"), desc: "switch between id and PIN", action: func() error {
			s.toggle()
			return nil
		}},
		{keys: []key{k(tcell.KeyF10)}, label: s.a.tr("Quit", "Quitter"), desc: "quit Sira", action: func() error {
			s.a.Stop()
			return nil
		}},
	}
}

func (s *signIn) toggle() {
	s.focusedID = !s.focusedID
	if s.focusedID {
		s.a.tv.SetFocus(s.id)
	} else {
		s.a.tv.SetFocus(s.pin)
	}
}

func (s *signIn) enter() error {
	id, pin := strings.TrimSpace(s.id.GetText()), s.pin.GetText()
	if s.focusedID {
		if id == "" {
			return errors.New(s.a.tr("type your enumerator id", "tapez votre identifiant"))
		}
		s.toggle()
		return nil
	}
	if id == "" {
		s.toggle()
		return errors.New(s.a.tr("type your enumerator id", "tapez votre identifiant"))
	}
	if len(pin) < 4 {
		return errors.New(s.a.tr("the PIN has 4 to 12 digits", "le code PIN a 4 à 12 chiffres"))
	}
	first, err := s.a.opts.Backend.SignIn(s.a.ctx, id, pin)
	if err != nil {
		s.pin.SetText("")
		if errors.Is(err, ErrBadPIN) {
			return errors.New(s.a.tr("wrong PIN for ", "code PIN erroné pour ") + id)
		}
		return err
	}
	s.a.user = id
	// The PIN hash is memory-hard (tens of MB); hand that memory back now
	// rather than carry it through the interview on a small laptop.
	debug.FreeOSMemory()
	s.a.reset(newHome(s.a))
	if first {
		s.a.info(fmt.Sprintf(s.a.tr("Welcome %s: your PIN is set on this laptop.", "Bienvenue %s : votre code PIN est enregistré sur cet ordinateur."), id))
	}
	return nil
}
