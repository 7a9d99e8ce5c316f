package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

func TestKeyMatches(t *testing.T) {
	tests := []struct {
		name string
		key  key
		ev   *tcell.EventKey
		want bool
	}{
		{"FKey", k(tcell.KeyF2), tcell.NewEventKey(tcell.KeyF2, 0, tcell.ModNone), true},
		{"OtherFKey", k(tcell.KeyF2), tcell.NewEventKey(tcell.KeyF3, 0, tcell.ModNone), false},
		{"CtrlCode", k(tcell.KeyCtrlN), tcell.NewEventKey(tcell.KeyCtrlN, 0, tcell.ModCtrl), true},
		{"CtrlAsRune", k(tcell.KeyCtrlN), tcell.NewEventKey(tcell.KeyRune, 'n', tcell.ModCtrl), true},
		{"PlainRuneIsNotCtrl", k(tcell.KeyCtrlN), tcell.NewEventKey(tcell.KeyRune, 'n', tcell.ModNone), false},
		{"Rune", r('d'), tcell.NewEventKey(tcell.KeyRune, 'd', tcell.ModNone), true},
		{"RuneWithAlt", r('d'), tcell.NewEventKey(tcell.KeyRune, 'd', tcell.ModAlt), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.matches(tt.ev); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHelpBar(t *testing.T) {
	bs := []binding{
		{keys: []key{k(tcell.KeyEnter), k(tcell.KeyPgDn)}, label: "Next"},
		{keys: []key{k(tcell.KeyTab)}}, // no label: not on the bar
		{keys: []key{k(tcell.KeyF2)}, label: "Lang"},
		{keys: []key{k(tcell.KeyEscape)}, label: "Home"},
	}
	strip := func(s string) string {
		return strings.NewReplacer("[black:darkcyan]", "", "[-:-]", "").Replace(s)
	}
	tests := []struct {
		width int
		want  string
	}{
		{80, "Enter Next F2 Lang Esc Home"},
		{20, "Enter Next F2 Lang"},
		{5, ""},
	}
	for _, tt := range tests {
		if got := strip(helpBar(bs, tt.width)); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
	}
	// F1 stays on the bar when others are dropped to make room for it.
	withHelp := append(bs[:len(bs):len(bs)], binding{keys: []key{k(tcell.KeyF1)}, label: "Help"})
	for _, tt := range []struct {
		width int
		want  string
	}{
		{80, "Enter Next F2 Lang Esc Home F1 Help"},
		{30, "Enter Next F2 Lang F1 Help"},
		{12, "F1 Help"},
		{5, ""},
	} {
		if got := strip(helpBar(withHelp, tt.width)); got != tt.want {
			t.Errorf("with F1, width %d: %q, want %q", tt.width, got, tt.want)
		}
	}
	if got := helpText(append(bs, binding{keys: []key{k(tcell.KeyF1)}, desc: "help"})); !strings.Contains(got, "F1") || !strings.Contains(got, "help") {
		t.Errorf("help text %q", got)
	}
}

func TestLangCode(t *testing.T) {
	for in, want := range map[string]string{"Français (fr)": "FR", "English (en)": "EN", "": "--", "Bambara": "BA"} {
		if got := langCode(in); got != want {
			t.Errorf("langCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChoiceBoxKeys(t *testing.T) {
	cs := []Choice{{"a", "Apple"}, {"b", "Banana"}, {"c", "Cherry"}, {"d", "Date"}}
	press := func(c *choiceBox, k tcell.Key, r rune) {
		c.InputHandler()(tcell.NewEventKey(k, r, tcell.ModNone), func(p tview.Primitive) {})
	}
	single := newChoiceBox(cs, false, "")
	if single.value() != "" {
		t.Fatalf("untouched single choice = %q", single.value())
	}
	press(single, tcell.KeyDown, 0)
	press(single, tcell.KeyDown, 0)
	if got := single.value(); got != "" {
		t.Errorf("two Downs chose %q: arrows only move", got)
	}
	press(single, tcell.KeyRune, ' ')
	if got := single.value(); got != "c" {
		t.Errorf("two Downs and Space: %q, want c", got)
	}
	press(single, tcell.KeyRune, '2')
	if got := single.value(); got != "b" {
		t.Errorf("key 2: %q, want b", got)
	}
	press(single, tcell.KeyRune, 'd')
	if got := single.value(); got != "b" {
		t.Errorf("letter d changed the answer to %q", got)
	}
	// The AZERTY digit row picks as the digits do.
	for r, want := range map[rune]string{'&': "a", 'é': "b", '"': "c", '\'': "d"} {
		press(single, tcell.KeyRune, r)
		if got := single.value(); got != want {
			t.Errorf("AZERTY %q: %q, want %q", r, got, want)
		}
	}
	press(single, tcell.KeyBackspace2, 0)
	if got := single.value(); got != "" {
		t.Errorf("Backspace left %q: an optional answer can be cleared", got)
	}
	multi := newChoiceBox(cs, true, "b")
	press(multi, tcell.KeyRune, '4')
	press(multi, tcell.KeyRune, '1')
	press(multi, tcell.KeyDown, 0) // moves only
	press(multi, tcell.KeyRune, '2')
	if got := multi.value(); got != "a d" {
		t.Errorf("multi: %q, want \"a d\"", got)
	}
	press(multi, tcell.KeyRune, ' ')
	if got := multi.value(); got != "a b d" {
		t.Errorf("Space on the cursor: %q, want \"a b d\"", got)
	}
}

func TestFieldListScrolls(t *testing.T) {
	h := newHarness(t, harnessOpts{language: "English (en)"})
	h.signIn("awa", "432100")
	h.key(tcell.KeyEnter)
	h.drive(nil, func(p *Page) bool { return fieldName(p.ID) == "wg" })
	h.mustSee("difficulty seeing")
	h.mustSee("↓ 3 more question(s) below")
	for range 5 {
		h.typ("1")
		h.key(tcell.KeyTab)
	}
	h.mustSee("↑")
	h.mustSee("difficulty communicating")
	h.typ("2")
	h.key(tcell.KeyEnter)
	if _, p := h.current(); p == nil || fieldName(p.ID) == "wg" {
		t.Fatalf("did not leave the group:\n%s", h.text())
	}
	got := h.answers(h.only("draft").ID)
	for name, want := range map[string]string{"wg_seeing": "none", "wg_selfcare": "none", "wg_communication": "some"} {
		if v, _ := valueOf(got, name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
}

func TestTextHeight(t *testing.T) {
	note := "Hello. I work for the national survey of returning migrants. We interview people coming back to Mali to better understand their journeys and their needs.* "
	tests := []struct {
		text  string
		width int
		want  int
	}{
		{"", 76, 1},
		{"short", 76, 1},
		{"a\nb", 76, 2},
		// Counting runes gives 2 rows at 78 columns; word wrap needs 3.
		{note, 78, 3},
		{note, 76, 3},
		{note, 74, 3},
		{"x", 0, 1},
	}
	for _, tt := range tests {
		if got := textHeight(tt.text, tt.width); got != tt.want {
			t.Errorf("textHeight(%.20q…, %d) = %d, want %d", tt.text, tt.width, got, tt.want)
		}
	}
}

// TestChoiceBoxLongList: every one of ten choices has a key (0 and à for the
// tenth); a longer list filters as letters are typed, accents folded, and
// says what is below.
func TestChoiceBoxLongList(t *testing.T) {
	press := func(c *choiceBox, k tcell.Key, r rune) {
		c.InputHandler()(tcell.NewEventKey(k, r, tcell.ModNone), func(p tview.Primitive) {})
	}
	var ten []Choice
	for i := range 10 {
		ten = append(ten, Choice{Name: fmt.Sprint(i), Label: fmt.Sprintf("%d group", i)})
	}
	c := newChoiceBox(ten, false, "")
	for r, want := range map[rune]string{'0': "9", 'à': "9", '1': "0", 'ç': "8", '-': "5"} {
		press(c, tcell.KeyRune, r)
		if got := c.value(); got != want {
			t.Errorf("key %q: %q, want %q", r, got, want)
		}
	}
	countries := []Choice{{"DZA", "Algérie"}, {"BEN", "Bénin"}, {"BFA", "Burkina Faso"}, {"CIV", "Côte d'Ivoire"},
		{"EGY", "Égypte"}, {"ESP", "Espagne"}, {"FRA", "France"}, {"GHA", "Ghana"}, {"GIN", "Guinée"},
		{"LBY", "Libye"}, {"MAR", "Maroc"}, {"NER", "Niger"}}
	l := newChoiceBox(countries, false, "")
	sim := tcell.NewSimulationScreen("UTF-8")
	if err := sim.Init(); err != nil {
		t.Fatal(err)
	}
	defer sim.Fini()
	sim.SetSize(40, 6)
	l.SetRect(0, 0, 40, 6)
	l.Draw(sim)
	sim.Show()
	if txt := simText(sim); !strings.Contains(txt, "7 more below") {
		t.Errorf("no cue of the choices below:\n%s", txt)
	}
	press(l, tcell.KeyRune, 'e')
	press(l, tcell.KeyRune, 'g')
	if rows := l.rows(); len(rows) != 1 || countries[rows[0]].Name != "EGY" {
		t.Fatalf("filter eg: %v, want Égypte alone", rows)
	}
	if got := l.value(); got != "" {
		t.Errorf("typing chose %q", got)
	}
	press(l, tcell.KeyRune, '1')
	if got := l.value(); got != "EGY" {
		t.Errorf("1 on the filtered list: %q, want EGY", got)
	}
}
