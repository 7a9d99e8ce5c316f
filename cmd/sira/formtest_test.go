package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// formTestSrc has a field that is never shown, a constraint no answer
// satisfies, a regex, a confirmation, a length, a bound on another field
// and a blocking required note, and a choices file that is missing.
const formTestSrc = `| survey |
| | type | name | label | relevant | constraint | required |
| | integer | age | Age | | ${age} >= 60 | yes |
| | text | phone | Phone | | regex(., '^0[67][0-9]{8}$') | yes |
| | text | phone2 | Again | | . = ${phone} | yes |
| | text | code | Code | | string-length(.) = 5 | yes |
| | integer | n | N | | . > 10 and . < 5 | |
| | text | dead | Dead | ${age} < 18 | | |
| | integer | total | Total | | | yes |
| | integer | men | Men | | . <= ${total} | yes |
| | note | check | Men cannot outnumber the total | ${men} > ${total} | | yes |
| | select_one_from_file villages.csv | village | Village | | | yes |
`

func TestFormTest(t *testing.T) {
	path := formWriteFile(t, "ft.md", formTestSrc)
	code, out, errOut := formRunSira(t, "form", "test", path, "-n", "30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "placeholder choices for the files not beside the form: villages.csv") || strings.Count(errOut, "placeholder") != 1 {
		t.Errorf("stderr does not name the missing file once:\n%s", errOut)
	}
	for _, want := range []string{
		"30 interviews simulated, 30 completed",
		"never shown (check their relevance and their groups'):\n  dead (row 7): relevant ${age} < 18",
		"constraints never satisfied by any answer tried:\n  n (row 6): . > 10 and . < 5",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, q := range []string{"age", "phone", "phone2", "code", "men", "village"} {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 5 && f[0] == q {
				line = l
			}
		}
		if f := strings.Fields(line); len(f) != 5 || f[2] != "30" || f[3] != "30" {
			t.Errorf("%s: want shown 30 answered 30, line %q", q, line)
		}
	}
	if code, _, _ := formRunSira(t, "form", "test", path, "-n", "0"); code == 0 {
		t.Error("-n 0 accepted")
	}
}

// TestSimulateCarriesOn: an interview that cannot be completed is left
// out with the question that blocked it; the batch goes on.
func TestSimulateCarriesOn(t *testing.T) {
	src := `| survey |
| | type | name | label | constraint | required |
| | integer | a | A | | yes |
| | integer | b | B | . > ${a} and . < 5 | yes |
`
	path := formWriteFile(t, "block.md", src)
	db := filepath.Join(t.TempDir(), "s.db")
	code, out, errOut := formRunSira(t, "simulate", "-n", "40", "--db", db, "--form", path)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "could not be completed and were left out") || !strings.Contains(errOut, "blocked at /data/b") {
		t.Errorf("stderr does not say which question blocked:\n%s", errOut)
	}
	if !strings.Contains(out, "simulated ") || strings.Contains(out, "simulated 40 ") || strings.Contains(out, "simulated 0 ") {
		t.Errorf("stdout: %s", out)
	}
}
