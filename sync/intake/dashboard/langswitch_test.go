package dashboard_test

import (
	"strings"
	"testing"
)

// TestLanguageSwitchKeepsFilters: the language link of a filtered page
// keeps its filters.
func TestLanguageSwitchKeepsFilters(t *testing.T) {
	e, _, _ := seeded(t)
	b := e.signedIn("admin")
	p := b.get("/dashboard/interviews?post=gogui&review=pending&lang=fr")
	for _, want := range []string{`href="?lang=en&amp;post=gogui&amp;review=pending"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the language switch lacks %s", want)
		}
	}
	if strings.Contains(p.body, `href="?lang=en"`) {
		t.Errorf("a language switch drops the filters")
	}
}
