package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// theme is a set of colours: the dark default, a light one for sunlight,
// and a high-contrast one. The enumerator picks one on the home screen
// (F9); it is remembered on the laptop.
type theme struct {
	name   string // the setting's value
	en, fr string // as the home screen names it
	tv     tview.Theme
	header tcell.Color // the header's background
	field  tcell.Color // an input's background
}

var themes = []theme{
	{name: "dark", en: "Dark", fr: "Sombre", tv: tview.Theme{
		PrimitiveBackgroundColor: tcell.ColorBlack, ContrastBackgroundColor: tcell.ColorBlue,
		MoreContrastBackgroundColor: tcell.ColorGreen, BorderColor: tcell.ColorWhite, TitleColor: tcell.ColorWhite,
		GraphicsColor: tcell.ColorWhite, PrimaryTextColor: tcell.ColorWhite, SecondaryTextColor: tcell.ColorYellow,
		TertiaryTextColor: tcell.ColorGreen, InverseTextColor: tcell.ColorBlue, ContrastSecondaryTextColor: tcell.ColorNavy,
	}, header: tcell.ColorDarkBlue, field: tcell.ColorDarkSlateGray},
	{name: "light", en: "Light", fr: "Clair", tv: tview.Theme{
		PrimitiveBackgroundColor: tcell.ColorWhite, ContrastBackgroundColor: tcell.ColorLightGray,
		MoreContrastBackgroundColor: tcell.ColorSilver, BorderColor: tcell.ColorBlack, TitleColor: tcell.ColorBlack,
		GraphicsColor: tcell.ColorBlack, PrimaryTextColor: tcell.ColorBlack, SecondaryTextColor: tcell.ColorNavy,
		TertiaryTextColor: tcell.ColorDarkGreen, InverseTextColor: tcell.ColorWhite, ContrastSecondaryTextColor: tcell.ColorNavy,
	}, header: tcell.ColorLightSteelBlue, field: tcell.ColorLightGray},
	{name: "contrast", en: "High contrast", fr: "Contraste élevé", tv: tview.Theme{
		PrimitiveBackgroundColor: tcell.ColorBlack, ContrastBackgroundColor: tcell.ColorWhite,
		MoreContrastBackgroundColor: tcell.ColorYellow, BorderColor: tcell.ColorYellow, TitleColor: tcell.ColorYellow,
		GraphicsColor: tcell.ColorYellow, PrimaryTextColor: tcell.ColorWhite, SecondaryTextColor: tcell.ColorYellow,
		TertiaryTextColor: tcell.ColorAqua, InverseTextColor: tcell.ColorBlack, ContrastSecondaryTextColor: tcell.ColorBlack,
	}, header: tcell.ColorBlack, field: tcell.ColorNavy},
}

func themeNamed(name string) theme {
	for _, t := range themes {
		if t.name == name {
			return t
		}
	}
	return themes[0]
}

// applyTheme makes t the app's colours: tview's styles, which widgets read
// as they are built, and the app's own chrome; the current screen is built
// again by the caller.
func (a *App) applyTheme(t theme) {
	a.theme = t
	tview.Styles = t.tv
	a.header.SetBackgroundColor(t.header)
	a.header.SetTextColor(t.tv.PrimaryTextColor)
	for _, tv := range []*tview.TextView{a.message, a.help} {
		tv.SetBackgroundColor(t.tv.PrimitiveBackgroundColor)
		tv.SetTextColor(t.tv.PrimaryTextColor)
	}
	a.body.SetBackgroundColor(t.tv.PrimitiveBackgroundColor)
	a.layout.SetBackgroundColor(t.tv.PrimitiveBackgroundColor)
}

// loadTheme applies the theme remembered on this laptop.
func (a *App) loadTheme() {
	name, err := a.opts.Backend.Setting(a.ctx, "theme")
	if err != nil {
		a.log.Warn("tui: read setting", "err", err)
	}
	a.applyTheme(themeNamed(name))
}

// nextTheme switches to the next theme and remembers it.
func (a *App) nextTheme() error {
	i := 0
	for j, t := range themes {
		if t.name == a.theme.name {
			i = j
		}
	}
	t := themes[(i+1)%len(themes)]
	if err := a.opts.Backend.SetSetting(a.ctx, "theme", t.name); err != nil {
		return err
	}
	a.applyTheme(t)
	return nil
}

// text is the style of plain text in the theme.
func (a *App) text() tcell.Style {
	return tcell.StyleDefault.Foreground(a.theme.tv.PrimaryTextColor).Background(a.theme.tv.PrimitiveBackgroundColor)
}
