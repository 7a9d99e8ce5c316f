package wire

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// The dictionary's sample interviews come from this generator, not from
// survey.Simulate: the simulator (and the engine it drives) improves from
// version to version, and every change to what it produces would change
// every form's dictionary, so that a laptop and a server of two versions
// could not use the dictionary between them. This generator reads only the
// compiled form's serialised fields (the form's hash covers them) and is
// FROZEN: changing anything here changes every dictionary id, which
// TestDictionaryFrozen catches. Change it only with a new protocol version.

// dictSeed is the PCG seed of the dictionary's samples.
const dictSeed1, dictSeed2 = 0x5149a, 2

// dictWords are the words of the samples' text answers.
var dictWords = []string{"Bamako", "Kayes", "marché", "atelier", "transport", "commerce", "famille", "travail", "route", "Gao", "champ", "école"}

// dictBoundRE reads ". >= 15"-style bounds from a constraint.
var dictBoundRE = regexp.MustCompile(`(?:^|[\s(])\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)`)

// dictGen generates sample interviews of one form.
type dictGen struct {
	f   *forms.Form
	rng *rand.Rand
}

// dictSample returns dictSamples interviews of f generated from its
// structure with a fixed seed: every field of a level is answered with a
// value of its type (relevant fields in one case of two, optional ones
// in nine of ten), choices drawn from the field's list, numbers within the
// ". >= n" bounds of the constraint, repeats with the literal repeat_count
// or 0–3 instances. Relevance, constraints and calculations are not
// evaluated: the samples only need the shapes real interviews repeat.
func dictSample(f *forms.Form) []*survey.Interview {
	g := &dictGen{f: f, rng: rand.New(rand.NewPCG(dictSeed1, dictSeed2))}
	out := make([]*survey.Interview, 0, dictSamples)
	base := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := 0; i < dictSamples; i++ {
		var id [16]byte
		for j := range id {
			id[j] = byte(g.rng.Uint32())
		}
		id[6] = id[6]&0x0f | 0x40
		id[8] = id[8]&0x3f | 0x80
		start := base.Add(time.Duration(g.rng.IntN(30*24*60)) * time.Minute)
		end := start.Add(time.Duration(15+g.rng.IntN(30)) * time.Minute)
		iv := &survey.Interview{
			ID:     fmt.Sprintf("uuid:%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:]),
			FormID: f.ID, FormVersion: f.Version, FormHash: f.Hash,
			Enumerator: "enumerator", DeviceID: "device",
			Started: start, Ended: end, Updated: end,
			Status: survey.StatusFinalized, Revision: 1, Data: survey.NewRecord(),
		}
		if f.Root != nil {
			g.level(iv, iv.Data, f.Root.Children, 0)
		}
		out = append(out, iv)
	}
	return out
}

// level fills rec with answers to nodes (groups flattened into it).
func (g *dictGen) level(iv *survey.Interview, rec *survey.Record, nodes []*forms.Node, depth int) {
	for _, n := range nodes {
		switch n.Type {
		case forms.TypeGroup:
			if n.Relevant != "" && g.rng.IntN(4) == 0 {
				continue
			}
			g.level(iv, rec, n.Children, depth)
		case forms.TypeRepeat:
			if depth >= 3 {
				continue
			}
			k := g.rng.IntN(4)
			if c, err := strconv.Atoi(strings.TrimSpace(n.RepeatCount)); err == nil {
				k = min(max(c, 0), 10)
			}
			for ; k > 0; k-- {
				inst := survey.NewRecord()
				g.level(iv, inst, n.Children, depth+1)
				if rec.Repeats == nil {
					rec.Repeats = map[string][]*survey.Record{}
				}
				rec.Repeats[n.Path] = append(rec.Repeats[n.Path], inst)
			}
		default:
			if n.Relevant != "" && g.rng.IntN(2) == 0 {
				continue
			}
			if n.Required == "" && g.rng.IntN(10) == 0 {
				continue
			}
			if v := g.value(iv, n); v != "" {
				rec.Values[n.Path] = v
			}
		}
	}
}

// value is an answer of n's type.
func (g *dictGen) value(iv *survey.Interview, n *forms.Node) string {
	r := g.rng
	const stamp = "2006-01-02T15:04:05.000Z07:00"
	switch n.Type {
	case forms.TypeStart:
		return iv.Started.Format(stamp)
	case forms.TypeEnd:
		return iv.Ended.Format(stamp)
	case forms.TypeToday:
		return iv.Started.Format(time.DateOnly)
	case forms.TypeDeviceID:
		return iv.DeviceID
	case forms.TypeUsername:
		return iv.Enumerator
	case forms.TypeInteger:
		lo, hi := dictBounds(n)
		a, b := int(math.Ceil(lo)), int(math.Floor(hi))
		if b < a {
			return strconv.Itoa(a)
		}
		return strconv.Itoa(a + r.IntN(b-a+1))
	case forms.TypeDecimal:
		lo, hi := dictBounds(n)
		return strconv.FormatFloat(math.Round((lo+r.Float64()*(hi-lo))*100)/100, 'f', -1, 64)
	case forms.TypeRange:
		return strconv.Itoa(1 + r.IntN(10))
	case forms.TypeCalculate:
		if n.Calculation == "" {
			return ""
		}
		return strconv.Itoa(r.IntN(10))
	case forms.TypeDate:
		return iv.Started.AddDate(0, 0, -r.IntN(3650)).Format(time.DateOnly)
	case forms.TypeDateTime:
		return iv.Started.Add(-time.Duration(r.IntN(3650*24*60)) * time.Minute).Format(stamp)
	case forms.TypeTime:
		return fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(60))
	case forms.TypeGeopoint:
		return fmt.Sprintf("%.5f %.5f %d %d", 10.2+r.Float64()*14.8, -12.2+r.Float64()*16.4, 250+r.IntN(200), 3+r.IntN(20))
	case forms.TypeAcknowledge:
		return "OK"
	case forms.TypeBarcode:
		return strconv.Itoa(100000 + r.IntN(900000))
	case forms.TypeText:
		return dictWords[r.IntN(len(dictWords))] + " " + strconv.Itoa(1+r.IntN(99))
	case forms.TypeSelectOne, forms.TypeSelectMulti, forms.TypeRank, forms.TypeSelectFile, forms.TypeSelectMultiFile:
		l := g.f.Lists[n.TypeArg]
		if l == nil {
			l = g.f.Files[n.TypeArg]
		}
		if l == nil || len(l.Choices) == 0 {
			return ""
		}
		cs := l.Choices
		switch n.Type {
		case forms.TypeSelectOne, forms.TypeSelectFile:
			i := r.IntN(len(cs) + b2i(n.OrOther))
			if i == len(cs) {
				return "other"
			}
			return cs[i].Name
		case forms.TypeRank:
			out := make([]string, len(cs))
			for i, p := range r.Perm(len(cs)) {
				out[i] = cs[p].Name
			}
			return strings.Join(out, " ")
		}
		perm := r.Perm(len(cs))[:1+r.IntN(min(3, len(cs)))]
		out := make([]string, len(perm))
		for i, p := range perm {
			out[i] = cs[p].Name
		}
		return strings.Join(out, " ")
	}
	return ""
}

// dictBounds reads numeric bounds from n's constraint (0..100 without).
func dictBounds(n *forms.Node) (lo, hi float64) {
	lo, hi = 0, 100
	haveHi := false
	for _, m := range dictBoundRE.FindAllStringSubmatch(n.Constraint, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		switch m[1] {
		case ">=":
			lo = v
		case ">":
			lo = v + 1
		case "<=":
			hi, haveHi = v, true
		case "<":
			hi, haveHi = v-1, true
		}
	}
	if !haveHi || hi < lo {
		hi = lo + 100
		if n.Type == forms.TypeDecimal && !haveHi {
			hi = lo + 100000
		}
	}
	// Bounded so that the integers fit an int anywhere.
	return max(min(lo, 1e9), -1e9), max(min(hi, 1e9), -1e9)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
