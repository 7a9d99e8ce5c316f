package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"sira/forms"
)

// Codebook returns the codebook of f's export as rows, header first: one
// row per column of every table, in file order, and after each select
// column one row per choice with its name and labels. Columns:
//
//	table, variable, type, list, label::<lang>…, value, value_label::<lang>…, name, formula
//
// with one label column per form language (a single "label" column when the
// form is untranslated); name is the variable's name in the Stata and SPSS
// files (VarNames), formula a calculate's XLSForm calculation. Rows with
// table "(notes)" follow: the form version exported, the versions of the
// interviews exported (versions, as Summary.FormVersions gives them), and
// the conventions for missing values, dates and formula-like text.
func Codebook(f *forms.Form, versions ...string) ([][]string, error) {
	l, err := NewLayout(f)
	if err != nil {
		return nil, err
	}
	names := VarNames(l)
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
	head = append(head, "name", "formula")
	out := [][]string{head}
	width := len(head)
	for ti, t := range l.Tables {
		for ci, c := range t.Columns {
			row := make([]string, width)
			row[0], row[1] = t.Name, c.Name
			row[width-2] = names[ti][ci]
			if c.Node != nil && c.Kind == KindValue {
				row[width-1] = c.Node.Calculation
			}
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
	return append(out, notes(f, langs, width, versions)...), nil
}

// notes are the codebook's closing rows: versions and conventions, one
// label column per language.
func notes(f *forms.Form, langs []string, width int, versions []string) [][]string {
	items := []struct{ name, fr, en string }{
		{"form_version", "Version du formulaire utilisée pour l'export : " + f.Version, "Form version used for the export: " + f.Version},
		{"interview_versions", "Versions du formulaire des entretiens exportés : " + strings.Join(versions, ", "), "Form versions of the interviews exported: " + strings.Join(versions, ", ")},
		{"missing_values", "Valeurs manquantes : « sans objet » (question non posée), « ne sait pas » (choix dk, nombre -98), « refus » (choix refused, nombre -99) et « sans réponse » sont distinctes. " +
			"CSV/XLSX : sans objet et sans réponse = cellule vide, ne sait pas et refus gardent leur code ; les colonnes 0/1 d'un choix multiple sont vides si la question n'a pas été posée ou répondue. " +
			"Stata : .a sans objet, .b ne sait pas, .c refus, .d sans réponse, . métadonnée absente. SPSS : valeurs manquantes utilisateur -97 sans objet, -98 ne sait pas, -99 refus, -96 sans réponse (plage -99 à -96), date manquante et texte vide = manquant système / blanc.",
			"Missing values: not applicable (question not asked), don't know (choice dk, number -98), refused (choice refused, number -99) and not answered are distinct. " +
				"CSV/XLSX: not applicable and not answered are empty cells, don't know and refused keep their codes; the 0/1 columns of a select_multiple are empty when the question was not asked or not answered. " +
				"Stata: .a not applicable, .b don't know, .c refused, .d not answered, . metadata not recorded. SPSS: user-missing -97 not applicable, -98 don't know, -99 refused, -96 not answered (range -99 to -96); a missing date is system-missing and empty text is blank."},
		{"dates", "Dates et heures en UTC (Stata %td / %tc, SPSS DATE / DATETIME, Excel cellules date).", "Dates and times in UTC (Stata %td / %tc, SPSS DATE / DATETIME, Excel date cells)."},
		{"formulas", "CSV/XLSX : un texte commençant par = + - @, tabulation ou retour chariot est précédé d'une apostrophe (') pour qu'un tableur ne l'exécute pas ; les colonnes numériques et de dates gardent leur signe ; Stata, SPSS et OData gardent les valeurs telles quelles.",
			"CSV/XLSX: text starting with = + - @, tab or carriage return is prefixed with an apostrophe (') so that spreadsheets do not run it; numeric and date columns keep their sign; Stata, SPSS and OData carry values unchanged."},
		{"names", "La colonne name donne le nom de chaque variable dans Stata et SPSS (32 caractères au plus, unique dans sa table).", "The name column gives each variable's name in Stata and SPSS (at most 32 characters, unique within its table)."},
	}
	var out [][]string
	for _, it := range items {
		row := make([]string, width)
		row[0], row[1], row[2] = "(notes)", it.name, "note"
		for i, lg := range langs {
			if langCode(lg) == "fr" {
				row[4+i] = it.fr
			} else {
				row[4+i] = it.en
			}
		}
		out = append(out, row)
	}
	return out
}

func suffix(s, lang string) string {
	if lang == "" {
		return s
	}
	return s + "::" + lang
}

// WriteCodebook writes f's codebook (see Codebook) as CSV to w.
func WriteCodebook(w io.Writer, f *forms.Form, versions ...string) error {
	rows, err := Codebook(f, versions...)
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
func WriteCodebookFile(path string, f *forms.Form, bom bool, versions ...string) error {
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
	if err := WriteCodebook(af, f, versions...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return af.commit()
}
