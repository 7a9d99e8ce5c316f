package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
)

// key is one key a binding answers to. Keys are F-keys, Ctrl keys and plain
// keys only: Alt combinations do not reach applications in every Windows
// console.
type key struct {
	k tcell.Key
	r rune // for tcell.KeyRune
}

// name is how the help bar writes the key.
func (k key) name() string {
	switch k.k {
	case tcell.KeyRune:
		if k.r == ' ' {
			return "Space"
		}
		return string(k.r)
	case tcell.KeyEnter:
		return "Enter"
	case tcell.KeyEscape:
		return "Esc"
	case tcell.KeyPgDn:
		return "PgDn"
	case tcell.KeyPgUp:
		return "PgUp"
	case tcell.KeyTab:
		return "Tab"
	case tcell.KeyBacktab:
		return "S-Tab"
	}
	if n, ok := tcell.KeyNames[k.k]; ok {
		return n
	}
	return "?"
}

// matches reports whether ev is this key. Ctrl-letter keys arrive either as
// their control code or as a rune with the Ctrl modifier, depending on the
// terminal, so both are accepted.
func (k key) matches(ev *tcell.EventKey) bool {
	if k.k == tcell.KeyRune {
		return ev.Key() == tcell.KeyRune && ev.Rune() == k.r && ev.Modifiers()&(tcell.ModCtrl|tcell.ModAlt) == 0
	}
	if ev.Key() == k.k {
		return true
	}
	if k.k >= tcell.KeyCtrlA && k.k <= tcell.KeyCtrlZ && ev.Key() == tcell.KeyRune && ev.Modifiers()&tcell.ModCtrl != 0 {
		return ev.Rune() == rune('a'+k.k-tcell.KeyCtrlA) || ev.Rune() == rune('A'+k.k-tcell.KeyCtrlA)
	}
	return false
}

// binding is one entry of a screen's key table: the keys, the label on the
// help bar, a longer description for the help screen, and the action. An
// action's error goes to the message bar.
type binding struct {
	keys   []key
	label  string // short, for the help bar; "" keeps it off the bar
	desc   string // for the F1 help screen
	action func() error
}

// k builds a key from a tcell key; r builds one from a rune.
func k(tk tcell.Key) key { return key{k: tk} }
func r(ru rune) key      { return key{k: tcell.KeyRune, r: ru} }

// find returns the binding that answers ev, or nil.
func find(bs []binding, ev *tcell.EventKey) *binding {
	for i := range bs {
		for _, k := range bs[i].keys {
			if k.matches(ev) {
				return &bs[i]
			}
		}
	}
	return nil
}

// helpBar renders the bindings' labels as "[key]F2[-] Lang  …" in tview's
// colour tags, dropping entries from the end when they do not fit width.
// F1 (help) is never dropped while it fits alone: it leads to every key
// the bar had no room for.
func helpBar(bs []binding, width int) string {
	entry := func(bd binding) string { return bd.keys[0].name() + " " + bd.label }
	var help *binding
	var rest []binding
	for i, bd := range bs {
		switch {
		case bd.label == "" || len(bd.keys) == 0:
		case bd.keys[0].name() == "F1" && help == nil:
			help = &bs[i]
		default:
			rest = append(rest, bd)
		}
	}
	room := width
	if help != nil && width > 0 {
		if w := len([]rune(entry(*help))); w <= width {
			room = width - w - 1
		}
	}
	var b strings.Builder
	used := 0
	for _, bd := range rest {
		w := len([]rune(entry(bd)))
		if used > 0 {
			w++
		}
		if width > 0 && used+w > room {
			break
		}
		if used > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[black:darkcyan]" + bd.keys[0].name() + "[-:-] " + bd.label)
		used += w
	}
	if help != nil && (width <= 0 || used+len([]rune(entry(*help)))+min(used, 1) <= width) {
		if used > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[black:darkcyan]" + help.keys[0].name() + "[-:-] " + help.label)
	}
	return b.String()
}

// helpText renders every binding with all its keys, for the help screen.
func helpText(bs []binding) string {
	var b strings.Builder
	for _, bd := range bs {
		if bd.desc == "" {
			continue
		}
		names := make([]string, len(bd.keys))
		for i, k := range bd.keys {
			names[i] = k.name()
		}
		b.WriteString("  [yellow]" + padRight(strings.Join(names, " / "), 18) + "[-] " + bd.desc + "\n")
	}
	return b.String()
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}
