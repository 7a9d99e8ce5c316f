package report_test

import (
	"testing"

	"sira/report"
)

func TestLinkBase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"http://office:8080/dashboard/", "http://office:8080/dashboard/report/interviews?form=returnee&lang=en"},
		{"http://office:8080/dashboard", "http://office:8080/dashboard/report/interviews?form=returnee&lang=en"},
		{"http://office:8080/dashboard/interviews", "http://office:8080/dashboard/report/interviews?form=returnee&lang=en"},
		{"http://office:8080/dashboard/report/interviews?form=other", "http://office:8080/dashboard/report/interviews?form=other&lang=en"},
		{"/interviews", "/interviews?form=returnee&lang=en"},
	} {
		if got := report.LinkBase(c.in, "returnee", "en"); got != c.want {
			t.Errorf("LinkBase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
