package survey

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

func TestFromRegex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, pat := range []string{
		`^0[67][0-9]{8}$`, `^[A-Z]{3}-\d{4}$`, `^(yes|no)$`, `^\w+@\w+\.org$`,
		`^(([0-9]{1})*[- .(]*([0-9]{3})[- .)]*[0-9]{3}[- .]*[0-9]{4})+$`, `^[^0-9]{2,5}$`,
	} {
		for i := 0; i < 20; i++ {
			v, ok := fromRegex(r, pat)
			if !ok || !regexp.MustCompile(pat).MatchString(v) {
				t.Fatalf("%s: %q %v", pat, v, ok)
			}
		}
	}
	if _, ok := fromRegex(r, `(unclosed`); ok {
		t.Error("an invalid pattern gave an answer")
	}
}

func FuzzFromRegex(f *testing.F) {
	for _, s := range []string{`^0[67][0-9]{8}$`, `a|b*`, `[^x]{0,3}\d`, `(?i)abc`} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, pat string, seed uint64) {
		if len(pat) > 200 {
			return
		}
		v, ok := fromRegex(rand.New(rand.NewPCG(seed, 0)), pat)
		if ok && !regexp.MustCompile(pat).MatchString(v) {
			t.Fatalf("%q does not match %q", v, pat)
		}
	})
}
