package tui

import (
	"errors"
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
	s.id = tview.NewInputField().SetLabel("Enumerator id: ").SetFieldWidth(24).
		SetAcceptanceFunc(func(text string, last rune) bool {
			return len(text) <= 40 && (unicode.IsLetter(last) || unicode.IsDigit(last) || strings.ContainsRune("-_.", last))
		})
	s.pin = tview.NewInputField().SetLabel("PIN:           ").SetFieldWidth(12).SetMaskCharacter('*').
		SetAcceptanceFunc(func(text string, last rune) bool { return len(text) <= 12 && unicode.IsDigit(last) })
	intro := tview.NewTextView().SetDynamicColors(true).SetText(
		"Sign in with your enumerator id and PIN.\n[::d]On your first sign-in on this laptop the PIN you type becomes your PIN (4 to 12 digits).[::-]")
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
func (s *signIn) title() string          { return "Sira · sign in" }

func (s *signIn) bindings() []binding {
	return []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: "Sign in", desc: "next field, then sign in", action: s.enter},
		{keys: []key{k(tcell.KeyTab), k(tcell.KeyBacktab), k(tcell.KeyDown), k(tcell.KeyUp)}, label: "Field", desc: "switch between id and PIN", action: func() error {
			s.toggle()
			return nil
		}},
		{keys: []key{k(tcell.KeyF10)}, label: "Quit", desc: "quit Sira", action: func() error {
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
			return errors.New("type your enumerator id")
		}
		s.toggle()
		return nil
	}
	if id == "" {
		s.toggle()
		return errors.New("type your enumerator id")
	}
	if len(pin) < 4 {
		return errors.New("the PIN has 4 to 12 digits")
	}
	first, err := s.a.opts.Backend.SignIn(s.a.ctx, id, pin)
	if err != nil {
		s.pin.SetText("")
		if errors.Is(err, ErrBadPIN) {
			return errors.New("wrong PIN for " + id)
		}
		return err
	}
	s.a.user = id
	// The PIN hash is memory-hard (tens of MB); hand that memory back now
	// rather than carry it through the interview on a small laptop.
	debug.FreeOSMemory()
	s.a.reset(newHome(s.a))
	if first {
		s.a.info("Welcome " + id + ": your PIN is set on this laptop.")
	}
	return nil
}
