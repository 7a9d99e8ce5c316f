package xpath_test

import (
	"testing"

	"sira/forms/xpath"
)

// typical are expressions as returnee-survey forms write them: relevance,
// constraints, calculations and a choice filter.
var typical = []string{
	"${age} >= 18 and ${region} = 'kayes'",
	". >= 0 and . <= 120",
	"regex(., '[67][0-9]{7}')",
	"selected(${reasons}, 'work') or count-selected(${reasons}) > 2",
	"if(${empty} = '', 0, ${empty}) + int((today() - ${dob}) div 365.25)",
	"coalesce(${empty}, 0) + sum(/data/member/mage)",
	"instance('cercles')/root/item[region = ${region}]/label",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range typical {
			if _, err := xpath.Parse(src); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEval(b *testing.B) {
	exprs := make([]*xpath.Expr, len(typical))
	for i, src := range typical {
		exprs[i] = xpath.MustParse(src)
	}
	ctx := household()
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range exprs {
			if _, err := e.Eval(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEvalRelevant is one relevance test, the engine's commonest call.
func BenchmarkEvalRelevant(b *testing.B) {
	e := xpath.MustParse("${age} >= 18 and ${region} = 'kayes'")
	ctx := household()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EvalBool(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
