package tui

import (
	"context"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/gdamore/tcell/v2"

	"sira/survey/vault"
)

// TestFirstPINTypedTwice: a new enumerator's PIN has 6 digits or more and
// is typed twice; two different PINs set nothing.
func TestFirstPINTypedTwice(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.typ("fanta")
	h.key(tcell.KeyEnter)
	h.typ("12345")
	h.key(tcell.KeyEnter)
	if m := h.message(); !strings.Contains(m, "6 digits") {
		t.Fatalf("5-digit first PIN: message %q", m)
	}
	h.typ("6")
	h.key(tcell.KeyEnter)
	h.mustSee("PIN again")
	h.typ("654321")
	h.key(tcell.KeyEnter)
	if m := h.message(); !strings.Contains(m, "differ") {
		t.Fatalf("different PINs: message %q", m)
	}
	if ok, _ := h.store.HasAccount(h.ctx, "fanta"); ok {
		t.Fatal("an account was created from two different PINs")
	}
	h.typ("123456")
	h.key(tcell.KeyEnter)
	h.typ("123456")
	h.key(tcell.KeyEnter)
	h.mustSee("Drafts")
	if ok, _ := h.store.HasAccount(h.ctx, "fanta"); !ok {
		t.Fatal("no account after the PIN typed twice")
	}
	// Signing in again asks for the PIN once.
	h.key(tcell.KeyF10)
	h2 := newHarness(t, harnessOpts{path: h.path})
	h2.typ("FANTA")
	h2.key(tcell.KeyEnter)
	h2.typ("123456")
	h2.key(tcell.KeyEnter)
	h2.mustSee("Drafts")
}

// TestForgotPIN: F3 takes the code the office read over the phone and a
// new PIN typed twice; the drafts are still there.
func TestForgotPIN(t *testing.T) {
	ctx := context.Background()
	office, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{})
	if err := h.store.SetSetting(ctx, "enrolment", `{"recipient":"`+office.Recipient().String()+`","enumerators":[{"id":"awa"}]}`); err != nil {
		t.Fatal(err)
	}
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter) // a draft
	h.mustSee("Bonjour. Je travaille pour")
	rks, err := h.store.RecoveryKeys(ctx)
	if err != nil || len(rks) != 1 {
		t.Fatalf("RecoveryKeys = %v, %v", rks, err)
	}
	dk, err := vault.OpenRecovery(rks[0].Key, office)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := vault.NewResetCode()
	pkg, err := vault.SealReset(dk, "awa", code)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.StorePINReset(ctx, "awa", pkg); err != nil {
		t.Fatal(err)
	}
	h.key(tcell.KeyEscape) // home, the draft kept
	h.mustSee("Drafts 1")
	h.key(tcell.KeyF10)

	h2 := newHarness(t, harnessOpts{path: h.path})
	h2.key(tcell.KeyF3)
	h2.mustSee("reset code")
	h2.typ("awa")
	h2.key(tcell.KeyEnter)
	wrong, _ := vault.NewResetCode()
	h2.typ(wrong)
	h2.key(tcell.KeyEnter)
	h2.typ("999999")
	h2.key(tcell.KeyEnter)
	h2.typ("999999")
	h2.key(tcell.KeyEnter)
	if m := h2.message(); !strings.Contains(m, "wrong reset code") {
		t.Fatalf("wrong code: message %q", m)
	}
	h2.typ(strings.ToLower(code))
	h2.key(tcell.KeyEnter)
	h2.key(tcell.KeyEnter) // the new PIN fields still hold it
	h2.key(tcell.KeyEnter)
	h2.mustSee("Drafts 1")
	h2.key(tcell.KeyF10)
	h3 := newHarness(t, harnessOpts{path: h.path})
	h3.signIn("awa", "999999")
}
