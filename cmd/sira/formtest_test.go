package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
	"sira/survey"
	"sira/survey/sqlite"
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

// TestSimulateMedia: image, signature, audio, video and file questions
// get small files of the right type, stored with the interviews.
func TestSimulateMedia(t *testing.T) {
	src := `| survey |
| | type | name | label | appearance | required |
| | image | photo | Photo | | yes |
| | image | sig | Signature | signature | yes |
| | audio | voice | Voice | | yes |
| | video | clip | Clip | | yes |
| | file | doc | Document | | yes |
| | begin repeat | r | R | | |
| | image | rphoto | Photo | | yes |
| | end repeat | | | | |
`
	path := formWriteFile(t, "media.md", src)
	db := filepath.Join(t.TempDir(), "m.db")
	if code, out, errOut := formRunSira(t, "simulate", "-n", "5", "--db", db, "--form", path, "--enumerator", "E7"); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	f, err := forms.CompileFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ivs := simulated(t, db)
	if len(ivs) != 5 {
		t.Fatalf("%d interviews", len(ivs))
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustUnlock(t, st, "E7")
	for _, iv := range ivs {
		if len(iv.Attachments) < 5 {
			t.Fatalf("%s: %d attachments", iv.ID, len(iv.Attachments))
		}
		for _, a := range iv.Attachments {
			rc, err := st.OpenAttachment(ctx, a.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			if err := survey.CheckAttachment(f.Node(a.Field), a.Name, data); err != nil {
				t.Errorf("%s %s: %v", a.Field, a.Name, err)
			}
		}
	}
}

// TestCheckAttachment: the right kind of file for each media question.
func TestCheckAttachment(t *testing.T) {
	img := &forms.Node{Name: "p", Type: forms.TypeImage}
	aud := &forms.Node{Name: "a", Type: forms.TypeAudio}
	doc := &forms.Node{Name: "d", Type: forms.TypeFile, Parameters: map[string]string{"accept": ".pdf,image/*"}}
	samples := map[string]*survey.SampleMedia{}
	for _, m := range survey.SampleMediaFiles() {
		samples[m.Name] = m
	}
	for _, tc := range []struct {
		n    *forms.Node
		name string
		data []byte
		ok   bool
	}{
		{img, "a.jpg", samples["sim-photo.jpg"].Data, true},
		{img, "a.png", samples["sim-signature.png"].Data, true},
		{img, "a.jpg", []byte("just some text"), false},
		{aud, "a.wav", samples["sim-audio.wav"].Data, true},
		{aud, "a.m4a", []byte{0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'M', '4', 'A', ' '}, true},
		{aud, "a.jpg", samples["sim-photo.jpg"].Data, false},
		{doc, "x.pdf", samples["sim-document.pdf"].Data, true},
		{doc, "x.png", samples["sim-signature.png"].Data, true},
		{doc, "x.docx", []byte("PK\x03\x04"), false},
	} {
		if err := survey.CheckAttachment(tc.n, tc.name, tc.data); (err == nil) != tc.ok {
			t.Errorf("%s %s: %v, want ok %v", tc.n.Name, tc.name, err, tc.ok)
		}
	}
}

// TestMissingFileCheckCompilePublish: a choices file not beside the form is
// a warning naming it for form check, and an error for form compile and
// intake form publish (the laptop and the server need it).
func TestMissingFileCheckCompilePublish(t *testing.T) {
	src := "| survey |\n| | type | name | label |\n| | select_one_from_file villages.csv | v | Village |\n"
	path := formWriteFile(t, "f.md", src)
	code, out, _ := formRunSira(t, "form", "check", path)
	if code != 0 || !strings.Contains(out, "missing:   villages.csv") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
	code, out, _ = formRunSira(t, "form", "compile", path, "-o", filepath.Join(t.TempDir(), "f.json"))
	if code == 0 || !strings.Contains(out, "file villages.csv is not beside the form") {
		t.Errorf("compile: exit %d\n%s", code, out)
	}
	db := filepath.Join(t.TempDir(), "i.db")
	code, _, errOut := formRunSira(t, "intake", "form", "publish", "--db", db, path)
	if code == 0 || !strings.Contains(errOut, "villages.csv") {
		t.Errorf("publish: exit %d\n%s", code, errOut)
	}
}
