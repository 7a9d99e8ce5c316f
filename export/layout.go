package export

import (
	"fmt"
	"strings"

	"sira/forms"
)

// ColumnKind says where a column's cell comes from.
type ColumnKind int

// Column kinds.
const (
	// KindValue is a field's answer as stored (or its label with Options.Labels).
	KindValue ColumnKind = iota
	// KindGeoPart is one of the four parts of a geopoint (Part 0..3).
	KindGeoPart
	// KindChoice is the 0/1 indicator of one choice of a select_multiple.
	KindChoice
	// KindMeta is a metadata column (Meta names which one).
	KindMeta
)

// Column is one column of an exported table.
type Column struct {
	Name   string      // header, as Central names it: "demographics-age", "langs/fr", "KEY"
	Kind   ColumnKind  //
	Node   *forms.Node // the field, for value, geopoint and choice columns
	Part   int         // geopoint part: 0 latitude, 1 longitude, 2 altitude, 3 accuracy
	Choice *forms.Choice
	Meta   string // metadata column name for KindMeta, e.g. "KEY"
}

// Table is one exported table: the main table or one repeat.
type Table struct {
	Name    string      // file base name without extension: "<form_id>" or "<form_id>-<repeat>"
	Repeat  *forms.Node // nil for the main table
	Parent  *Table      // enclosing table; nil for the main table
	Columns []Column
	// keySeg is the repeat's path relative to its parent table's level, used
	// to build KEY as Central does: parent KEY + "/" + keySeg + "[n]".
	keySeg string
	// Children are the repeat tables directly inside this table's level.
	Children []*Table
}

// Layout is the set of tables a form exports to, in Central's order: the
// main table first, then repeats depth-first.
type Layout struct {
	Form   *forms.Form
	Tables []*Table
}

// Main returns the main table.
func (l *Layout) Main() *Table { return l.Tables[0] }

// Metadata columns of the main table, in order: Central's, then Sira's.
var mainMeta = []string{"KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
	"Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "Post", "Revision", "Started", "Ended"}

// metaDoc documents the metadata columns in the codebook: type, French, English.
var metaDoc = map[string][3]string{
	"SubmissionDate":      {"dateTime", "Date de réception au bureau central", "Date received by the central office"},
	"meta-instanceID":     {"text", "Identifiant de l'entretien", "Interview instance ID"},
	"KEY":                 {"text", "Clé de la ligne (jointure avec PARENT_KEY)", "Row key (joined by PARENT_KEY)"},
	"PARENT_KEY":          {"text", "Clé de la ligne parente", "Key of the parent row"},
	"SubmitterID":         {"text", "Identifiant de l'enquêteur", "Enumerator ID"},
	"SubmitterName":       {"text", "Nom de l'enquêteur", "Enumerator name"},
	"AttachmentsPresent":  {"integer", "Pièces jointes reçues", "Attachments received"},
	"AttachmentsExpected": {"integer", "Pièces jointes attendues", "Attachments expected"},
	"Status":              {"text", "État (chiffrement)", "Status (encryption)"},
	"ReviewState":         {"text", "État de la revue", "Review state"},
	"DeviceID":            {"text", "Identifiant de l'ordinateur", "Device ID"},
	"Edits":               {"integer", "Nombre de révisions après la première", "Number of revisions after the first"},
	"FormVersion":         {"text", "Version du formulaire", "Form version"},
	"Post":                {"text", "Poste frontière", "Border post"},
	"Revision":            {"integer", "Révision de l'entretien", "Interview revision"},
	"Started":             {"dateTime", "Début de l'entretien", "Interview start"},
	"Ended":               {"dateTime", "Fin de l'entretien", "Interview end"},
}

// NewLayout computes the tables and columns a form exports to. It fails if
// the form has no root.
func NewLayout(f *forms.Form) (*Layout, error) {
	if f == nil || f.Root == nil {
		return nil, fmt.Errorf("export: form has no root group")
	}
	l := &Layout{Form: f}
	main := &Table{Name: f.ID}
	main.Columns = append(main.Columns, Column{Name: "SubmissionDate", Kind: KindMeta, Meta: "SubmissionDate"})
	l.Tables = append(l.Tables, main)
	hasInstanceID := false
	l.walk(main, f.Root.Path, f.Root.Children, &hasInstanceID)
	if !hasInstanceID {
		main.Columns = append(main.Columns, Column{Name: "meta-instanceID", Kind: KindMeta, Meta: "meta-instanceID"})
	}
	for _, m := range mainMeta {
		main.Columns = append(main.Columns, Column{Name: m, Kind: KindMeta, Meta: m})
	}
	l.nameRepeats()
	return l, nil
}

// walk adds the columns of nodes to t (whose level starts at base) and
// appends a table for each repeat, depth-first as Central orders them.
func (l *Layout) walk(t *Table, base string, nodes []*forms.Node, hasInstanceID *bool) {
	for _, n := range nodes {
		rel := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(n.Path, base), "/"), "/", "-")
		switch n.Type {
		case forms.TypeGroup:
			l.walk(t, base, n.Children, hasInstanceID)
		case forms.TypeRepeat:
			rt := &Table{Repeat: n, Parent: t, keySeg: strings.TrimPrefix(strings.TrimPrefix(n.Path, base), "/")}
			t.Children = append(t.Children, rt)
			l.Tables = append(l.Tables, rt)
			l.walk(rt, n.Path, n.Children, hasInstanceID)
			rt.Columns = append(rt.Columns,
				Column{Name: "PARENT_KEY", Kind: KindMeta, Meta: "PARENT_KEY"},
				Column{Name: "KEY", Kind: KindMeta, Meta: "KEY"})
		case forms.TypeNote:
			// Central writes an always-empty column; we leave it out.
		case forms.TypeGeopoint:
			for i, p := range []string{"Latitude", "Longitude", "Altitude", "Accuracy"} {
				t.Columns = append(t.Columns, Column{Name: rel + "-" + p, Kind: KindGeoPart, Node: n, Part: i})
			}
		case forms.TypeSelectMulti, forms.TypeSelectMultiFile:
			t.Columns = append(t.Columns, Column{Name: rel, Kind: KindValue, Node: n})
			if list := ListOf(l.Form, n); list != nil {
				for _, c := range list.Choices {
					t.Columns = append(t.Columns, Column{Name: rel + "/" + c.Name, Kind: KindChoice, Node: n, Choice: c})
				}
			}
		default:
			if t.Parent == nil && rel == "meta-instanceID" {
				*hasInstanceID = true
			}
			t.Columns = append(t.Columns, Column{Name: rel, Kind: KindValue, Node: n})
		}
	}
}

// nameRepeats names repeat tables "<form>-<repeat name>", adding "~N" in
// depth-first order when two repeats share a name, as Central does.
func (l *Layout) nameRepeats() {
	total := map[string]int{}
	for _, t := range l.Tables[1:] {
		total[t.Repeat.Name]++
	}
	seen := map[string]int{}
	for _, t := range l.Tables[1:] {
		name := t.Repeat.Name
		if total[name] > 1 {
			seen[name]++
			name = fmt.Sprintf("%s~%d", name, seen[name])
		}
		t.Name = l.Form.ID + "-" + name
	}
}

// ListOf returns the choice list of a select node, resolving it from the
// form when the compiler has not set Node.List; nil for other nodes.
func ListOf(f *forms.Form, n *forms.Node) *forms.ChoiceList {
	if n.List != nil {
		return n.List
	}
	switch n.Type {
	case forms.TypeSelectOne, forms.TypeSelectMulti, forms.TypeRank:
		return f.Lists[n.TypeArg]
	case forms.TypeSelectFile, forms.TypeSelectMultiFile:
		return f.Files[n.TypeArg]
	}
	return nil
}

// Text picks the string of t in lang: lang may be the full column suffix
// ("Français (fr)") or the code in its parentheses ("fr"). It falls back to
// the untranslated text, then to any language in a stable order.
func Text(t forms.Text, lang string, langs []string) string {
	if len(t) == 0 {
		return ""
	}
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if lang != "" {
		for k, s := range t {
			if s != "" && langCode(k) == strings.ToLower(lang) {
				return s
			}
		}
	}
	if s := t[""]; s != "" {
		return s
	}
	for _, l := range langs {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// langCode returns the lower-cased code in "Name (code)", or the lower-cased
// string when it has none.
func langCode(s string) string {
	if i := strings.LastIndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		return strings.ToLower(strings.TrimSpace(s[i+1 : len(s)-1]))
	}
	return strings.ToLower(strings.TrimSpace(s))
}
