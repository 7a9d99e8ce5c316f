package export

import (
	"encoding/csv"
	"fmt"
	"io"

	"sira/forms"
)

// Codebook returns the codebook of f's export as rows, header first: one
// row per column of every table, in file order, and after each select
// column one row per choice with its name and labels. Columns:
//
//	table, variable, type, list, label::<lang>…, value, value_label::<lang>…
//
// with one label column per form language (a single "label" column when the
// form is untranslated).
func Codebook(f *forms.Form) ([][]string, error) {
	l, err := NewLayout(f)
	if err != nil {
		return nil, err
	}
	langs := f.Languages
	if len(langs) == 0 {
		langs = []string{""}
	}
	head := []string{"table", "variable", "type", "list"}
	for _, lg := range langs {
		head = append(head, suffix("label", lg))
	}
	head = append(head, "value")
	for _, lg := range langs {
		head = append(head, suffix("value_label", lg))
	}
	out := [][]string{head}
	width := len(head)
	for _, t := range l.Tables {
		for _, c := range t.Columns {
			row := make([]string, width)
			row[0], row[1] = t.Name, c.Name
			switch c.Kind {
			case KindMeta:
				d := metaDoc[c.Meta]
				row[2] = d[0]
				for i, lg := range langs {
					if langCode(lg) == "fr" {
						row[4+i] = d[1]
					} else {
						row[4+i] = d[2]
					}
				}
				out = append(out, row)
				continue
			case KindGeoPart:
				row[2] = "decimal"
				for i, lg := range langs {
					row[4+i] = Text(c.Node.Label, lg, f.Languages) + " (" + [...]string{"latitude", "longitude", "altitude", "accuracy"}[c.Part] + ")"
				}
				out = append(out, row)
				continue
			case KindChoice:
				row[2] = "indicator 0/1"
				row[3] = c.Node.TypeArg
				for i, lg := range langs {
					row[4+i] = Text(c.Node.Label, lg, f.Languages) + " = " + Text(c.Choice.Label, lg, f.Languages)
				}
				row[4+len(langs)] = c.Choice.Name
				out = append(out, row)
				continue
			}
			row[2] = string(c.Node.Type)
			list := ListOf(f, c.Node)
			if list != nil || c.Node.TypeArg != "" {
				row[3] = c.Node.TypeArg
			}
			for i, lg := range langs {
				row[4+i] = Text(c.Node.Label, lg, f.Languages)
			}
			out = append(out, row)
			if list == nil {
				continue
			}
			for _, ch := range list.Choices {
				crow := make([]string, width)
				crow[0], crow[1], crow[2], crow[3] = t.Name, c.Name, string(c.Node.Type), c.Node.TypeArg
				crow[4+len(langs)] = ch.Name
				for i, lg := range langs {
					crow[5+len(langs)+i] = Text(ch.Label, lg, f.Languages)
				}
				out = append(out, crow)
			}
			if c.Node.OrOther {
				crow := make([]string, width)
				crow[0], crow[1], crow[2], crow[3] = t.Name, c.Name, string(c.Node.Type), c.Node.TypeArg
				crow[4+len(langs)] = "other"
				for i, lg := range langs {
					if langCode(lg) == "fr" {
						crow[5+len(langs)+i] = "Autre"
					} else {
						crow[5+len(langs)+i] = "Other"
					}
				}
				out = append(out, crow)
			}
		}
	}
	return out, nil
}

func suffix(s, lang string) string {
	if lang == "" {
		return s
	}
	return s + "::" + lang
}

// WriteCodebook writes f's codebook (see Codebook) as CSV to w.
func WriteCodebook(w io.Writer, f *forms.Form) error {
	rows, err := Codebook(f)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write codebook: %w", err)
	}
	return nil
}

// WriteCodebookFile writes f's codebook to path atomically (temporary file,
// fsync, rename).
func WriteCodebookFile(path string, f *forms.Form, bom bool) error {
	af, err := createAtomic(path)
	if err != nil {
		return err
	}
	defer af.abort()
	if bom {
		if _, err := af.Write([]byte("\ufeff")); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := WriteCodebook(af, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return af.commit()
}
