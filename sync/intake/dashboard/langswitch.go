package dashboard

import "net/url"

// LangURL is the current page in language lang, with its filters: the
// query kept, lang replaced, the page cursor kept too (the rows do not
// depend on the language).
func (v *view) LangURL(lang string) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", lang)
	return "?" + q.Encode()
}
