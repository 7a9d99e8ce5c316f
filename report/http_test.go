package report_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"sira/export"
	"sira/forms"
	"sira/report"
)

// sliceSource is an export.Source over interviews held in memory: the
// dashboard's contract without a database.
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

func get(t *testing.T, url string) (int, string) {
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
	return resp.StatusCode, string(b)
}

// TestDashboardLinks follows every link of the statistics page to the
// interview list and checks that the list has exactly as many interviews
// as the number linked: every number is traceable.
func TestDashboardLinks(t *testing.T) {
	f := builtinForm(t)
	src := &sliceSource{f: f, rows: handRows(f)}
	mux := http.NewServeMux()
	opts := report.HandlerOptions{InterviewsURL: "/interviews", DetailURL: "/iv/"}
	mux.Handle("/report", report.Handler(src, opts))
	mux.Handle("/interviews", report.InterviewsHandler(src, opts))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	code, page := get(t, srv.URL+"/report?form=returnee&lang=en")
	if code != 200 {
		t.Fatalf("report: %d %s", code, page)
	}
	links := regexp.MustCompile(`<a href="([^"]+)" title="[^"]*">(\d+)</a>`).FindAllStringSubmatch(page, -1)
	if len(links) < 100 {
		t.Fatalf("only %d links on the report page", len(links))
	}
	matched := regexp.MustCompile(`<span id="matched">(\d+)</span>`)
	checked := map[string]bool{}
	for _, l := range links {
		href := strings.ReplaceAll(l[1], "&amp;", "&")
		if checked[href] {
			continue
		}
		checked[href] = true
		code, list := get(t, srv.URL+href)
		if code != 200 {
			t.Fatalf("%s: %d %s", href, code, list)
		}
		m := matched.FindStringSubmatch(list)
		if m == nil || m[1] != l[2] {
			t.Errorf("%s: list matches %v, the report says %s", href, m, l[2])
		}
		if n := strings.Count(list, `<tr><td><a href="/iv/uuid:`); fmt.Sprint(n) != l[2] {
			t.Errorf("%s: list shows %d rows, want %s", href, n, l[2])
		}
	}

	for _, c := range []struct {
		url  string
		code int
	}{
		{"/report?form=census", 404},
		{"/report", 400},
		{"/report?form=returnee&lang=de", 400},
		{"/report?form=returnee&small=0", 400},
		{"/report?form=returnee&format=pdf", 400},
		{"/interviews?form=returnee&colour=red", 400},
		{"/interviews?form=returnee&sex=male&sex=female", 400},
		{"/report?form=returnee&format=csv", 200},
	} {
		if code, body := get(t, srv.URL+c.url); code != c.code {
			t.Errorf("GET %s = %d (%s), want %d", c.url, code, strings.TrimSpace(body), c.code)
		}
	}
	if _, list := get(t, srv.URL+"/interviews?form=returnee&sex=male&limit=2"); !strings.Contains(list, `<span id="matched">8</span> interviews match; 2 shown`) &&
		!strings.Contains(list, `<span id="matched">8</span> entretiens correspondent; 2 affichés`) {
		t.Errorf("limited list does not say 8 match, 2 shown")
	}
}
