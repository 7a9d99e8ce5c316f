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

// Href is the link of a cell, or "" when there is no link base, the cell
// links to nothing or the report is published.
func (v *htmlView) Href(c Cell) string {
	if v.base == "" || !c.Linked || v.R.Published {
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
			if c.Suppressed || c.PctSuppressed || c.OutOfBase {
				continue
			}
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

// Num formats a weighted figure without decimals.
func (v *htmlView) Num(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

// Dec formats a statistic with one decimal, a decimal comma in French.
func (v *htmlView) Dec(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if v.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Apart reports whether row i of t is shown apart (dk, refused).
func (v *htmlView) Apart(t *Table, i int) bool { return OutOfBase(t.Rows[i].Value) }

// Note is the methodology note every output carries.
func (v *htmlView) Note() []string { return methodology(v.R, v.Lang) }

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
	"cellArgs": func(v *htmlView, t *Table, c Cell) cellArg { return cellArg{V: v, T: t, C: c} },
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
tr.apart td{color:#666;font-style:italic}
td.small{background:#fff3cd}
.pct{color:#555;font-size:.9em}
.w{color:#1b5e20;font-size:.9em}
a{color:#0b4f8a;text-decoration:none}
a:hover{text-decoration:underline}
.note{color:#555;font-size:.9em}
</style>
</head>
<body>
{{if .Home}}<p><a id="home" href="{{.Home}}">← {{.M "Tableau de bord" "Dashboard"}}</a></p>
{{end}}<h1>{{if .R.Flow}}{{.M "Comptage journalier des arrivées" "Daily flow count"}}{{else}}{{.M "Statistiques des migrants de retour" "Returnee statistics"}}{{end}}</h1>
<table id="meta">
<tr><th>{{.M "Formulaire" "Form"}}</th><td><code>{{.R.FormID}}</code> — {{.T .R.FormTitle}}</td></tr>
<tr><th>{{.M "Version(s) du formulaire" "Form version(s)"}}</th><td id="versions">{{range $i, $v := .R.Versions}}{{if $i}}, {{end}}{{$v}}{{end}}</td></tr>
<tr><th>{{.M "Période de référence" "Reference period"}}</th><td id="period">{{.R.PeriodFrom}} – {{.R.PeriodTo}}</td></tr>
<tr><th>{{.M "Produit le" "Generated"}}</th><td id="generated">{{.R.Generated.Format "2006-01-02 15:04 UTC"}}</td></tr>
<tr><th>{{.M "Entretiens pris en compte" "Interviews included"}}</th><td id="approved">{{if .R.ApprovedOnly}}{{.M "approuvés seulement" "approved only"}} ({{.R.NotApproved}} {{.M "non approuvés écartés" "not approved left out"}}){{else}}{{.M "tous, y compris non revus et rejetés" "all, including unreviewed and rejected"}}{{end}}</td></tr>
<tr><th>{{.M "Entretiens lus" "Interviews read"}}</th><td id="read">{{.R.Interviews}}</td></tr>
<tr><th>{{if .R.Flow}}{{.M "Comptages" "Counts"}}{{else}}{{.M "Migrants de retour comptés (consentement, éligibles)" "Returnees counted (consent, eligible)"}}{{end}}</th><td id="universe">{{.R.Universe}}</td></tr>
{{if .R.Published}}<tr><th>{{.M "Diffusion" "Circulation"}}</th><td id="published">{{.M "version publiable : effectifs inférieurs à" "publishable version: counts below"}} {{.R.SmallCell}} {{.M "supprimés (x), suppression complémentaire, pourcentages sur moins de" "suppressed (x), complementary suppression, percentages on fewer than"}} {{.R.MinBase}} {{.M "cas supprimés (–)" "cases suppressed (–)"}}</td></tr>{{end}}
</table>
<section id="methodology"><h2>{{.M "Note méthodologique" "Methodology note"}}</h2>
{{range .Note}}<p class="note">{{.}}</p>
{{end}}</section>
{{with .R.Coverage}}<section id="coverage"><h2>{{$.M "Couverture et pondération" "Coverage and weights"}}</h2>
<p class="note">{{$.M "Comptages journaliers lus" "Daily counts read"}}: {{.Counts}}; {{$.M "postes" "posts"}}: {{range $i, $p := .Posts}}{{if $i}}, {{end}}{{$p}}{{end}}; {{$.M "jours-postes" "post-days"}}: {{.Days}}; {{$.M "heures couvertes" "hours covered"}}: {{$.Num .Hours}}; {{$.M "arrivées comptées" "arrivals counted"}}: {{$.Num .Arrivals}}.
{{$.M "Entretiens couverts par un comptage (poste, jour, sexe)" "Interviews covered by a count (post, day, sex)"}}: {{.Covered}}; {{$.M "sans comptage (non pondérés)" "without a count (unweighted)"}}: {{.Uncovered}}; {{$.M "somme des poids" "sum of weights"}}: {{$.Num .Estimated}}.</p></section>
{{end}}
{{range .R.Tables}}{{$t := .}}
<section id="{{.Key}}">
<h2>{{$.T .Title}}</h2>
<p class="note">{{if not $.R.Flow}}{{$.M "Objectif" "Objective"}} {{.Objective}} {{$.M "du Pacte mondial sur les migrations" "of the Global Compact for Migration"}}. {{end}}{{$.M "Population" "Population"}}: {{$.T .Universe}}{{if .Where}} (<code>{{.Where}}</code>){{end}}.
{{if .Unit}}{{$.M "Unité" "Unit"}}: {{$.T .Unit}}. {{end}}{{if .RowPercent}}{{$.M "Pourcentages en ligne." "Row percentages."}}{{else if .Multi}}{{$.M "Réponses multiples : pourcentages des personnes de la colonne, leur somme dépasse 100." "Multiple responses: percentages of the column's people; they add up to more than 100."}}{{else}}{{$.M "Pourcentages en colonne." "Column percentages."}}{{end}}
{{if .Excluded}}<span class="excluded">{{$.M "Hors base (non concerné ou non renseigné)" "Outside the base (not applicable or not stated)"}}: {{if .ExcludedSuppressed}}x{{else}}{{.Excluded}}{{end}}.</span>{{end}}</p>
<table>
<thead><tr><th>{{$.T .RowTitle}}</th>{{range .Cols}}<th>{{$.T .Label}}</th>{{end}}{{if .RowTotals}}<th>{{$.M "Total" "Total"}}</th>{{end}}</tr></thead>
<tbody>
{{range $i, $row := .Rows}}<tr{{if $.Apart $t $i}} class="apart"{{end}}><td>{{$.T $row.Label}}</td>{{range index $t.Cells $i}}{{template "cell" (cellArgs $ $t .)}}{{end}}{{if $t.RowTotals}}{{template "cell" (cellArgs $ $t (index $t.RowTotals $i))}}{{end}}</tr>
{{end}}<tr class="total"><td>{{if .RowPercent}}{{$.M "Total" "Total"}}{{else}}{{$.M "Base (total hors « ne sait pas » et « refus »)" "Base (total without \"don't know\" and \"refused\")"}}{{end}}</td>{{range .ColTotals}}{{template "cell" (cellArgs $ $t .)}}{{end}}{{if .RowTotals}}{{template "cell" (cellArgs $ $t .Total)}}{{end}}</tr>
</tbody>
</table>
{{if not .RowPercent}}{{$.Chart .}}{{end}}
</section>
{{end}}
{{range .R.Stats}}<section id="{{.Key}}">
<h2>{{$.T .Title}}</h2>
<p class="note">{{$.M "Objectif" "Objective"}} {{.Objective}}. {{$.M "Population" "Population"}}: {{$.T .Universe}}. {{$.M "Unité" "Unit"}}: {{$.T .Unit}}. {{$.M "Quartiles par interpolation linéaire (type 7)." "Quartiles by linear interpolation (type 7)."}}</p>
<table>
<thead><tr><th>{{$.T .GroupTitle}}</th><th>N</th><th>{{$.M "1er quartile" "1st quartile"}}</th><th>{{$.M "Médiane" "Median"}}</th><th>{{$.M "3e quartile" "3rd quartile"}}</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{$.T .Group.Label}}</td>{{if .Suppressed}}<td>x</td><td>x</td><td>x</td><td>x</td>{{else}}<td>{{.N}}</td>{{if .SuppressedQuantile}}{{if $.R.Published}}<td>–</td><td>–</td><td>–</td>{{else}}<td>{{$.Dec .Q1}}</td><td>{{$.Dec .Median}}</td><td>{{$.Dec .Q3}}</td>{{end}}{{else}}<td>{{$.Dec .Q1}}</td><td>{{$.Dec .Median}}</td><td>{{$.Dec .Q3}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{end}}
{{with .R.Cube}}<section id="cube">
<h2>{{$.M "Tableau croisé complet : sexe × groupe d'âge × type de retour × pays de destination prévu × région d'origine" "Full cross-tabulation: sex × age group × type of return × intended destination country × region of origin"}}</h2>
<p class="note">{{$.M "Réservé aux rôles connectés : jamais dans une version publiable." "For signed-in roles only: never in a publishable version."}}</p>
<details><summary>{{len .Cells}} {{$.M "combinaisons non vides" "non-empty combinations"}}</summary>
<table>
<thead><tr>{{range .Dims}}<th>{{$.T .Label}}</th>{{end}}<th>{{$.M "Effectif" "Count"}}</th></tr></thead>
<tbody>
{{range .Cells}}{{$c := .}}<tr>{{range $.CubeLabel $.R.Cube .}}<td>{{.}}</td>{{end}}{{template "cell" (cellArgs $ nil $c.Cell)}}</tr>
{{end}}</tbody>
</table>
</details>
</section>{{end}}
</body>
</html>
{{define "cell"}}<td{{if and .C.Small (not .C.Suppressed)}} class="small"{{end}}>{{if .C.Suppressed}}x{{else}}{{with .V.Href .C}}<a href="{{.}}" title="{{$.C.Filter}}">{{$.C.Count}}</a>{{else}}{{if and .C.Linked (not .V.R.Published)}}<span title="{{.C.Filter}}">{{.C.Count}}</span>{{else}}{{.C.Count}}{{end}}{{end}}{{if and .C.Small (not .V.R.Published)}}*{{end}}{{if not .C.OutOfBase}} <span class="pct">({{if .C.PctSuppressed}}–{{else}}{{.V.Pct .C.Percent}}{{end}})</span>{{end}}{{if .W}} <span class="w">[{{.V.Num .C.Weighted}}{{if and (not .C.OutOfBase) (not .C.PctSuppressed)}}; {{.V.Pct .C.WPercent}}{{end}}]</span>{{end}}{{end}}</td>{{end}}
`

type cellArg struct {
	V *htmlView
	T *Table // nil for the cube
	C Cell
}

// W reports whether the cell shows a weighted figure: in a weighted report,
// for the tables of interviews (not quality, flow or cube cells).
func (a cellArg) W() bool {
	return a.V.R.Weighted && a.T != nil && weightedTable(a.T)
}
