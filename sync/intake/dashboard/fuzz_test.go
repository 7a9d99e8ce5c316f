package dashboard

import (
	"strings"
	"testing"
)

func FuzzParsePHC(f *testing.F) {
	h, err := HashPassword("seed password", KDF{Time: 1, Memory: 64, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h)
	f.Add(dummyHash)
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 43))
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, salt, key, ok := parsePHC(s)
		if !ok {
			return
		}
		if k.Memory > maxKDF.Memory || k.Time > maxKDF.Time || k.Threads > maxKDF.Threads || k.Time == 0 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted out-of-bounds hash %q: %+v", s, k)
		}
	})
}

func TestPasswordHashRoundTrip(t *testing.T) {
	k := KDF{Time: 1, Memory: 64, Threads: 1}
	h, err := HashPassword("un mot de passe", k)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "un mot de passe") || CheckPassword(h, "un mot de passe ") || CheckPassword(h, "") {
		t.Error("check disagrees with hash")
	}
	h2, _ := HashPassword("un mot de passe", k)
	if h == h2 {
		t.Error("no salt: equal hashes for equal passwords")
	}
	if _, _, _, ok := parsePHC(dummyHash); !ok {
		t.Error("the dummy hash does not parse: unknown users would be cheaper to probe")
	}
}

func FuzzParseTargets(f *testing.F) {
	f.Add("post:gogui=10\nenumerator:awa=8")
	f.Add("post:=1")
	f.Add("x:y=1\n\n")
	f.Add("post:a=-1")
	f.Add("post:gogui/week=50\nenumerator:awa/month=80")
	f.Add("post:gogui/year=5")
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTargets(s)
		if err != nil {
			return
		}
		for _, x := range tg {
			if (x.Scope != "post" && x.Scope != "enumerator") || x.Key == "" || x.N < 0 || (x.Period != "week" && x.Period != "month") {
				t.Fatalf("accepted %q → %+v", s, x)
			}
		}
		// What FormatTargets writes reads back the same.
		back, err := ParseTargets(FormatTargets(tg))
		if err != nil || len(back) != len(tg) {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
	})
}

func FuzzFilterWhere(f *testing.F) {
	f.Add("2026-01-01", "2026-01-31", "gogui")
	f.Add("yesterday", "", "")
	f.Add("", "2026-13-01", "x' OR 1=1 --")
	f.Fuzz(func(t *testing.T, from, to, post string) {
		w, args, err := Filter{From: from, To: to, Post: post}.where(&User{Role: RoleSupervisor, Posts: []string{"a", "b"}})
		if err != nil {
			return
		}
		if strings.Count(w, "?") != len(args) {
			t.Fatalf("placeholders %d, args %d: %s", strings.Count(w, "?"), len(args), w)
		}
		// Every value is an argument, never SQL text.
		found := false
		for _, a := range args {
			found = found || a == post
		}
		if post != "" && !found {
			t.Fatalf("post %q not among the arguments of %s", post, w)
		}
	})
}
