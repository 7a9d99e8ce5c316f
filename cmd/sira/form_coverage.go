package main

import (
	"fmt"
	"io"
	"sort"

	"sira/forms"
)

// translationCount is how many texts of one kind a language translates.
type translationCount struct {
	Translated int `json:"translated"`
	Total      int `json:"total"`
}

// translationCoverage is one language's share of the form's texts: labels
// (questions, groups and choices), hints, and messages (required and
// constraint messages). Total counts the texts written in any language.
type translationCoverage struct {
	Language string           `json:"language"`
	Labels   translationCount `json:"labels"`
	Hints    translationCount `json:"hints"`
	Messages translationCount `json:"messages"`
}

// formTranslations counts, for every language of f, the labels, hints and
// messages it translates, so a translator (or a reviewer) sees what is left:
// an untranslated text falls back to the default language on screen.
func formTranslations(f *forms.Form) []translationCoverage {
	langs := f.Languages
	if len(langs) == 0 {
		return nil
	}
	out := make([]translationCoverage, len(langs))
	for i, l := range langs {
		out[i].Language = l
	}
	add := func(kind func(*translationCoverage) *translationCount, t forms.Text) {
		any := false
		for _, s := range t {
			if s != "" {
				any = true
			}
		}
		if !any {
			return
		}
		for i, l := range langs {
			c := kind(&out[i])
			c.Total++
			if t[l] != "" {
				c.Translated++
			}
		}
	}
	labels := func(c *translationCoverage) *translationCount { return &c.Labels }
	hints := func(c *translationCoverage) *translationCount { return &c.Hints }
	messages := func(c *translationCoverage) *translationCount { return &c.Messages }
	for _, n := range f.Nodes() {
		add(labels, n.Label)
		add(hints, n.Hint)
		add(messages, n.RequiredMessage)
		add(messages, n.ConstraintMessage)
	}
	names := make([]string, 0, len(f.Lists))
	for name := range f.Lists {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, c := range f.Lists[name].Choices {
			add(labels, c.Label)
		}
	}
	return out
}

func writeTranslations(w io.Writer, f *forms.Form) {
	cov := formTranslations(f)
	if len(cov) == 0 {
		return
	}
	fmt.Fprintln(w, "translated:")
	for _, c := range cov {
		l := c.Language
		if l == "" {
			l = "(default)"
		}
		fmt.Fprintf(w, "  %s: labels %d/%d, hints %d/%d, messages %d/%d\n", l,
			c.Labels.Translated, c.Labels.Total, c.Hints.Translated, c.Hints.Total, c.Messages.Translated, c.Messages.Total)
	}
}
