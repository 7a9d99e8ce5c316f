package export_test

import (
	"flag"
	"iter"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sira/export"
	"sira/forms"
	"sira/survey"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const fr, en = "Français (fr)", "English (en)"

// q builds a node; paths are filled in by mkForm.
func q(name string, typ forms.Type, arg string, labelFR, labelEN string, children ...*forms.Node) *forms.Node {
	return &forms.Node{Name: name, Type: typ, TypeArg: arg, Label: forms.Text{fr: labelFR, en: labelEN}, Children: children}
}

func setPaths(n *forms.Node, parent string) {
	n.Path = parent + "/" + n.Name
	for _, c := range n.Children {
		setPaths(c, n.Path)
	}
}

func list(name string, choices ...[3]string) *forms.ChoiceList {
	l := &forms.ChoiceList{Name: name}
	for _, c := range choices {
		l.Choices = append(l.Choices, &forms.Choice{Name: c[0], Label: forms.Text{fr: c[1], en: c[2]}})
	}
	return l
}

// nestedForm is a hand-built form with groups, a geopoint, selects, a
// repeat inside a group with a repeat nested inside a group inside it, and
// two repeats sharing a name.
func nestedForm() *forms.Form {
	root := &forms.Node{Name: "data", Type: forms.TypeGroup, Children: []*forms.Node{
		q("start", forms.TypeStart, "", "", ""),
		q("respondent", forms.TypeGroup, "", "Répondant", "Respondent",
			q("name", forms.TypeText, "", "Nom", "Name"),
			q("age", forms.TypeInteger, "", "Âge", "Age"),
			q("sex", forms.TypeSelectOne, "sex", "Sexe", "Sex"),
			q("langs", forms.TypeSelectMulti, "lang", "Langues parlées", "Languages spoken"),
			q("intro", forms.TypeNote, "", "Merci", "Thank you"),
		),
		q("loc", forms.TypeGeopoint, "", "Position", "Location"),
		q("travel", forms.TypeGroup, "", "Voyage", "Travel",
			q("legs", forms.TypeRepeat, "", "Étape", "Leg",
				q("country", forms.TypeSelectOne, "country", "Pays", "Country"),
				q("detail", forms.TypeGroup, "", "Détail", "Detail",
					q("stops", forms.TypeRepeat, "", "Arrêt", "Stop",
						q("town", forms.TypeText, "", "Ville", "Town"),
						q("days", forms.TypeInteger, "", "Jours", "Days"),
					),
				),
			),
		),
		q("later", forms.TypeGroup, "", "Plus tard", "Later",
			q("legs", forms.TypeRepeat, "", "Projet", "Plan",
				q("plan", forms.TypeText, "", "Projet", "Plan"),
			),
		),
	}}
	setPaths(root, "")
	return &forms.Form{
		Schema: forms.SchemaVersion, ID: "nested", Version: "2026112801",
		Title:           forms.Text{fr: "Imbriqué", en: "Nested"},
		DefaultLanguage: fr, Languages: []string{fr, en},
		Root: root,
		Lists: map[string]*forms.ChoiceList{
			"sex":     list("sex", [3]string{"female", "Féminin", "Female"}, [3]string{"male", "Masculin", "Male"}),
			"lang":    list("lang", [3]string{"fr", "Français", "French"}, [3]string{"bm", "Bambara", "Bambara"}, [3]string{"en", "Anglais", "English"}),
			"country": list("country", [3]string{"DZ", "Algérie", "Algeria"}, [3]string{"LY", "Libye", "Libya"}, [3]string{"NE", "Niger", "Niger"}),
		},
	}
}

var t0 = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

// nestedInterviews are hand-written interviews of nestedForm covering empty
// answers, repeats with zero, one and several instances, and a rejection.
func nestedInterviews() []export.Row {
	rec := func(vals map[string]string, reps map[string][]*survey.Record) *survey.Record {
		return &survey.Record{Values: vals, Repeats: reps}
	}
	iv1 := &survey.Interview{
		ID: "uuid:11111111-1111-4111-8111-111111111111", FormID: "nested", FormVersion: "2026112801",
		Enumerator: "enq01", DeviceID: "laptop-07", Started: t0, Ended: t0.Add(25 * time.Minute),
		Status: survey.StatusAcknowledged, Revision: 1,
		Data: rec(map[string]string{
			"/data/start":            "2026-11-02T08:30:00.000Z",
			"/data/respondent/name":  "Awa, \"la grande\"",
			"/data/respondent/age":   "27",
			"/data/respondent/sex":   "female",
			"/data/respondent/langs": "fr bm",
			"/data/loc":              "12.65 -8.0 350 5",
		}, map[string][]*survey.Record{
			"/data/travel/legs": {
				rec(map[string]string{"/data/travel/legs/country": "DZ"}, map[string][]*survey.Record{
					"/data/travel/legs/detail/stops": {
						rec(map[string]string{"/data/travel/legs/detail/stops/town": "Gao", "/data/travel/legs/detail/stops/days": "3"}, nil),
						rec(map[string]string{"/data/travel/legs/detail/stops/town": "Tamanrasset", "/data/travel/legs/detail/stops/days": "40"}, nil),
					},
				}),
				rec(map[string]string{"/data/travel/legs/country": "LY"}, nil),
			},
			"/data/later/legs": {rec(map[string]string{"/data/later/legs/plan": "commerce\nà Bamako"}, nil)},
		}),
		Attachments: []survey.Attachment{{Field: "/data/photo", Name: "a.jpg"}},
	}
	iv2 := &survey.Interview{
		ID: "uuid:22222222-2222-4222-8222-222222222222", FormID: "nested", FormVersion: "2026112801",
		Enumerator: "enq02", DeviceID: "laptop-09", Started: t0.Add(time.Hour),
		Status: survey.StatusAcknowledged, Revision: 2,
		Data: rec(map[string]string{
			"/data/respondent/name": "Moussa",
			"/data/respondent/sex":  "male",
		}, map[string][]*survey.Record{
			"/data/travel/legs": {rec(map[string]string{"/data/travel/legs/country": "NE"}, map[string][]*survey.Record{
				"/data/travel/legs/detail/stops": {rec(map[string]string{"/data/travel/legs/detail/stops/town": "Agadez"}, nil)},
			})},
		}),
	}
	iv3 := &survey.Interview{
		ID: "uuid:33333333-3333-4333-8333-333333333333", FormID: "nested", FormVersion: "2026112701",
		Enumerator: "enq01", DeviceID: "laptop-07", Started: t0.Add(2 * time.Hour), Ended: t0.Add(3 * time.Hour),
		Status: survey.StatusAcknowledged, Revision: 1,
		Data: rec(map[string]string{"/data/respondent/langs": "en"}, nil),
	}
	return []export.Row{
		{Interview: iv1, Meta: export.Meta{Received: t0.Add(24 * time.Hour), ReviewState: "approved", Post: "Gogui", SubmitterName: "Aminata Traoré", AttachmentsPresent: 1}},
		{Interview: iv2, Meta: export.Meta{Received: t0.Add(48 * time.Hour), ReviewState: "edited", Post: "Kouremalé"}},
		{Interview: iv3, Meta: export.Meta{Received: t0.Add(72 * time.Hour), ReviewState: "received", Post: "Gogui"}},
	}
}

func seq(rows []export.Row) iter.Seq2[export.Row, error] {
	return func(yield func(export.Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden (run go test -update after checking):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}
