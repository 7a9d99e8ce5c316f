package dashboard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// odataR reads an OData entity set as an analyst's R script does with
// httr and jsonlite: Basic NAME:TOKEN, following @odata.nextLink, and
// prints the KEY of every row.
const odataR = `
suppressMessages({library(httr); library(jsonlite)})
a <- commandArgs(trailingOnly=TRUE)
svc <- fromJSON(content(GET(a[1], authenticate(a[2], a[3])), "text", encoding="UTF-8"))
url <- paste0(a[1], "/", svc$value$url[1])
keys <- c()
while (!is.null(url)) {
  r <- GET(url, authenticate(a[2], a[3]), accept("application/json"))
  stop_for_status(r)
  page <- fromJSON(content(r, "text", encoding="UTF-8"))
  keys <- c(keys, page$value$KEY)
  url <- page[["@odata.nextLink"]]
}
cat(keys, sep="\n")
`

// TestODataFromR: R's httr reads the feed, pages and all, with the Basic
// credentials Excel and Power BI send.
func TestODataFromR(t *testing.T) {
	if _, err := exec.LookPath("Rscript"); err != nil {
		t.Skip("Rscript not installed (CI installs r-cran-httr)")
	}
	if err := exec.Command("Rscript", "-e", "library(httr)").Run(); err != nil {
		t.Skip("R's httr not installed (CI installs r-cran-httr)")
	}
	a := newAPIFixture(t, 4)
	script := filepath.Join(t.TempDir(), "odata.R")
	if err := os.WriteFile(script, []byte(odataR), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("Rscript", script, a.e.hs.URL+"/odata/returnee.svc", "sup1", a.tokens["sup1"]).CombinedOutput()
	if err != nil {
		t.Fatalf("R: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	sort.Strings(got)
	want := append([]string(nil), a.gogui...)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("R read %v, want the supervisor's %v", got, want)
	}
}
