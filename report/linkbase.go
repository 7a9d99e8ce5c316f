package report

import (
	"net/url"
	"strings"
)

// LinkBase turns the dashboard address a user gives `sira report
// --link-base` into the base of the report's links: the dashboard's list
// of the interviews a number counts (…/dashboard/report/interviews, which
// filters by answers) for form, in lang. It accepts the dashboard's root
// (http://HOST:8080/dashboard/), its interviews page, or the list itself;
// another URL is kept and given the form and language. "" stays "".
func LinkBase(base, form, lang string) string {
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	p := strings.TrimSuffix(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/dashboard/report/interviews"):
	case strings.HasSuffix(p, "/dashboard/interviews"):
		u.Path = strings.TrimSuffix(p, "interviews") + "report/interviews"
	case strings.HasSuffix(p, "/dashboard"):
		u.Path = p + "/report/interviews"
	}
	q := u.Query()
	if q.Get("form") == "" {
		q.Set("form", form)
	}
	if q.Get("lang") == "" && lang != "" {
		q.Set("lang", lang)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
