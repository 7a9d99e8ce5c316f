package dashboard

import (
	"strings"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		filter string
		match  bool
		err    string
	}{
		{"SubmissionDate gt 2026-11-01", true, ""},
		{"SubmissionDate lt 2026-11-01T00:00:00Z", false, ""},
		{"__system/submissionDate ge 2026-11-03T08:00:00.000Z and ReviewState eq 'approved'", true, ""},
		{"ReviewState eq 'rejected' or ReviewState eq 'approved'", true, ""},
		{"not (ReviewState eq 'approved')", false, ""},
		{"ReviewState ne null", true, ""},
		{"ReviewState eq 'it''s'", false, ""},
		{"Age gt 3", false, "cannot be filtered"},
		{"ReviewState gt 'a'", false, "eq or ne only"},
		{"SubmissionDate gt tomorrow", false, "not a date"},
		{"(ReviewState eq 'x'", false, "missing )"},
		{"ReviewState eq 'x", false, "unterminated"},
		{"ReviewState eq 'x' junk", false, "unexpected"},
		{strings.Repeat("(", 30) + "ReviewState eq 'x'" + strings.Repeat(")", 30), false, "nested too deeply"},
	} {
		f, err := parseFilter(c.filter)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.filter, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		if got := f.match(t0, "approved"); got != c.match {
			t.Errorf("%s: match = %v", c.filter, got)
		}
	}
}

// FuzzParseFilter: any $filter either parses, and then evaluates without
// panicking, or fails with an error naming $filter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"SubmissionDate gt 2026-11-01", "ReviewState eq 'a''b' and not (SubmissionDate le null)", "((", "'", "ReviewState eq"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseFilter(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "$filter") {
				t.Fatalf("error %q does not name $filter", err)
			}
			return
		}
		e.match(time.Now(), "received")
	})
}
