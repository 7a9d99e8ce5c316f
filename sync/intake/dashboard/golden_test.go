package dashboard_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sira/office"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	goldenDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?`)
	goldenDay  = regexp.MustCompile(`y="152">\d\d<`)
	goldenCSRF = regexp.MustCompile(`name="csrf" value="[^"]+"`)
	// Counts in the current week or month depend on the day the test runs.
	goldenPeriod = regexp.MustCompile(`(<meter min="0" max="\d+" value=")\d+("></meter> )\d+`)
	goldenBehind = regexp.MustCompile(`<td class="num">\d+</td><td class="num">\d+</td><td>\d+ %</td>`)
)

// normalize removes what changes between runs: dates (the chart ends
// today) and CSRF tokens.
func normalize(s string) string {
	s = goldenDate.ReplaceAllString(s, "DATE")
	s = goldenDay.ReplaceAllString(s, `y="152">DD<`)
	s = goldenPeriod.ReplaceAllString(s, "${1}N${2}N")
	s = goldenBehind.ReplaceAllString(s, `<td class="num">N</td><td class="num">N</td><td>N %</td>`)
	return goldenCSRF.ReplaceAllString(s, `name="csrf" value="CSRF"`)
}

// TestGoldenPages compares whole rendered pages with testdata/*.html
// (go test -run TestGoldenPages -update rewrites them).
func TestGoldenPages(t *testing.T) {
	e, _, _ := seeded(t)
	must(t, e.d.SetTargets(e.ctx, []office.Target{{Scope: "post", Key: "gogui", Period: "month", N: 100000}, {Scope: "enumerator", Key: "moussa", Period: "month", N: 100000}}))
	anon := e.browser()
	admin := e.signedIn("admin")
	view := e.signedIn("view")
	pages := []struct {
		name string
		b    *browser
		path string
	}{
		{"login-fr", anon, "/dashboard/login?lang=fr"},
		{"login-en", anon, "/dashboard/login?lang=en"},
		{"completion-admin-fr", admin, "/dashboard/?lang=fr"},
		{"completion-viewer-en", view, "/dashboard/?lang=en"},
		{"forbidden-en", view, "/dashboard/devices?lang=en"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			got := normalize(p.b.get(p.path).body)
			path := filepath.Join("testdata", p.name+".html")
			if *update {
				must(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			must(t, err)
			if got != string(want) {
				t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", p.path, path, got)
			}
		})
	}
}
