package tui

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

// BenchmarkKeystroke is the cost of one typed character on a text
// question: the key through the app and the header's progress recomputed.
func BenchmarkKeystroke(b *testing.B) {
	h := newHarness(b, harnessOpts{language: "English (en)"})
	h.signIn("bench", "123400")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "origin_locality" })
	for b.Loop() {
		h.press(tcell.KeyRune, 'a')
	}
}
