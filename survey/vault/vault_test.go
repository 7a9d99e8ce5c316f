package vault_test

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"sira/survey/vault"
)

var cheap = vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

func mustKey(t testing.TB) ([]byte, *vault.Key) {
	t.Helper()
	raw, err := vault.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := vault.FromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, k
}

func TestSealOpen(t *testing.T) {
	_, k := mustKey(t)
	_, other := mustKey(t)
	ad := vault.AD("uuid:1", "answers")
	sealed, err := k.Seal(nil, []byte("secret answer"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if !vault.IsSealed(sealed) || bytes.Contains(sealed, []byte("secret")) || len(sealed) != len("secret answer")+vault.Overhead {
		t.Fatalf("sealed = %x", sealed)
	}
	again, _ := k.Seal(nil, []byte("secret answer"), ad)
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if pt, err := k.Open(nil, sealed, ad); err != nil || string(pt) != "secret answer" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	flipped := append([]byte(nil), sealed...)
	flipped[len(flipped)-3] ^= 1
	for name, c := range map[string]struct {
		k      *vault.Key
		sealed []byte
		ad     []byte
	}{
		"other interview": {k, sealed, vault.AD("uuid:2", "answers")},
		"other field":     {k, sealed, vault.AD("uuid:1", "comment")},
		"other key":       {other, sealed, ad},
		"bit flipped":     {k, flipped, ad},
		"truncated":       {k, sealed[:len(sealed)-1], ad},
		"empty":           {k, nil, ad},
		"plaintext JSON":  {k, []byte(`{"values":{}}`), ad},
	} {
		if _, err := c.k.Open(nil, c.sealed, c.ad); !errors.Is(err, vault.ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	if bytes.Equal(vault.AD("ab", "c"), vault.AD("a", "bc")) {
		t.Error("associated data of different ids and fields collide")
	}
}

func TestSealTo(t *testing.T) {
	_, k := mustKey(t)
	_, other := mustKey(t)
	ad := vault.AD("uuid:1", "comment")
	sealed, err := vault.SealTo(nil, k.Public(), []byte("rejected: "+strings.Repeat("x", 10)), ad)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k.Open(nil, sealed, ad); err != nil || !strings.HasPrefix(string(pt), "rejected") {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := other.Open(nil, sealed, ad); !errors.Is(err, vault.ErrOpen) {
		t.Errorf("another key opened a value sealed to k: %v", err)
	}
	if _, err := k.Open(nil, sealed, vault.AD("uuid:2", "comment")); !errors.Is(err, vault.ErrOpen) {
		t.Errorf("moved value opened: %v", err)
	}
}

func TestWrap(t *testing.T) {
	raw, _ := mustKey(t)
	ad := []byte("sira/v1\x00pin\x00awa")
	w, err := vault.Wrap(raw, "482100", cheap, ad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(w, raw) || bytes.Contains(w, []byte("482100")) {
		t.Fatal("wrapped key holds the key or the PIN")
	}
	if got, err := vault.Unwrap(w, "482100", ad); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("Unwrap = %x, %v", got, err)
	}
	for name, c := range map[string]struct {
		w   []byte
		pin string
		ad  []byte
	}{
		"wrong PIN":        {w, "482101", ad},
		"other enumerator": {w, "482100", []byte("sira/v1\x00pin\x00bob")},
		"tampered salt":    {append(append([]byte(nil), w[:12]...), append([]byte{w[12] ^ 1}, w[13:]...)...), "482100", ad},
	} {
		if _, err := vault.Unwrap(c.w, c.pin, c.ad); !errors.Is(err, vault.ErrWrongSecret) {
			t.Errorf("%s: %v, want ErrWrongSecret", name, err)
		}
	}
	huge := append([]byte(nil), w...)
	huge[5], huge[6] = 0x7f, 0xff // memory 2 TiB
	if _, err := vault.Unwrap(huge, "482100", ad); err == nil || errors.Is(err, vault.ErrWrongSecret) {
		t.Errorf("out-of-range parameters: %v, want a refusal before deriving", err)
	}
}

func TestPINRules(t *testing.T) {
	for pin, ok := range map[string]bool{"123456": true, "0000000000": true, "12345": false, "12345a": false, "": false,
		"١٢٣٤٥٦": false, strings.Repeat("9", 64): true, strings.Repeat("9", 65): false} {
		if got := vault.CheckPIN(pin); got != ok {
			t.Errorf("CheckPIN(%q) = %v, want %v", pin, got, ok)
		}
	}
}

func TestResetCode(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c, err := vault.NewResetCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 19 || strings.Count(c, "-") != 3 || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		n, err := vault.NormalizeCode(strings.ToLower(c))
		if err != nil || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("NormalizeCode(%q) = %q, %v", c, n, err)
		}
	}
	for in, want := range map[string]string{"abcd-efgh-jkmn-pqrs": "ABCDEFGHJKMNPQRS", "oooo iiii llll 0000": "0000111111110000"} {
		if got, err := vault.NormalizeCode(in); err != nil || got != want {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQRS-T", "ÀBCD-EFGH-JKMN-PQRS"} {
		if _, err := vault.NormalizeCode(bad); !errors.Is(err, vault.ErrBadCode) {
			t.Errorf("NormalizeCode(%q) = %v, want ErrBadCode", bad, err)
		}
	}
}

func TestReset(t *testing.T) {
	raw, _ := mustKey(t)
	code, _ := vault.NewResetCode()
	pkg, err := vault.SealReset(raw, "Awa", code)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := vault.OpenReset(pkg, "awa", code); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("OpenReset = %v", err)
	}
	other, _ := vault.NewResetCode()
	if _, err := vault.OpenReset(pkg, "awa", other); !errors.Is(err, vault.ErrWrongSecret) {
		t.Errorf("wrong code: %v", err)
	}
	if _, err := vault.OpenReset(pkg, "bob", code); !errors.Is(err, vault.ErrWrongSecret) {
		t.Errorf("other enumerator: %v", err)
	}
	if _, err := vault.OpenReset(pkg[:20], "awa", code); err == nil {
		t.Error("truncated package opened")
	}
}

// TestProtectHere: the platform's extra wrap round-trips; off Windows it
// is the identity and a DPAPI-wrapped key is refused with a clear message.
func TestProtectHere(t *testing.T) {
	in := []byte{0x02, 1, 2, 3}
	p, err := vault.Protect(in)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && !bytes.Equal(p, in) {
		t.Errorf("Protect off Windows = %x, want the input", p)
	}
	if out, err := vault.Unprotect(p); err != nil || !bytes.Equal(out, in) {
		t.Fatalf("Unprotect = %x, %v", out, err)
	}
	if runtime.GOOS != "windows" {
		if _, err := vault.Unprotect([]byte("D\x01\x02")); err == nil || !strings.Contains(err.Error(), "Windows") {
			t.Errorf("DPAPI key off Windows: %v", err)
		}
	}
}

// BenchmarkDerive is the cost of one PIN guess with the production
// parameters (argon2id t=3, m=64 MiB, p=2); it reports the time to try
// the whole 6-digit space on this machine at that rate, one guess at a time.
func BenchmarkDerive(b *testing.B) {
	salt := make([]byte, 16)
	start := time.Now()
	n := 0
	for b.Loop() {
		vault.Derive("123456", salt, vault.Default)
		n++
	}
	per := time.Since(start) / time.Duration(n)
	b.ReportMetric(float64(per.Milliseconds()), "ms/guess")
	b.ReportMetric(float64(per)*1e6/float64(24*time.Hour), "days/1e6-PINs")
}
