package builtin_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sira/forms"
	"sira/forms/builtin"
)

const (
	french  = "Français (fr)"
	english = "English (en)"
)

var languages = []string{french, english}

// mustForm compiles the returnee version 2026112801, kept verbatim in
// versions/: the tests of this file and engine_test.go are that version's,
// and keep proving that it still compiles and runs. The current version's
// tests are in returnee_test.go.
func mustForm(tb testing.TB) *forms.Form {
	tb.Helper()
	f, err := builtin.Frozen(context.Background())
	if err != nil {
		tb.Fatalf("compile built-in form: %v", err)
	}
	return f
}

func TestSource(t *testing.T) {
	disk, err := os.ReadFile(builtin.FileName)
	if err != nil {
		t.Fatal(err)
	}
	src := builtin.Source()
	if !bytes.Equal(src, disk) {
		t.Fatalf("Source() differs from %s on disk", builtin.FileName)
	}
	src[0] ^= 0xff
	if !bytes.Equal(builtin.Source(), disk) {
		t.Fatal("modifying the slice from Source() changed the embedded form")
	}
	if got, err := forms.FormatOf(builtin.FileName); err != nil || got != forms.FormatMarkdown {
		t.Fatalf("FormatOf(%q) = %q, %v; want %q", builtin.FileName, got, err, forms.FormatMarkdown)
	}
}

func TestWorkbookSheets(t *testing.T) {
	wb, err := builtin.Workbook(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"survey", "choices", "settings"} {
		if wb.Sheet(name) == nil {
			t.Errorf("sheet %q missing", name)
		}
	}
	// The comment lines above the tables must not become a sheet.
	if got, want := len(wb.Sheets), 3; got != want {
		t.Errorf("%d sheets, want %d", got, want)
	}
}

// generatedOther reports whether n is the "<select>_other" text question
// that or_other adds; the compiler labels it in the select's languages.
func generatedOther(n *forms.Node) bool {
	if n.Type != forms.TypeText || n.Parent == nil || !strings.HasSuffix(n.Name, "_other") {
		return false
	}
	for _, s := range n.Parent.Children {
		if s.OrOther && s.Name+"_other" == n.Name {
			return true
		}
	}
	return false
}

func TestFormCompiles(t *testing.T) {
	f := mustForm(t)
	for _, w := range f.Warnings {
		t.Errorf("unexpected warning: %v", w)
	}
	checks := []struct {
		what      string
		got, want string
	}{
		{"form_id", f.ID, "returnee"},
		{"default_language", f.DefaultLanguage, french},
		{"instance_name", f.InstanceName, "concat(${border_post}, '-', ${today})"},
		{"root", f.Root.Name, "data"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !regexp.MustCompile(`^20\d{8}$`).MatchString(f.Version) {
		t.Errorf("version %q is not YYYYMMDDnn", f.Version)
	}
	if !slices.Equal(f.Languages, languages) {
		t.Errorf("languages %q, want %q", f.Languages, languages)
	}
	if f.Title.In(french, "") == "" {
		t.Error("form_title is empty")
	}
	if !strings.HasPrefix(f.Hash, "sha256:") {
		t.Errorf("hash %q", f.Hash)
	}
	// Same bytes, same form: the hash identifies the built-in version.
	if g := mustForm(t); g.Hash != f.Hash {
		t.Errorf("two compilations hash %s and %s", f.Hash, g.Hash)
	}
	// The compiled form is what laptops and the intake server exchange.
	data, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	g, err := forms.Load(data)
	if err != nil {
		t.Fatalf("load the compiled built-in form: %v", err)
	}
	if g.Hash != f.Hash || len(g.Nodes()) != len(f.Nodes()) {
		t.Errorf("reloaded form: hash %s, %d nodes; want %s, %d", g.Hash, len(g.Nodes()), f.Hash, len(f.Nodes()))
	}
}

var metadata = map[forms.Type]bool{
	forms.TypeStart: true, forms.TypeEnd: true, forms.TypeToday: true, forms.TypeDeviceID: true,
	forms.TypeUsername: true, forms.TypeEmail: true, forms.TypePhoneNumber: true, forms.TypeAudit: true,
}

func TestMetadata(t *testing.T) {
	f := mustForm(t)
	for _, want := range []forms.Type{forms.TypeStart, forms.TypeEnd, forms.TypeToday, forms.TypeDeviceID, forms.TypeUsername, forms.TypeAudit} {
		found := false
		for _, n := range f.Nodes() {
			found = found || n.Type == want
		}
		if !found {
			t.Errorf("no %s metadata", want)
		}
	}
}

// checkText requires a text to be either absent or present, non-blank, in
// both languages and in no other column.
func checkText(t *testing.T, where, what string, txt forms.Text, needed bool) {
	t.Helper()
	if len(txt) == 0 {
		if needed {
			t.Errorf("%s: no %s", where, what)
		}
		return
	}
	for _, l := range languages {
		if strings.TrimSpace(txt[l]) == "" {
			t.Errorf("%s: %s has no %s text (%q)", where, what, l, txt)
		}
	}
	for l := range txt {
		if !slices.Contains(languages, l) {
			t.Errorf("%s: %s in unexpected language column %q", where, what, l)
		}
	}
}

func TestBilingual(t *testing.T) {
	f := mustForm(t)
	generated := 0
	for _, n := range f.Nodes() {
		if n == f.Root {
			continue
		}
		if generatedOther(n) {
			generated++
		}
		visible := !metadata[n.Type] && n.Type != forms.TypeCalculate && n.Type != forms.TypeHidden
		checkText(t, n.Path, "label", n.Label, visible)
		checkText(t, n.Path, "hint", n.Hint, false)
		checkText(t, n.Path, "required_message", n.RequiredMessage, n.Required != "")
		checkText(t, n.Path, "constraint_message", n.ConstraintMessage, n.Constraint != "")
	}
	if generated != 1 {
		t.Errorf("%d or_other questions, want 1 (skills_list)", generated)
	}
	for name, l := range f.Lists {
		for _, c := range l.Choices {
			checkText(t, "choice "+name+"/"+c.Name, "label", c.Label, true)
		}
	}
}

// module returns the module (top-level group, or group directly under
// "interview") that holds n, or "".
func module(n *forms.Node) string {
	for ; n != nil && n.Parent != nil; n = n.Parent {
		p := n.Parent
		if n.Type == forms.TypeGroup && (p.Parent == nil || p.Name == "interview" && p.Parent.Parent == nil) && n.Name != "interview" {
			return n.Name
		}
	}
	return ""
}

// isQuestion reports whether n is a visible question row of the survey
// sheet: not a group, repeat, note, calculate, metadata or a node the
// compiler generated.
func isQuestion(n *forms.Node) bool {
	switch {
	case n.Type == forms.TypeGroup, n.Type == forms.TypeRepeat, n.Type == forms.TypeNote,
		n.Type == forms.TypeCalculate, n.Type == forms.TypeHidden, metadata[n.Type]:
		return false
	}
	return !generatedOther(n)
}

func TestQuestionCount(t *testing.T) {
	f := mustForm(t)
	modules := []string{"identification", "crossing", "demographics", "origin", "migration", "reasons", "return",
		"education", "occupation", "skills", "employment", "remittances", "vulnerability", "intentions"}
	counts := map[string]int{}
	total := 0
	for _, n := range f.Nodes() {
		if !isQuestion(n) {
			continue
		}
		m := module(n)
		if m == "" {
			t.Errorf("question %s is outside every module", n.Path)
		}
		counts[m]++
		total++
	}
	for _, m := range modules {
		if counts[m] == 0 {
			t.Errorf("module %s has no question", m)
		}
		t.Logf("%-15s %2d", m, counts[m])
	}
	if len(counts) != len(modules) {
		t.Errorf("questions in modules %v, want exactly %v", counts, modules)
	}
	t.Logf("%-15s %2d", "total", total)
	if total < 60 || total > 90 {
		t.Errorf("%d questions, want 60–90", total)
	}
}

func choiceList(t *testing.T, f *forms.Form, name string) *forms.ChoiceList {
	t.Helper()
	l := f.Lists[name]
	if l == nil || len(l.Choices) == 0 {
		t.Fatalf("choice list %q missing or empty", name)
	}
	return l
}

func choice(l *forms.ChoiceList, name string) *forms.Choice {
	for _, c := range l.Choices {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func names(l *forms.ChoiceList) []string {
	var ns []string
	for _, c := range l.Choices {
		ns = append(ns, c.Name)
	}
	return ns
}

func TestBorderPosts(t *testing.T) {
	f := mustForm(t)
	posts := choiceList(t, f, "border_post")
	regions := choiceList(t, f, "region")
	tests := []struct{ name, place, region string }{
		{"gogui", "Gogui", "kayes"},
		{"diboli", "Diboli", "kayes"},
		{"kouremale", "Kourémalé", "koulikoro"},
		{"heremakono", "Hérémakono", "sikasso"},
		{"zegoua", "Zégoua", "sikasso"},
		{"benena", "Benena", "segou"},
		{"gao", "Gao", "gao"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := choice(posts, tt.name)
			if c == nil {
				t.Fatalf("no border post %q", tt.name)
			}
			if !strings.Contains(c.Label[english], tt.place) {
				t.Errorf("label %q does not name %s", c.Label[english], tt.place)
			}
			if got := c.Extra["region"]; got != tt.region {
				t.Errorf("region %q, want %q", got, tt.region)
			}
		})
	}
	for _, c := range posts.Choices {
		if r := c.Extra["region"]; r != "" && choice(regions, r) == nil {
			t.Errorf("post %s: unknown region %q", c.Name, r)
		}
	}
	if choice(posts, "other") == nil {
		t.Error("no 'other' border post")
	}
}

func TestRegionsAndCercles(t *testing.T) {
	f := mustForm(t)
	regions := choiceList(t, f, "region")
	cercles := choiceList(t, f, "cercle")
	perRegion := map[string]int{}
	for _, c := range cercles.Choices {
		r := c.Extra["region"]
		if choice(regions, r) == nil {
			t.Errorf("cercle %s: region %q is not a region", c.Name, r)
		}
		perRegion[r]++
	}
	want := map[string]int{"kayes": 7, "koulikoro": 7, "sikasso": 7, "segou": 7, "mopti": 8,
		"tombouctou": 5, "gao": 4, "kidal": 4, "bamako": 6}
	for _, r := range regions.Choices {
		if perRegion[r.Name] != want[r.Name] {
			t.Errorf("region %s has %d cercles, want %d", r.Name, perRegion[r.Name], want[r.Name])
		}
	}
	if got := len(regions.Choices); got != len(want) {
		t.Errorf("%d regions, want %d (8 regions and Bamako)", got, len(want))
	}
	if got := len(cercles.Choices) - perRegion["bamako"]; got != 49 {
		t.Errorf("%d cercles outside Bamako, want 49", got)
	}
	spot := []struct{ cercle, region string }{
		{"nioro", "kayes"}, {"kita", "kayes"}, {"kati", "koulikoro"}, {"nara", "koulikoro"},
		{"koutiala", "sikasso"}, {"kadiolo", "sikasso"}, {"san", "segou"}, {"tominian", "segou"},
		{"djenne", "mopti"}, {"bandiagara", "mopti"}, {"gourma_rharous", "tombouctou"},
		{"menaka", "gao"}, {"tin_essako", "kidal"}, {"bamako_c6", "bamako"},
	}
	for _, s := range spot {
		if c := choice(cercles, s.cercle); c == nil || c.Extra["region"] != s.region {
			t.Errorf("cercle %s not in region %s", s.cercle, s.region)
		}
	}
	q := f.ByName("origin_cercle")
	if q == nil || q.TypeArg != "cercle" || q.ChoiceFilter != "region=${origin_region}" {
		t.Fatal("origin_cercle is not a select_one cercle filtered by region=${origin_region}")
	}
}

func TestCodeLists(t *testing.T) {
	f := mustForm(t)
	if got, want := names(choiceList(t, f, "isced")), []string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}; !slices.Equal(got, want) {
		t.Errorf("ISCED levels %v, want %v", got, want)
	}
	if got, want := names(choiceList(t, f, "isco")), []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}; !slices.Equal(got, want) {
		t.Errorf("ISCO major groups %v, want %v", got, want)
	}
	isco := choiceList(t, f, "isco")
	for name, label := range map[string]string{"1": "Managers", "9": "Elementary occupations", "0": "Armed forces occupations"} {
		if c := choice(isco, name); c == nil || !strings.Contains(c.Label[english], label) {
			t.Errorf("ISCO %s is not %q", name, label)
		}
	}
	countries := choiceList(t, f, "country")
	iso := regexp.MustCompile(`^[A-Z]{3}$`)
	var neighbours []string
	for _, c := range countries.Choices {
		if c.Name != "other" && !iso.MatchString(c.Name) {
			t.Errorf("country %q is not an ISO 3166-1 alpha-3 code", c.Name)
		}
		if c.Extra["neighbour"] == "yes" {
			neighbours = append(neighbours, c.Name)
		}
	}
	for _, code := range []string{"MLI", "DZA", "LBY", "NER", "MRT", "SEN", "CIV", "GIN", "BFA", "MAR", "TUN",
		"GAB", "COG", "CMR", "ESP", "FRA", "ITA", "DEU", "SAU", "other"} {
		if choice(countries, code) == nil {
			t.Errorf("country %s missing", code)
		}
	}
	slices.Sort(neighbours)
	if want := []string{"BFA", "CIV", "DZA", "GIN", "MRT", "NER", "SEN"}; !slices.Equal(neighbours, want) {
		t.Errorf("neighbours %v, want %v", neighbours, want)
	}
}

func TestStructure(t *testing.T) {
	f := mustForm(t)
	legs := f.ByName("legs")
	if legs == nil || legs.Type != forms.TypeRepeat || legs.RepeatCount != "${nb_legs}" {
		t.Fatal("legs is not a repeat counted by ${nb_legs}")
	}
	var inLegs []string
	for _, c := range legs.Children {
		inLegs = append(inLegs, c.Name)
	}
	for _, want := range []string{"leg_country", "leg_months", "leg_transport", "leg_cost"} {
		if !slices.Contains(inLegs, want) {
			t.Errorf("legs lacks %s", want)
		}
	}
	interview := f.ByName("interview")
	if interview == nil || interview.Relevant == "" {
		t.Fatal("no relevance-gated interview group")
	}
	if p := f.ByName("demographics").Parent; p != interview {
		t.Errorf("demographics is under %s, want interview", p.Name)
	}
	if n := f.ByName("certificate_scan"); n == nil || (n.Type != forms.TypeImage && n.Type != forms.TypeFile) || n.Relevant == "" {
		t.Error("certificate_scan should be a relevance-gated image or file question")
	}
	fieldList := 0
	for _, n := range f.Nodes() {
		if n.Type == forms.TypeGroup && n.Appearance == "field-list" {
			fieldList++
		}
	}
	if fieldList == 0 {
		t.Error("no field-list group")
	}
}

func BenchmarkForm(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := builtin.Form(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
