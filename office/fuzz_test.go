package office_test

import (
	"strings"
	"testing"
	"time"

	"sira/office"
)

// FuzzKeyOf: answers come from laptops; a key is made only when every
// field of the rule is answered (a finite number for the numeric one), and
// an interview always matches itself under another id.
func FuzzKeyOf(f *testing.F) {
	f.Add("F", "Kayes", "Diéma", "30", "gogui")
	f.Add("", "x", "y", "NaN", "")
	f.Add(" f ", "K\x1fayes", "", "1e309", "p")
	f.Fuzz(func(t *testing.T, sex, region, locality, age, post string) {
		r := office.DefaultDupRule
		vals := map[string]string{"sex": sex, "origin_region": region, "origin_locality": locality, "age": age}
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		k, ok := r.KeyOf("f", "a", post, day, func(n string) string { return vals[n] })
		if !ok {
			return
		}
		for _, v := range []string{sex, region, locality} {
			if strings.TrimSpace(v) == "" {
				t.Fatalf("a key with an unanswered field: %+v", vals)
			}
		}
		if !k.HasN {
			t.Fatalf("a key without the numeric field: %+v", vals)
		}
		k2, _ := r.KeyOf("f", "b", post, day, func(n string) string { return vals[n] })
		if !r.Matches(k, k2) {
			t.Fatalf("an interview does not match its copy: %+v", k)
		}
	})
}
