package tui

import (
	"path"
	"regexp"
	"strings"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
)

// answers the driver gives, by field name, in order of preference; other
// fields get answers by type (driverCandidates).
var driverAnswers = map[string][]string{
	"already_interviewed": {"no"},
	"consent":             {"yes"},
	"nb_legs":             {"3"},
	"age":                 {"34"},
	"border_post":         {"diboli"},
	"departure_date":      {"2020-03-01"},
	"return_date":         {"2024-01-15"},
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// fieldName is a ref's last segment without index: "leg_country".
func fieldName(ref string) string { return path.Base(indexRE.ReplaceAllString(ref, "")) }

func driverCandidates(f Field) []string {
	if c, ok := driverAnswers[fieldName(f.Ref)]; ok {
		return c
	}
	switch f.Type {
	case forms.TypeSelectOne, forms.TypeSelectFile, forms.TypeSelectMulti, forms.TypeSelectMultiFile:
		var out []string
		for _, c := range f.Choices {
			out = append(out, c.Name)
		}
		return out
	case forms.TypeAcknowledge:
		return []string{"OK"}
	case forms.TypeInteger:
		return []string{"30", "3", "1", "0"}
	case forms.TypeDecimal, forms.TypeRange:
		return []string{"1500", "10", "0"}
	case forms.TypeDate:
		return []string{"2022-03-01", "2024-01-15", "2020-01-01"}
	case forms.TypeTime:
		return []string{"10:30"}
	case forms.TypeGeopoint:
		return []string{"12.65 -8.0"}
	case forms.TypeImage, forms.TypeAudio, forms.TypeVideo, forms.TypeFile:
		return nil
	}
	return []string{"Kati"}
}

// focusRef moves the focus to the field with ref on a field-list page.
func (h *harness) focusRef(ref string) {
	h.tb.Helper()
	for range 20 {
		var got string
		h.do(func() {
			if iv, ok := h.app.cur.(*interview); ok && iv.focused < len(iv.fields) {
				got = iv.fields[iv.focused].f.Ref
			}
		})
		if got == ref {
			return
		}
		h.key(tcell.KeyTab)
	}
	h.tb.Fatalf("cannot focus %s:\n%s", ref, h.text())
}

// setWidget types value into the focused field's widget.
func (h *harness) setWidget(f Field, value string) {
	switch f.Type {
	case forms.TypeSelectOne, forms.TypeSelectFile, forms.TypeAcknowledge:
		cs := f.Choices
		if f.Type == forms.TypeAcknowledge {
			cs = []Choice{{Name: "OK"}}
		}
		for i, c := range cs {
			if c.Name == value {
				if i < 9 {
					h.typ(string(rune('1' + i)))
				} else {
					h.key(tcell.KeyHome)
					for range i {
						h.key(tcell.KeyDown)
					}
					h.press(tcell.KeyRune, ' ')
				}
				return
			}
		}
		h.tb.Fatalf("%s: no choice %q", f.Ref, value)
	case forms.TypeSelectMulti, forms.TypeSelectMultiFile:
		want := map[string]bool{}
		for _, v := range strings.Fields(value) {
			want[v] = true
		}
		h.key(tcell.KeyHome)
		var sel map[int]bool
		h.do(func() {
			iv := h.app.cur.(*interview)
			cb := iv.fields[iv.focused].input.(*choiceBox)
			sel = map[int]bool{}
			for i := range cb.choices {
				sel[i] = cb.selected[i]
			}
		})
		for i, c := range f.Choices {
			if sel[i] != want[c.Name] {
				h.press(tcell.KeyRune, ' ')
			}
			h.key(tcell.KeyDown)
		}
	default:
		h.key(tcell.KeyCtrlU)
		h.typ(value)
	}
}

// answerPage answers every field of the current page with the first
// candidate the engine accepts, then presses Enter.
func (h *harness) answerPage(override map[string][]string) {
	h.tb.Helper()
	iv, p := h.current()
	if p == nil {
		h.tb.Fatalf("not on an interview page but %s:\n%s", h.screenName(), h.text())
	}
	for _, f := range p.Fields {
		if f.ReadOnly || f.Type == forms.TypeNote {
			continue
		}
		cands := override[fieldName(f.Ref)]
		if cands == nil {
			cands = driverCandidates(f)
		}
		var msg string
		h.do(func() { msg = iv.s.Check(f.Ref) })
		if f.Value != "" && msg == "" {
			continue // a default or an earlier answer that stands
		}
		if !f.Required && len(cands) == 0 {
			continue
		}
		h.focusRef(f.Ref)
		ok := false
		for _, c := range cands {
			h.setWidget(f, c)
			h.key(tcell.KeyTab) // leave the field: saved and checked
			h.do(func() { msg = iv.s.Check(f.Ref) })
			if msg == "" {
				ok = true
				break
			}
			h.focusRef(f.Ref)
		}
		if !ok {
			h.tb.Fatalf("%s: no candidate accepted (%q):\n%s", f.Ref, msg, h.text())
		}
	}
	h.pressNext(p.ID, len(p.Fields))
}

// pressNext presses Enter until the page with id is left: on a field list
// Enter goes from field to field first.
func (h *harness) pressNext(id string, fields int) {
	for range fields + 1 {
		h.key(tcell.KeyEnter)
		if _, p := h.current(); p == nil || p.ID != id {
			return
		}
	}
}

// drive answers pages until the review screen shows; it returns the IDs of
// the pages seen.
func (h *harness) drive(override map[string][]string, stop func(p *Page) bool) []string {
	h.tb.Helper()
	var seen []string
	for range 400 {
		_, p := h.current()
		if p == nil {
			return seen
		}
		if stop != nil && stop(p) {
			return seen
		}
		if n := len(seen); n > 0 && seen[n-1] == p.ID {
			h.tb.Fatalf("stuck on %s (%s):\n%s", p.ID, h.message(), h.text())
		}
		seen = append(seen, p.ID)
		h.answerPage(override)
	}
	h.tb.Fatalf("interview did not end")
	return nil
}
