// Package wiretest builds compiled forms and interviews for the tests and
// benchmarks of the sync packages, without depending on the XLSForm
// compiler: a small returnee-like form and deterministic interviews of it.
package wiretest

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

var countries = []string{"mali", "niger", "burkina_faso", "senegal", "guinea", "cote_divoire", "mauritania", "algeria", "libya", "morocco", "spain", "italy", "france", "ghana", "nigeria", "chad", "togo", "benin", "gambia", "other"}

// Form returns a compiled form with version v: integers, selects, a
// select_multiple, a date, a text, an image and a repeat of legs, with its
// canonical Hash set.
func Form(v string) *forms.Form {
	list := func(name string, names ...string) *forms.ChoiceList {
		l := &forms.ChoiceList{Name: name}
		for i, n := range names {
			l.Choices = append(l.Choices, &forms.Choice{Name: n, Label: forms.Text{"": strings.ToUpper(n)}, Row: i + 2})
		}
		return l
	}
	lists := map[string]*forms.ChoiceList{
		"sex":       list("sex", "male", "female"),
		"countries": list("countries", countries...),
		"reasons":   list("reasons", "work", "family", "study", "conflict", "climate", "deported", "other"),
		"yesno":     list("yesno", "yes", "no"),
	}
	q := func(name string, t forms.Type, arg string) *forms.Node {
		return &forms.Node{Name: name, Path: "/data/" + name, Type: t, TypeArg: arg, Label: forms.Text{"": name}}
	}
	legs := &forms.Node{Name: "legs", Path: "/data/legs", Type: forms.TypeRepeat, Children: []*forms.Node{
		{Name: "leg_country", Path: "/data/legs/leg_country", Type: forms.TypeSelectOne, TypeArg: "countries"},
		{Name: "leg_date", Path: "/data/legs/leg_date", Type: forms.TypeDate},
		{Name: "leg_means", Path: "/data/legs/leg_means", Type: forms.TypeText},
	}}
	root := &forms.Node{Name: "data", Path: "/data", Type: forms.TypeGroup, Children: []*forms.Node{
		q("start", forms.TypeStart, ""), q("end", forms.TypeEnd, ""),
		q("post", forms.TypeText, ""), required(q("age", forms.TypeInteger, "")), q("sex", forms.TypeSelectOne, "sex"),
		q("origin", forms.TypeSelectOne, "countries"), q("destination", forms.TypeSelectOne, "countries"),
		q("reasons", forms.TypeSelectMulti, "reasons"), q("returned", forms.TypeDate, ""),
		q("assisted", forms.TypeSelectOne, "yesno"), q("household", forms.TypeInteger, ""),
		q("photo", forms.TypeImage, ""), legs,
	}}
	f := &forms.Form{Schema: forms.SchemaVersion, ID: "returnee_test", Version: v, Title: forms.Text{"": "Returnees"}, Root: root, Lists: lists}
	if _, err := f.MarshalCanonical(); err != nil { // sets f.Hash
		panic(err)
	}
	return f
}

func required(n *forms.Node) *forms.Node {
	n.Required = "true()"
	return n
}

// Interviews returns n finalized interviews of f, deterministic for seed,
// from enumerator enum on device dev.
func Interviews(f *forms.Form, n int, seed uint64, enum, dev string) []*survey.Interview {
	r := rand.New(rand.NewPCG(seed, 0x5151))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	base := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	out := make([]*survey.Interview, n)
	for i := range out {
		start := base.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
		end := start.Add(time.Duration(300+r.IntN(900)) * time.Second)
		var id [16]byte
		for j := range id {
			id[j] = byte(r.Uint32())
		}
		h := hex.EncodeToString(id[:])
		iv := &survey.Interview{
			ID:          fmt.Sprintf("uuid:%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]),
			FormID:      f.ID,
			FormVersion: f.Version,
			FormHash:    f.Hash,
			Enumerator:  enum,
			DeviceID:    dev,
			Started:     start,
			Ended:       end,
			Updated:     end,
			Status:      survey.StatusFinalized,
			Revision:    1,
			Data: &survey.Record{Values: map[string]string{
				"/data/start":       start.Format("2006-01-02T15:04:05.000Z"),
				"/data/end":         end.Format("2006-01-02T15:04:05.000Z"),
				"/data/post":        pick([]string{"Gogui", "Kidal", "Gao", "Menaka"}),
				"/data/age":         fmt.Sprint(16 + r.IntN(50)),
				"/data/sex":         pick([]string{"male", "female"}),
				"/data/origin":      "mali",
				"/data/destination": pick(countries),
				"/data/reasons":     pick([]string{"work", "family", "work family", "conflict", "deported", "climate work"}),
				"/data/returned":    start.AddDate(0, 0, -r.IntN(60)).Format("2006-01-02"),
				"/data/assisted":    pick([]string{"yes", "no"}),
				"/data/household":   fmt.Sprint(1 + r.IntN(12)),
			}},
		}
		nlegs := 1 + r.IntN(3)
		var legs []*survey.Record
		for l := 0; l < nlegs; l++ {
			legs = append(legs, &survey.Record{Values: map[string]string{
				"/data/legs/leg_country": pick(countries),
				"/data/legs/leg_date":    start.AddDate(0, -l-1, 0).Format("2006-01-02"),
				"/data/legs/leg_means":   pick([]string{"bus", "truck", "foot", "boat"}),
			}})
		}
		iv.Data.Repeats = map[string][]*survey.Record{"/data/legs": legs}
		at := start
		for _, p := range []string{"/data/post", "/data/age", "/data/sex", "/data/origin", "/data/destination", "/data/reasons"} {
			iv.Paradata = append(iv.Paradata, survey.Event{At: at, Kind: "enter", Field: p})
			at = at.Add(time.Duration(2+r.IntN(20)) * time.Second)
			iv.Paradata = append(iv.Paradata, survey.Event{At: at, Kind: "leave", Field: p})
		}
		iv.Paradata = append(iv.Paradata, survey.Event{At: end, Kind: "finalize"})
		out[i] = iv
	}
	return out
}
