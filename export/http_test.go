package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sira/export"
	"sira/forms"
)

// sliceSource is an export.Source over rows held in memory.
type sliceSource struct {
	f    *forms.Form
	rows []export.Row
}

func (s *sliceSource) Form(_ context.Context, id string) (*forms.Form, error) {
	if id != s.f.ID {
		return nil, fmt.Errorf("form %q: %w", id, export.ErrUnknownForm)
	}
	return s.f, nil
}

func (s *sliceSource) Rows(context.Context, *forms.Form) iter.Seq2[export.Row, error] {
	return seq(s.rows)
}

func fetch(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestHandler(t *testing.T) {
	src := &sliceSource{f: nestedForm(), rows: nestedInterviews()}
	srv := httptest.NewServer(export.Handler(src, nil))
	defer srv.Close()

	t.Run("Zip", func(t *testing.T) {
		resp, body := fetch(t, srv.URL+"/?form=nested&labels=1&lang=en")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("status %d, type %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, zf := range zr.File {
			names = append(names, zf.Name)
			if zf.Name != "nested.csv" {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			want, err := os.ReadFile(filepath.Join("testdata", "nested-labels-en-nested.csv.golden"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("zipped nested.csv differs from the CSV export")
			}
		}
		sort.Strings(names)
		if got, want := strings.Join(names, " "), "nested-codebook.csv nested-legs~1.csv nested-legs~2.csv nested-stops.csv nested.csv"; got != want {
			t.Errorf("zip holds %s, want %s", got, want)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		resp, body := fetch(t, srv.URL+"/?form=nested&format=xlsx")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("nested")
		if err != nil || len(rows) != 4 {
			t.Errorf("main sheet: %d rows, %v", len(rows), err)
		}
	})
	for _, c := range []struct {
		query string
		code  int
	}{
		{"", 400},
		{"?form=census", 404},
		{"?form=nested&since=tomorrow", 400},
		{"?form=nested&format=pdf", 400},
	} {
		if resp, body := fetch(t, srv.URL+"/"+c.query); resp.StatusCode != c.code {
			t.Errorf("GET %s = %d (%s), want %d", c.query, resp.StatusCode, body, c.code)
		}
	}
	t.Run("SourceFails", func(t *testing.T) {
		rows := nestedInterviews()
		rows[2].Interview.FormID = "other"
		srv := httptest.NewServer(export.Handler(&sliceSource{f: nestedForm(), rows: rows}, nil))
		defer srv.Close()
		if resp, _ := fetch(t, srv.URL+"/?form=nested"); resp.StatusCode != 500 {
			t.Errorf("failed export = %d, want 500 before any byte is sent", resp.StatusCode)
		}
	})
}

// TestHandlerTyped: format=dta and format=sav download a zip of one Stata
// or SPSS file per table (named like the CSVs) and the codebook.
func TestHandlerTyped(t *testing.T) {
	hh, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "household.md"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(export.Handler(&sliceSource{f: hh, rows: simulated(t, hh, 3, nil)}, nil))
	defer srv.Close()
	for _, c := range []struct{ format, magic string }{{"dta", "<stata_dta>"}, {"sav", "$FL2"}} {
		resp, body := fetch(t, srv.URL+"/?form=household&format="+c.format)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("%s: status %d, type %s: %s", c.format, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "-"+c.format+".zip") {
			t.Errorf("%s: Content-Disposition %s", c.format, cd)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, zf := range zr.File {
			names = append(names, zf.Name)
			if strings.HasSuffix(zf.Name, "."+c.format) {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.HasPrefix(b, []byte(c.magic)) {
					t.Errorf("%s does not start with %q", zf.Name, c.magic)
				}
			}
		}
		sort.Strings(names)
		want := fmt.Sprintf("household-codebook.csv household-job.%[1]s household-member.%[1]s household.%[1]s", c.format)
		if got := strings.Join(names, " "); got != want {
			t.Errorf("zip holds %s, want %s", got, want)
		}
	}
}
