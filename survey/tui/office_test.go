package tui

import (
	"encoding/json"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/gdamore/tcell/v2"
)

// TestHomeShowsOffice: a laptop that was never enrolled says so on the home
// screen; once enrolled, home shows the office key's fingerprint, which the
// enumerator can compare with the one the office reads out.
func TestHomeShowsOffice(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.mustSee("Interviews on this laptop · not enrolled")

	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	e, err := json.Marshal(map[string]any{"office": "bamako", "recipient": id.Recipient().String(),
		"fingerprint": "SHA256:abcd-ef01-2345-6789", "enumerators": []map[string]string{{"id": "awa", "name": "Awa"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetSetting(h.ctx, "enrolment", string(e)); err != nil {
		t.Fatal(err)
	}
	h.key(tcell.KeyEnter) // a new interview, and back: home reloads
	h.key(tcell.KeyEscape)
	h.mustSee("office SHA256:abcd-ef01-2345-6789")
	if got := h.text(); strings.Contains(got, "not enrolled") {
		t.Errorf("home still says not enrolled:\n%s", got)
	}
}
