package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"sira/forms"
)

// HTMLOptions tune WriteHTML.
type HTMLOptions struct {
	// Lang is "fr" (default) or "en".
	Lang string
	// LinkBase is the URL of the dashboard's interview table; each number
	// links to LinkBase + "?" + its filter ("&" if LinkBase has a query). Empty leaves numbers unlinked
	// (the filter still shows as the link's tooltip).
	LinkBase string
	// HomeURL, when set, adds a link back to it above the title (the
	// dashboard's statistics page, which has no navigation bar of its own).
	HomeURL string
}

// WriteHTML writes r as one self-contained HTML page: no scripts, no
// external style sheets, fonts or images; charts are inline SVG.
func WriteHTML(w io.Writer, r *Report, opts HTMLOptions) error {
	lang := opts.Lang
	if lang != "en" {
		lang = "fr"
	}
	v := htmlView{R: r, Lang: lang, base: opts.LinkBase, Home: opts.HomeURL}
	if err := pageTmpl.Execute(w, &v); err != nil {
		return fmt.Errorf("write report html: %w", err)
	}
	return nil
}

type htmlView struct {
	R    *Report
	Lang string
	Home string
	base string
}

// T picks the view's language from a label.
func (v *htmlView) T(t forms.Text) string { return text(t, v.Lang) }

// M translates a fixed message: M "French" "English".
func (v *htmlView) M(fr, en string) string {
	if v.Lang == "en" {
		return en
	}
	return fr
}

// Pct formats a percentage with one decimal, a decimal comma in French.
func (v *htmlView) Pct(p float64) string {
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if v.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0%"
}

// Href is the link of a cell, or "" when there is no link base.
func (v *htmlView) Href(c Cell) string {
	if v.base == "" {
		return ""
	}
	q := c.Filter.String()
	switch {
	case q == "":
		return v.base
	case strings.Contains(v.base, "?"):
		return v.base + "&" + q
	}
	return v.base + "?" + q
}

// CubeLabel names a cube cell's combination.
func (v *htmlView) CubeLabel(cb *Cube, c CubeCell) []string {
	out := make([]string, len(c.Values))
	for i, val := range c.Values {
		d := cb.Dims[i]
		switch {
		case val == Missing:
			out[i] = text(missingLabel, v.Lang)
		default:
			out[i] = val
			if j, ok := d.index[val]; ok {
				out[i] = text(d.Cats[j].Label, v.Lang)
			}
		}
	}
	return out
}

// Chart draws a table as grouped horizontal bars: one group per row, one
// bar per column, length the column percentage.
func (v *htmlView) Chart(t *Table) template.HTML {
	const (
		labelW = 260
		barW   = 360
		barH   = 12
		gap    = 8
	)
	colors := []string{"#1b6ca8", "#e07b39", "#3c9d5d", "#8e5ea2", "#c23b3b", "#7f7f7f", "#b59a2e", "#2aa1b3"}
	nc := len(t.Cols)
	groupH := nc*barH + gap
	legendH := 18 * ((nc + 2) / 3)
	h := len(t.Rows)*groupH + legendH + gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`,
		labelW+barW+60, h, labelW+barW+60, h)
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(v.T(t.Title)))
	for i, row := range t.Rows {
		y := legendH + gap + i*groupH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-6, y+nc*barH/2+4, template.HTMLEscapeString(clip(v.T(row.Label), 42)))
		for j := range t.Cols {
			c := t.Cells[i][j]
			w := int(c.Percent / 100 * barW)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d (%s)</title></rect>`,
				labelW, y+j*barH, w, barH-2, colors[j%len(colors)], template.HTMLEscapeString(v.T(t.Cols[j].Label)), c.Count, v.Pct(c.Percent))
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#333">%s</text>`, labelW+w+4, y+j*barH+barH-3, v.Pct(c.Percent))
		}
	}
	for j, col := range t.Cols {
		x, y := 10+(j%3)*((labelW+barW)/3), 4+(j/3)*18
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`,
			x, y, colors[j%len(colors)], x+16, y+10, template.HTMLEscapeString(clip(v.T(col.Label), 34)))
	}
	b.WriteString(`</svg>`)
	// Every string above is escaped; the numbers are ours.
	return template.HTML(b.String())
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// pageTmpl is parsed once; it is never modified after.
var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	// cellArgs pairs the view with a cell for the "cell" template.
	"cellArgs": func(v *htmlView, c Cell) cellArg { return cellArg{V: v, C: c} },
}).Parse(pageSrc))

const pageSrc = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.M "Statistiques des migrants de retour" "Returnee statistics"}} — {{.T .R.FormTitle}}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#eef2f6}
tr.total td{font-weight:bold;background:#f6f6f6}
td.small{background:#fff3cd}
.pct{color:#555;font-size:.9em}
a{color:#0b4f8a;text-decoration:none}
a:hover{text-decoration:underline}
.note{color:#555;font-size:.9em}
</style>
</head>
<body>
{{if .Home}}<p><a id="home" href="{{.Home}}">← {{.M "Tableau de bord" "Dashboard"}}</a></p>
{{end}}<h1>{{.M "Statistiques des migrants de retour" "Returnee statistics"}}</h1>
<p>{{.M "Formulaire" "Form"}} <code>{{.R.FormID}}</code> — {{.T .R.FormTitle}}.
{{.M "Entretiens lus" "Interviews read"}}: {{.R.Interviews}};
{{.M "migrants de retour comptés (consentement donné)" "returnees counted (consent given)"}}: <span id="universe">{{.R.Universe}}</span>.</p>
<p class="note">{{.M "Pourcentages en colonne. Les cellules surlignées et marquées * comptent moins de" "Column percentages. Highlighted cells marked * count fewer than"}} {{.R.SmallCell}} {{.M "entretiens : à interpréter avec prudence." "interviews: interpret with caution."}}
{{.M "Chaque nombre renvoie à la liste des entretiens qu'il compte." "Every number links to the list of the interviews it counts."}}</p>
{{range .R.Tables}}{{$t := .}}
<section id="{{.Key}}">
<h2>{{$.T .Title}}</h2>
<p class="note">{{$.M "Objectif" "Objective"}} {{.Objective}} {{$.M "du Pacte mondial sur les migrations" "of the Global Compact for Migration"}}.{{if .Where}} {{$.M "Population" "Population"}}: <code>{{.Where}}</code>.{{end}}</p>
<table>
<thead><tr><th>{{$.T .RowTitle}}</th>{{range .Cols}}<th>{{$.T .Label}}</th>{{end}}{{if .RowTotals}}<th>{{$.M "Total" "Total"}}</th>{{end}}</tr></thead>
<tbody>
{{range $i, $row := .Rows}}<tr><td>{{$.T $row.Label}}</td>{{range index $t.Cells $i}}{{template "cell" (cellArgs $ .)}}{{end}}{{if $t.RowTotals}}{{template "cell" (cellArgs $ (index $t.RowTotals $i))}}{{end}}</tr>
{{end}}<tr class="total"><td>{{$.M "Total" "Total"}}</td>{{range .ColTotals}}{{template "cell" (cellArgs $ .)}}{{end}}{{if .RowTotals}}{{template "cell" (cellArgs $ .Total)}}{{end}}</tr>
</tbody>
</table>
{{$.Chart .}}
</section>
{{end}}
{{with .R.Cube}}<section id="cube">
<h2>{{$.M "Tableau croisé complet : sexe × groupe d'âge × type de retour × pays de destination × région d'origine" "Full cross-tabulation: sex × age group × type of return × destination country × region of origin"}}</h2>
<details><summary>{{len .Cells}} {{$.M "combinaisons non vides" "non-empty combinations"}}</summary>
<table>
<thead><tr>{{range .Dims}}<th>{{$.T .Label}}</th>{{end}}<th>{{$.M "Effectif" "Count"}}</th></tr></thead>
<tbody>
{{range .Cells}}{{$c := .}}<tr>{{range $.CubeLabel $.R.Cube .}}<td>{{.}}</td>{{end}}{{template "cell" (cellArgs $ $c.Cell)}}</tr>
{{end}}</tbody>
</table>
</details>
</section>{{end}}
</body>
</html>
{{define "cell"}}<td{{if .C.Small}} class="small"{{end}}>{{with .V.Href .C}}<a href="{{.}}" title="{{$.C.Filter}}">{{$.C.Count}}</a>{{else}}<span title="{{.C.Filter}}">{{.C.Count}}</span>{{end}}{{if .C.Small}}*{{end}} <span class="pct">({{.V.Pct .C.Percent}})</span></td>{{end}}
`

type cellArg struct {
	V *htmlView
	C Cell
}
