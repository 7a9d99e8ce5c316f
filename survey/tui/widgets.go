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
}

func newChoiceBox(choices []Choice, multi bool, value string) *choiceBox {
	c := &choiceBox{Box: tview.NewBox(), choices: choices, multi: multi, selected: map[int]bool{}}
	c.setValue(value)
	return c
}

// value encodes the selection as survey.Record does: a choice name, or
// space-separated names in choice order.
func (c *choiceBox) value() string {
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
	c.cursor = i
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

func (c *choiceBox) move(d int) {
	n := len(c.choices)
	if n == 0 {
		return
	}
	i := min(max(c.cursor+d, 0), n-1)
	if c.multi {
		c.cursor = i
		return
	}
	c.pick(i)
}

// Draw draws the visible choices with the cursor's line highlighted.
func (c *choiceBox) Draw(screen tcell.Screen) {
	c.DrawForSubclass(screen, c)
	x, y, w, h := c.GetInnerRect()
	if h <= 0 {
		return
	}
	if c.cursor < c.offset {
		c.offset = c.cursor
	}
	if c.cursor >= c.offset+h {
		c.offset = c.cursor - h + 1
	}
	for row := 0; row < h && c.offset+row < len(c.choices); row++ {
		i := c.offset + row
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
		num := "  "
		if i < 9 {
			num = fmt.Sprintf("%d.", i+1)
		}
		line := fmt.Sprintf("%s %s %s", mark, num, c.choices[i].Label)
		style := tcell.StyleDefault
		if i == c.cursor && c.HasFocus() {
			style = style.Reverse(true)
		}
		for col, ru := range []rune(line) {
			if col >= w {
				break
			}
			screen.SetContent(x+col, y+row, ru, nil, style)
		}
	}
}

// InputHandler handles arrows, numbers, Space and letters.
func (c *choiceBox) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return c.WrapInputHandler(func(ev *tcell.EventKey, _ func(p tview.Primitive)) {
		switch ev.Key() {
		case tcell.KeyUp:
			c.move(-1)
		case tcell.KeyDown:
			c.move(1)
		case tcell.KeyHome:
			c.move(-len(c.choices))
		case tcell.KeyEnd:
			c.move(len(c.choices))
		case tcell.KeyRune:
			ru := ev.Rune()
			switch {
			case ru == ' ':
				c.pick(c.cursor)
			case ru >= '1' && ru <= '9':
				c.pick(int(ru - '1'))
			case unicode.IsLetter(ru):
				c.jump(ru)
			}
		}
	})
}

// jump moves the cursor to the next choice whose label starts with ru.
func (c *choiceBox) jump(ru rune) {
	n := len(c.choices)
	for d := 1; d <= n; d++ {
		i := (c.cursor + d) % n
		if first := []rune(c.choices[i].Label); len(first) > 0 && unicode.ToLower(first[0]) == unicode.ToLower(ru) {
			if c.multi {
				c.cursor = i
			} else {
				c.pick(i)
			}
			return
		}
	}
}

func splitFields(s string) []string { return strings.Fields(s) }
