package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
	"sira/forms/builtin"
	"sira/internal/testenv"
)

func formRunSira(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: testGetenv}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func formWriteFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const formGoodSrc = `| survey |
| | type | name | label | relevant |
| | integer | age | Age | |
| | begin repeat | kids | Kids | ${age} > 18 |
| | text | kid | Name | |
| | end repeat | | | |
| settings |
| | form_id | version | form_title |
| | demo | 4 | Demo form |
`

const formBadSrc = `| survey |
| | type | name | label | relevant |
| | integer | age | Age | |
| | text | x | X | ${agee} > 1 |
| | Integer | y | Y | |
`

func TestFormCheck(t *testing.T) {
	t.Run("Valid", func(t *testing.T) {
		code, out, _ := formRunSira(t, "form", "check", formWriteFile(t, "good.md", formGoodSrc))
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, want := range []string{"form_id:   demo", "version:   4", "title:     Demo form", "questions: 2 (integer 1, text 1)", "groups:    0", "repeats:   1"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		code, out, _ := formRunSira(t, "form", "check", formWriteFile(t, "bad.md", formBadSrc))
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		want := "bad.md: survey row 3, column relevant: unknown field ${agee}\nbad.md: survey row 4, column type: unknown question type \"Integer\"\n"
		if out != want {
			t.Errorf("output:\n%s\nwant:\n%s", out, want)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		code, out, _ := formRunSira(t, "form", "check", "--json", formWriteFile(t, "bad.md", formBadSrc))
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		var res struct {
			Valid    bool
			Problems []struct {
				Row    int
				Column string
				Text   string
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if res.Valid || len(res.Problems) != 2 || res.Problems[0].Row != 3 || res.Problems[0].Column != "relevant" {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("Usage", func(t *testing.T) {
		if code, _, _ := formRunSira(t, "form", "check"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
		if code, _, _ := formRunSira(t, "form", "frobnicate"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		if code, _, errOut := formRunSira(t, "form", "check", filepath.Join(t.TempDir(), "none.xlsx")); code != 1 || !strings.Contains(errOut, "none.xlsx") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestFormCompile(t *testing.T) {
	src := formWriteFile(t, "good.md", formGoodSrc)
	out := filepath.Join(t.TempDir(), "demo.json")
	code, stdout, stderr := formRunSira(t, "form", "compile", src, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := forms.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "demo" || !strings.Contains(stdout, f.Hash) {
		t.Errorf("id %q, stdout %q", f.ID, stdout)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if code, _, _ := formRunSira(t, "form", "compile", formWriteFile(t, "bad.md", formBadSrc), "-o", out+"2"); code != 1 {
		t.Errorf("bad form: exit %d, want 1", code)
	}
	if _, err := os.Stat(out + "2"); !os.IsNotExist(err) {
		t.Errorf("output written for a bad form")
	}
	if code, _, _ := formRunSira(t, "form", "compile", src); code != 2 {
		t.Errorf("no -o: exit %d, want 2", code)
	}
}

func TestFormTemplate(t *testing.T) {
	want, err := builtin.Form(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// "sira form template > returnee.xlsx" and "-o FILE" write the same
	// workbook; it compiles to exactly the built-in form (same hash).
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"Stdout", nil},
		{"StdoutDash", []string{"-o", "-"}},
		{"File", []string{"-o", "returnee.xlsx"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "returnee.xlsx")
			args := []string{"form", "template"}
			for _, a := range tc.args {
				if a == "returnee.xlsx" {
					a = out
				}
				args = append(args, a)
			}
			code, stdout, stderr := formRunSira(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tc.name != "File" {
				if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if stdout != "" {
				t.Errorf("stdout = %q, want nothing (the file was named)", stdout)
			}
			f, err := forms.CompileFile(context.Background(), out)
			if err != nil {
				t.Fatalf("template does not compile: %v", err)
			}
			if len(f.Languages) < 2 || len(f.Questions()) < 20 {
				t.Errorf("template: languages %q, %d questions", f.Languages, len(f.Questions()))
			}
			if f.Hash != want.Hash {
				t.Errorf("template hash %s, built-in form %s", f.Hash, want.Hash)
			}
		})
	}
}

func TestFormUsageErrors(t *testing.T) {
	good := formWriteFile(t, "good.md", formGoodSrc)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"NoSubcommand", []string{"form"}, 2},
		{"UnknownSubcommand", []string{"form", "frobnicate"}, 2},
		{"UnknownFlag", []string{"form", "check", "--bogus", good}, 2},
		{"CheckNoFile", []string{"form", "check"}, 2},
		{"CheckTwoFiles", []string{"form", "check", good, good}, 2},
		{"CompileNoOut", []string{"form", "compile", good}, 2},
		{"TemplateArgument", []string{"form", "template", "extra"}, 2},
		{"Help", []string{"form", "check", "-h"}, 0},
		{"MissingFile", []string{"form", "check", filepath.Join(t.TempDir(), "nope.xlsx")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, stderr := formRunSira(t, tc.args...); code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
		})
	}
}

// TestFormCheckLayouts runs "sira form check" on one corpus form in its
// four layouts and on the Kobo-exported testdata: each passes, and the
// four layouts give the same compiled hash.
func TestFormCheckLayouts(t *testing.T) {
	corpus := filepath.Join(testenv.XLSFormDir(t), "corpus", "example_xls")
	hashes := map[string]bool{}
	for _, ext := range []string{".xlsx", ".xls", ".csv", ".md"} {
		t.Run(ext, func(t *testing.T) {
			code, out, stderr := formRunSira(t, "form", "check", filepath.Join(corpus, "case_insensitivity"+ext))
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, stderr)
			}
			for _, line := range strings.Split(out, "\n") {
				if h, ok := strings.CutPrefix(line, "hash:"); ok {
					hashes[strings.TrimSpace(h)] = true
				}
			}
		})
	}
	if len(hashes) != 1 {
		t.Errorf("the four layouts compiled to %d different hashes: %v", len(hashes), hashes)
	}
	code, out, stderr := formRunSira(t, "form", "check", filepath.Join("..", "..", "forms", "testdata", "kobo.xlsx"))
	if code != 0 || !strings.Contains(out, "languages: English (en), Français (fr)") {
		t.Errorf("kobo.xlsx: exit %d\n%s%s", code, out, stderr)
	}
}
