package tui

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// choiceBox is a single or multiple choice widget: radio buttons or
// checkboxes, one per line, numbered. Arrows move the cursor; on a single
// choice the cursor is the answer once the list has been touched. Number keys
// pick the numbered choice; Space toggles a checkbox; a letter jumps to the
// next choice starting with it. It scrolls when the list is taller than its
// box.
type choiceBox struct {
	*tview.Box
	choices  []Choice
	multi    bool
	selected map[int]bool
	cursor   int
	offset   int
	readOnly bool
	changed  func()
	// extra holds stored names that are not among the choices (a
	// cascade's parent changed): they stay the answer until the
	// enumerator chooses again, so that passing the page loses nothing.
	extra []string
	// order is set on a rank question: the choices' indices in the order
	// given; ranked is false until the enumerator set or accepted one.
	order  []int
	ranked bool
	moved  bool   // the cursor was moved since the last choice
	byKey  bool   // the last change was a choice made with one key (a digit)
	filter string // typed letters narrowing a long list, folded
}

func newChoiceBox(choices []Choice, multi bool, value string) *choiceBox {
	c := &choiceBox{Box: tview.NewBox(), choices: choices, multi: multi, selected: map[int]bool{}}
	c.setValue(value)
	return c
}

// value encodes the selection as survey.Record does: a choice name, or
// space-separated names in choice order.
func (c *choiceBox) value() string {
	if c.order != nil {
		if !c.ranked {
			return ""
		}
		names := make([]string, len(c.order))
		for i, j := range c.order {
			names[i] = c.choices[j].Name
		}
		return strings.Join(names, " ")
	}
	var names []string
	seen := map[string]bool{}
	for i, ch := range c.choices {
		if c.selected[i] && !seen[ch.Name] {
			seen[ch.Name] = true
			names = append(names, ch.Name)
		}
	}
	if len(names) == 0 || c.multi {
		names = append(names, c.extra...)
	}
	if !c.multi && len(names) > 1 {
		names = names[:1]
	}
	return strings.Join(names, " ")
}

// setValue selects the stored names; a name given to several choices
// (allow_choice_duplicates) selects the first only.
func (c *choiceBox) setValue(v string) {
	if c.order != nil {
		c.setOrder(v)
		return
	}
	c.selected, c.extra = map[int]bool{}, nil
	for _, n := range splitFields(v) {
		found := false
		for i, ch := range c.choices {
			if ch.Name == n {
				c.selected[i] = true
				if !c.multi {
					c.cursor = i
				}
				found = true
				break
			}
		}
		if !found {
			c.extra = append(c.extra, n)
		}
	}
}

func (c *choiceBox) pick(i int) {
	if i < 0 || i >= len(c.choices) || c.readOnly {
		return
	}
	c.cursor, c.moved = i, false
	c.extra = nil // choosing again, as the message asks
	if c.multi {
		c.selected[i] = !c.selected[i]
	} else {
		c.selected = map[int]bool{i: true}
	}
	if c.changed != nil {
		c.changed()
	}
}

// clear removes the answer (Delete, or Backspace with no filter): an
// optional question can be left unanswered again.
func (c *choiceBox) clear() {
	if c.readOnly || (len(c.selected) == 0 && c.extra == nil && !c.ranked) {
		return
	}
	c.selected, c.extra, c.ranked = map[int]bool{}, nil, false
	if c.changed != nil {
		c.changed()
	}
}

// longList is a list long enough to filter by typing, with a status line.
func (c *choiceBox) longList() bool { return c.order == nil && len(c.choices) > 10 }

// rows lists what is on offer now: choice indices matching the filter, or
// rank positions.
func (c *choiceBox) rows() []int {
	out := make([]int, 0, len(c.choices))
	for i, ch := range c.choices {
		if c.order != nil || c.filter == "" || strings.Contains(fold(ch.Label), c.filter) || strings.Contains(fold(ch.Name), c.filter) {
			out = append(out, i)
		}
	}
	return out
}

// move moves the cursor among the rows; it never changes the answer:
// Space or Enter chooses.
func (c *choiceBox) move(d int) {
	rows := c.rows()
	if len(rows) == 0 {
		return
	}
	at := indexOfInt(rows, c.cursor)
	if at < 0 {
		at = 0
		if d < 0 {
			at = len(rows) - 1
		}
		d = 0
	}
	c.cursor = rows[min(max(at+d, 0), len(rows)-1)]
	c.moved = true
}

// chooseCursor chooses the choice under the cursor of a single choice the
// enumerator moved to with the arrows (Enter): it reports whether it did.
func (c *choiceBox) chooseCursor() bool {
	if c.multi || c.order != nil || !c.moved || c.selected[c.cursor] {
		return false
	}
	c.pick(c.cursor)
	return true
}

func indexOfInt(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// Draw draws the visible choices with the cursor's line highlighted, each
// numbered by its place on screen (1–9, then 0), and for a long list a
// last line saying what is above or below, or the filter typed.
func (c *choiceBox) Draw(screen tcell.Screen) {
	c.DrawForSubclass(screen, c)
	x, y, w, h := c.GetInnerRect()
	if h <= 0 {
		return
	}
	rows := c.rows()
	status := c.longList() && h > 1
	if status {
		h--
	}
	at := max(indexOfInt(rows, c.cursor), 0)
	if at < c.offset {
		c.offset = at
	}
	if at >= c.offset+h {
		c.offset = at - h + 1
	}
	c.offset = max(min(c.offset, len(rows)-h), 0)
	for row := 0; row < h && c.offset+row < len(rows); row++ {
		i := rows[c.offset+row]
		num := "  "
		if row < 10 {
			num = fmt.Sprintf("%d.", (row+1)%10)
		}
		var line string
		if c.order != nil {
			mark := "( )"
			if c.ranked {
				mark = "(•)"
			}
			line = fmt.Sprintf("%s %s %s", mark, num, c.choices[c.order[i]].Label)
		} else {
			mark := "( )"
			if c.multi {
				mark = "[ ]"
			}
			if c.selected[i] {
				mark = "(•)"
				if c.multi {
					mark = "[x]"
				}
			}
			line = fmt.Sprintf("%s %s %s", mark, num, c.choices[i].Label)
		}
		style := tcell.StyleDefault.Foreground(tview.Styles.PrimaryTextColor).Background(tview.Styles.PrimitiveBackgroundColor)
		if i == c.cursor && c.HasFocus() {
			style = style.Reverse(true)
		}
		drawText(screen, x, y+row, w, line, style)
	}
	if status {
		below := len(rows) - c.offset - h
		var line string
		switch {
		case c.filter != "":
			line = fmt.Sprintf("filtre/filter «%s»: %d/%d  ⌫", c.filter, len(rows), len(c.choices))
		case below > 0:
			line = fmt.Sprintf("↓ %d more below · type to filter / ↓ %d de plus · tapez pour filtrer", below, below)
		case c.offset > 0:
			line = fmt.Sprintf("↑ %d above · type to filter / ↑ %d au-dessus", c.offset, c.offset)
		}
		drawText(screen, x, y+h, w, line, tcell.StyleDefault.Foreground(tview.Styles.PrimaryTextColor).Background(tview.Styles.PrimitiveBackgroundColor).Dim(true))
	}
}

func drawText(screen tcell.Screen, x, y, w int, line string, style tcell.Style) {
	for col, ru := range []rune(line) {
		if col >= w {
			break
		}
		screen.SetContent(x+col, y, ru, nil, style)
	}
}

// azerty is the unshifted digit row of a French keyboard: the same keys as
// 1–9 and 0 on a QWERTY one.
var azerty = map[rune]int{'&': 1, 'é': 2, '"': 3, '\'': 4, '(': 5, '-': 6, 'è': 7, '_': 8, 'ç': 9, 'à': 10}

// digit returns 1–10 for the keys that pick by screen place (1–9, 0, and
// the AZERTY digit row), else 0.
func digit(ru rune) int {
	switch {
	case ru >= '1' && ru <= '9':
		return int(ru - '0')
	case ru == '0':
		return 10
	}
	return azerty[ru]
}

// InputHandler handles arrows, numbers, Space, letters and Backspace.
func (c *choiceBox) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return c.WrapInputHandler(func(ev *tcell.EventKey, _ func(p tview.Primitive)) {
		shift := ev.Modifiers()&tcell.ModShift != 0
		switch ev.Key() {
		case tcell.KeyUp:
			if c.order != nil && shift {
				c.place(c.cursor - 1)
				return
			}
			c.move(-1)
		case tcell.KeyDown:
			if c.order != nil && shift {
				c.place(c.cursor + 1)
				return
			}
			c.move(1)
		case tcell.KeyHome:
			c.move(-len(c.choices))
		case tcell.KeyEnd:
			c.move(len(c.choices))
		case tcell.KeyDelete:
			c.clear()
		case tcell.KeyBackspace, tcell.KeyBackspace2:
			if c.filter != "" {
				r := []rune(c.filter)
				c.filter = string(r[:len(r)-1])
				c.offset = 0
				return
			}
			c.clear()
		case tcell.KeyRune:
			ru := ev.Rune()
			if d := digit(ru); d > 0 {
				rows := c.rows()
				if at := c.offset + d - 1; at < len(rows) && d <= 10 {
					if c.order != nil {
						c.place(d - 1)
						return
					}
					c.byKey = true
					c.pick(rows[at])
					c.byKey = false
				}
				return
			}
			switch {
			case ru == ' ':
				if c.order != nil {
					c.ranked = true
					if c.changed != nil {
						c.changed()
					}
					return
				}
				c.pick(c.cursor)
			case unicode.IsLetter(ru) || (c.filter != "" && unicode.IsPrint(ru)):
				if c.longList() {
					c.filter += fold(string(ru))
					c.offset = 0
					if rows := c.rows(); len(rows) > 0 {
						c.cursor, c.moved = rows[0], true
					}
					return
				}
				c.jump(ru)
			}
		}
	})
}

// jump moves the cursor to the next choice whose label starts with ru,
// without choosing it.
func (c *choiceBox) jump(ru rune) {
	n := len(c.choices)
	for d := 1; d <= n; d++ {
		i := (c.cursor + d) % n
		if first := []rune(fold(c.choices[i].Label)); len(first) > 0 && first[0] == []rune(fold(string(ru)))[0] {
			c.cursor, c.moved = i, true
			return
		}
	}
}

// fold lowercases s and takes the accents off Latin letters, so that "eg"
// finds "Égypte" and "cote" finds "Côte d'Ivoire".
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case strings.ContainsRune("àáâãäå", r):
			r = 'a'
		case strings.ContainsRune("çć", r):
			r = 'c'
		case strings.ContainsRune("èéêë", r):
			r = 'e'
		case strings.ContainsRune("ìíîï", r):
			r = 'i'
		case strings.ContainsRune("òóôõö", r):
			r = 'o'
		case strings.ContainsRune("ùúûü", r):
			r = 'u'
		case strings.ContainsRune("ýÿ", r):
			r = 'y'
		case r == 'ñ':
			r = 'n'
		case r == 'œ':
			b.WriteString("oe")
			continue
		case r == 'æ':
			b.WriteString("ae")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func splitFields(s string) []string { return strings.Fields(s) }

// newRankBox is a choiceBox that records an order: digits move the item
// under the cursor to that place, Shift-arrows move it one place, Space
// accepts the order shown.
func newRankBox(choices []Choice, value string) *choiceBox {
	c := &choiceBox{Box: tview.NewBox(), choices: choices, selected: map[int]bool{}, order: []int{}}
	c.setOrder(value)
	return c
}

// setOrder puts the stored names first, in their order, and the others
// after them in list order.
func (c *choiceBox) setOrder(v string) {
	c.order = c.order[:0]
	used := map[int]bool{}
	for _, n := range splitFields(v) {
		for i, ch := range c.choices {
			if ch.Name == n && !used[i] {
				used[i] = true
				c.order = append(c.order, i)
				break
			}
		}
	}
	c.ranked = len(c.order) > 0
	for i := range c.choices {
		if !used[i] {
			c.order = append(c.order, i)
		}
	}
}

// place moves the item under the cursor to position to (0-based).
func (c *choiceBox) place(to int) {
	n := len(c.order)
	if n == 0 || c.readOnly {
		return
	}
	to = min(max(to, 0), n-1)
	item := c.order[c.cursor]
	rest := append(append([]int(nil), c.order[:c.cursor]...), c.order[c.cursor+1:]...)
	c.order = append(append(append([]int(nil), rest[:to]...), item), rest[to:]...)
	c.cursor = to
	c.ranked = true
	if c.changed != nil {
		c.changed()
	}
}
