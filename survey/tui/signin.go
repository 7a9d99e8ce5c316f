package tui

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"sira/survey"
)

// minPIN is the shortest PIN that can be set (survey/SECURITY.md); a
// shorter one from before the encryption upgrade signs in once and must
// then be changed.
const minPIN = 6

// pinBackend is what the sign-in screen needs beyond Backend.SignIn to set
// a PIN typed twice, change a PIN that is too short, and reset a forgotten
// one with the office's code. NewBackend's backend implements it (below).
type pinBackend interface {
	// HasAccount reports whether the enumerator has a PIN on this laptop.
	HasAccount(ctx context.Context, enumerator string) (bool, error)
	// SetPIN sets a signed-in enumerator's new PIN.
	SetPIN(ctx context.Context, enumerator, pin string) error
	// ResetPIN sets a new PIN with the reset code the office read over
	// the phone, and signs the enumerator in.
	ResetPIN(ctx context.Context, enumerator, code, pin string) error
}

// signIn asks for the enumerator's id and PIN. A first PIN is typed twice;
// F3 resets a forgotten PIN with the office's code.
type signIn struct {
	a                    *App
	id, code, pin, again *tview.InputField
	intro                *tview.TextView
	form                 *tview.Flex
	fields               []*tview.InputField // in focus order, for the current mode
	at                   int
	mode                 int
}

// Sign-in modes.
const (
	modeSignIn = iota // id, PIN (and PIN again on first use)
	modeChange        // a PIN too short: new PIN twice
	modeReset         // id, code, new PIN twice
)

func newSignIn(a *App) *signIn {
	s := &signIn{a: a}
	s.id = tview.NewInputField().SetLabel(a.tr("Enumerator id: ", "Identifiant :  ")).SetFieldWidth(24).
		SetAcceptanceFunc(func(text string, last rune) bool {
			return len(text) <= 40 && (unicode.IsLetter(last) || unicode.IsDigit(last) || strings.ContainsRune("-_.", last))
		})
	digits := func(text string, last rune) bool { return len(text) <= 16 && unicode.IsDigit(last) }
	s.pin = tview.NewInputField().SetLabel(a.tr("PIN:           ", "Code PIN :     ")).SetFieldWidth(16).SetMaskCharacter('*').
		SetAcceptanceFunc(digits)
	s.again = tview.NewInputField().SetLabel(a.tr("PIN again:     ", "Code, encore : ")).SetFieldWidth(16).SetMaskCharacter('*').
		SetAcceptanceFunc(digits)
	s.code = tview.NewInputField().SetLabel(a.tr("Reset code:    ", "Code reçu :    ")).SetFieldWidth(24).
		SetAcceptanceFunc(func(text string, last rune) bool { return len(text) <= 24 && last < 128 })
	s.intro = tview.NewTextView().SetDynamicColors(true)
	s.form = tview.NewFlex().SetDirection(tview.FlexRow)
	s.form.SetBorder(true).SetTitle(" Sira ").SetBorderPadding(1, 0, 2, 2)
	s.setMode(modeSignIn, false)
	return s
}

// setMode lays the screen out for a mode; confirm adds "PIN again".
func (s *signIn) setMode(mode int, confirm bool) {
	s.mode = mode
	var intro string
	switch mode {
	case modeSignIn:
		s.fields = []*tview.InputField{s.id, s.pin}
		intro = s.a.tr("Sign in with your enumerator id and PIN.\n[::d]On your first sign-in on this laptop you choose your PIN (6 digits or more), typed twice. F3: forgot PIN.[::-]",
			"Connectez-vous avec votre identifiant d'enquêteur et votre code PIN.\n[::d]À la première connexion sur cet ordinateur, choisissez votre code (6 chiffres ou plus), tapé deux fois. F3 : code oublié.[::-]")
	case modeChange:
		s.fields = []*tview.InputField{s.pin, s.again}
		intro = s.a.tr("Your PIN is too short: choose a new one (6 digits or more), typed twice.",
			"Votre code est trop court : choisissez-en un nouveau (6 chiffres ou plus), tapé deux fois.")
	case modeReset:
		s.fields = []*tview.InputField{s.id, s.code, s.pin, s.again}
		intro = s.a.tr("Forgot your PIN: your supervisor reads you a reset code (16 letters and digits). Then choose a new PIN, typed twice. Esc: back.",
			"Code oublié : votre superviseur vous lit un code de réinitialisation (16 lettres et chiffres). Choisissez ensuite un nouveau code, tapé deux fois. Échap : retour.")
	}
	if confirm && mode == modeSignIn {
		s.fields = append(s.fields, s.again)
	}
	s.intro.SetText(intro)
	s.form.Clear()
	s.form.AddItem(s.intro, 4, 0, false)
	for i, f := range s.fields {
		if i > 0 {
			s.form.AddItem(nil, 1, 0, false)
		}
		s.form.AddItem(f, 1, 0, false)
	}
	s.form.AddItem(nil, 0, 1, false)
}

func (s *signIn) root() tview.Primitive  { return s.form }
func (s *signIn) focus() tview.Primitive { return s.fields[s.at] }
func (s *signIn) title() string          { return s.a.tr("Sira · sign in", "Sira · connexion") }

func (s *signIn) bindings() []binding {
	bs := []binding{
		{keys: []key{k(tcell.KeyEnter)}, label: s.a.tr("Sign in", "Connexion"), desc: "next field, then sign in", action: s.enter},
		{keys: []key{k(tcell.KeyTab), k(tcell.KeyDown)}, label: s.a.tr("Field", "Champ"), desc: "next field", action: func() error {
			s.move(1)
			return nil
		}},
		{keys: []key{k(tcell.KeyBacktab), k(tcell.KeyUp)}, desc: "previous field", action: func() error {
			s.move(-1)
			return nil
		}},
	}
	if _, ok := s.a.opts.Backend.(pinBackend); ok && s.mode == modeSignIn {
		bs = append(bs, binding{keys: []key{k(tcell.KeyF3)}, label: s.a.tr("Forgot PIN", "Code oublié"), desc: "reset a forgotten PIN with the office's code", action: func() error {
			s.pin.SetText("")
			s.again.SetText("")
			s.show(modeReset, false, 0)
			return nil
		}})
	}
	if s.mode == modeReset {
		bs = append(bs, binding{keys: []key{k(tcell.KeyEscape)}, label: s.a.tr("Back", "Retour"), desc: "back to sign-in", action: func() error {
			s.clearPINs()
			s.show(modeSignIn, false, 0)
			return nil
		}})
	}
	return append(bs, binding{keys: []key{k(tcell.KeyF10)}, label: s.a.tr("Quit", "Quitter"), desc: "quit Sira", action: func() error {
		s.a.Stop()
		return nil
	}})
}

// show switches mode and focuses field at.
func (s *signIn) show(mode int, confirm bool, at int) {
	s.setMode(mode, confirm)
	s.at = min(at, len(s.fields)-1)
	s.a.tv.SetFocus(s.fields[s.at])
	s.a.refreshChrome()
}

func (s *signIn) move(d int) {
	s.at = (s.at + d + len(s.fields)) % len(s.fields)
	s.a.tv.SetFocus(s.fields[s.at])
}

func (s *signIn) clearPINs() {
	s.pin.SetText("")
	s.again.SetText("")
	s.code.SetText("")
}

// index returns f's position in the current fields, -1 if absent.
func (s *signIn) index(f *tview.InputField) int {
	for i, g := range s.fields {
		if g == f {
			return i
		}
	}
	return -1
}

func (s *signIn) enter() error {
	id, pin := strings.TrimSpace(s.id.GetText()), s.pin.GetText()
	cur := s.fields[s.at]
	if s.mode != modeChange && id == "" {
		s.at = 0
		s.a.tv.SetFocus(s.id)
		return errors.New(s.a.tr("type your enumerator id", "tapez votre identifiant"))
	}
	if s.at < len(s.fields)-1 {
		if cur == s.pin && s.mode == modeSignIn && len(s.fields) == 2 {
			return s.signInOrConfirm(id, pin)
		}
		s.move(1)
		return nil
	}
	switch {
	case s.mode == modeSignIn && cur == s.pin:
		return s.signInOrConfirm(id, pin)
	case s.mode == modeSignIn:
		return s.confirmed(func() error { return s.signInWith(id, pin) })
	case s.mode == modeChange:
		return s.confirmed(func() error {
			if err := s.a.opts.Backend.(pinBackend).SetPIN(s.a.ctx, s.a.user, pin); err != nil {
				return err
			}
			s.a.reset(newHome(s.a))
			s.a.info(s.a.tr("Your new PIN is set.", "Votre nouveau code est enregistré."))
			return nil
		})
	default: // modeReset
		return s.confirmed(func() error {
			err := s.a.opts.Backend.(pinBackend).ResetPIN(s.a.ctx, id, s.code.GetText(), pin)
			if errors.Is(err, survey.ErrWrongPIN) || errors.Is(err, survey.ErrNotFound) {
				s.code.SetText("")
				s.at = s.index(s.code)
				s.a.tv.SetFocus(s.code)
				if errors.Is(err, survey.ErrNotFound) {
					return errors.New(s.a.tr("no reset from the office for "+id+" on this laptop yet: sync first", "pas encore de réinitialisation du bureau pour "+id+" : synchronisez d'abord"))
				}
				return errors.New(s.a.tr("wrong reset code", "code de réinitialisation erroné"))
			}
			if err != nil {
				return err
			}
			s.done(id, false)
			s.a.info(s.a.tr("Your new PIN is set.", "Votre nouveau code est enregistré."))
			return nil
		})
	}
}

// confirmed checks the new PIN typed twice, then runs fn.
func (s *signIn) confirmed(fn func() error) error {
	pin := s.pin.GetText()
	if len(pin) < minPIN {
		s.at = s.index(s.pin)
		s.a.tv.SetFocus(s.pin)
		return fmt.Errorf(s.a.tr("a PIN has %d digits or more", "un code a %d chiffres ou plus"), minPIN)
	}
	if s.again.GetText() != pin {
		s.pin.SetText("")
		s.again.SetText("")
		s.at = s.index(s.pin)
		s.a.tv.SetFocus(s.pin)
		return errors.New(s.a.tr("the two PINs differ: type it again", "les deux codes diffèrent : retapez-le"))
	}
	return fn()
}

// signInOrConfirm signs a known enumerator in, or asks a new one for the
// PIN again.
func (s *signIn) signInOrConfirm(id, pin string) error {
	if len(pin) < 4 {
		return fmt.Errorf(s.a.tr("a PIN has %d digits or more", "un code a %d chiffres ou plus"), minPIN)
	}
	if pb, ok := s.a.opts.Backend.(pinBackend); ok {
		has, err := pb.HasAccount(s.a.ctx, id)
		if err != nil {
			return err
		}
		if !has {
			if len(pin) < minPIN {
				return fmt.Errorf(s.a.tr("a PIN has %d digits or more", "un code a %d chiffres ou plus"), minPIN)
			}
			s.again.SetText("")
			s.show(modeSignIn, true, 2)
			return nil
		}
	}
	return s.signInWith(id, pin)
}

func (s *signIn) signInWith(id, pin string) error {
	first, err := s.a.opts.Backend.SignIn(s.a.ctx, id, pin)
	if err != nil {
		s.clearPINs()
		s.show(modeSignIn, false, 1)
		switch {
		case errors.Is(err, ErrBadPIN), errors.Is(err, survey.ErrWrongPIN):
			return errors.New(s.a.tr("wrong PIN for ", "code PIN erroné pour ") + id)
		case errors.Is(err, survey.ErrNotEnrolled):
			return errors.New(id + s.a.tr(" is not enrolled on this laptop", " n'est pas inscrit sur cet ordinateur"))
		case errors.Is(err, survey.ErrBadPIN):
			return fmt.Errorf(s.a.tr("a PIN has %d digits or more", "un code a %d chiffres ou plus"), minPIN)
		}
		return err
	}
	if _, ok := s.a.opts.Backend.(pinBackend); ok && len(pin) < minPIN {
		// A PIN from before the encryption upgrade: change it now.
		s.a.user = id
		s.clearPINs()
		s.show(modeChange, false, 0)
		return nil
	}
	s.done(id, first)
	return nil
}

// done opens the home screen for the signed-in enumerator.
func (s *signIn) done(id string, first bool) {
	s.a.user = id
	s.clearPINs()
	// The PIN derivation is memory-hard (64 MiB); hand that memory back now
	// rather than carry it through the interview on a small laptop.
	debug.FreeOSMemory()
	s.a.reset(newHome(s.a))
	if first {
		s.a.info(fmt.Sprintf(s.a.tr("Welcome %s: your PIN is set on this laptop.", "Bienvenue %s : votre code PIN est enregistré sur cet ordinateur."), id))
	}
}

// HasAccount implements pinBackend with the store's accounts, when it
// lists them (the SQLite store does).
func (b *backend) HasAccount(ctx context.Context, enumerator string) (bool, error) {
	if a, ok := b.st.(interface {
		HasAccount(context.Context, string) (bool, error)
	}); ok {
		return a.HasAccount(ctx, enumerator)
	}
	return true, nil
}

// SetPIN implements pinBackend.
func (b *backend) SetPIN(ctx context.Context, enumerator, pin string) error {
	return b.st.SetPIN(ctx, enumerator, pin)
}

// ResetPIN implements pinBackend.
func (b *backend) ResetPIN(ctx context.Context, enumerator, code, pin string) error {
	return b.st.ResetPIN(ctx, enumerator, code, pin)
}
