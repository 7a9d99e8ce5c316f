package survey

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"sira/forms"
)

func TestNormalizeScalar(t *testing.T) {
	rng := &forms.Node{Type: forms.TypeRange, Parameters: map[string]string{"start": "0", "end": "10", "step": "2"}}
	tests := []struct {
		typ      forms.Type
		node     *forms.Node
		in, want string
		code     string
	}{
		{forms.TypeInteger, nil, "+007", "7", ""},
		{forms.TypeInteger, nil, "1e3", "", "integer"},
		{forms.TypeDecimal, nil, "3,50", "3.5", ""},
		{forms.TypeDecimal, nil, "NaN", "", "decimal"},
		{forms.TypeDate, nil, "2024-02-29", "2024-02-29", ""},
		{forms.TypeDate, nil, "2023-02-29", "", "date"},
		{forms.TypeTime, nil, "07:05", "07:05:00.000Z", ""},
		{forms.TypeDateTime, nil, "2026-11-28T10:30:00+01:00", "2026-11-28T10:30:00.000+01:00", ""},
		{forms.TypeGeopoint, nil, "12.65 -8.0", "12.65 -8 0 0", ""},
		{forms.TypeGeopoint, nil, "95 0", "", "geopoint"},
		{forms.TypeAcknowledge, nil, "OK", "OK", ""},
		{forms.TypeAcknowledge, nil, "yes", "", "acknowledge"},
		{forms.TypeRange, rng, "4", "4", ""},
		{forms.TypeRange, rng, "5", "", "range"},
		{forms.TypeRange, rng, "12", "", "range"},
		{forms.TypeText, nil, "  Kayes ", "Kayes", ""},
		{forms.TypeInteger, nil, "   ", "", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"/"+tt.in, func(t *testing.T) {
			n := tt.node
			if n == nil {
				n = &forms.Node{Type: tt.typ}
			}
			got, code, err := normalizeScalar(n, tt.in, time.UTC)
			if tt.code != "" {
				if err == nil || code != tt.code {
					t.Fatalf("normalize(%q) = %q, code %q, err %v; want code %s", tt.in, got, code, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzNormalizeScalar checks that normalising never panics and is
// idempotent: a stored answer normalises to itself.
func FuzzNormalizeScalar(f *testing.F) {
	types := []forms.Type{forms.TypeInteger, forms.TypeDecimal, forms.TypeDate, forms.TypeTime,
		forms.TypeDateTime, forms.TypeGeopoint, forms.TypeRange, forms.TypeText, forms.TypeAcknowledge}
	for _, s := range []string{"42", "-3,5", "2026-11-28", "10:30", "2026-11-28T10:30:00Z", "12.5 -8 300 5", "OK", "", " 1e9 "} {
		for i := range types {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, ti uint8, s string) {
		n := &forms.Node{Type: types[int(ti)%len(types)]}
		v, _, err := normalizeScalar(n, s, time.UTC)
		if err != nil {
			return
		}
		v2, _, err := normalizeScalar(n, v, time.UTC)
		if err != nil || v2 != v {
			t.Fatalf("%s: %q → %q → %q, %v", n.Type, s, v, v2, err)
		}
	})
}

// TestParseShortcuts: parseWhole and parseDate agree with the parsers they
// shortcut on every input they accept, and leave the others to them.
func TestParseShortcuts(t *testing.T) {
	nums := []string{"0", "-0", "7", "-7", "007", "+7", "--7", "1e3", "3,5", "3.5", "", "-", " 7", "7 ",
		"999999999999999", "-999999999999999", "9999999999999999", "12345678901234567890", "0000000000000000001"}
	for _, s := range nums {
		want, werr := strconv.ParseFloat(strings.Replace(strings.TrimPrefix(s, "+"), ",", ".", 1), 64)
		got, gerr := parseDecimal(s)
		if (werr == nil) != (gerr == nil) || werr == nil && (got != want || math.Signbit(got) != math.Signbit(want)) {
			t.Errorf("parseDecimal(%q) = %v, %v; ParseFloat gives %v, %v", s, got, gerr, want, werr)
		}
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	var dates []string
	for _, y := range []int{0, 1, 1900, 1999, 2000, 2024, 2026, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				dates = append(dates, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	dates = append(dates, "2026-1-05", "2026-01-5", "26-01-05", "2026/01/05", "2026-01-05T", "+026-01-05", "-026-01-05", "2026-0a-05", "")
	for _, loc := range []*time.Location{time.UTC, paris} {
		for _, s := range dates {
			want, werr := time.ParseInLocation(layoutDate, s, loc)
			got, gerr := parseDate(s, loc)
			if (werr == nil) != (gerr == nil) || got != want {
				t.Errorf("parseDate(%q, %s) = %v, %v; ParseInLocation gives %v, %v", s, loc, got, gerr, want, werr)
			}
		}
	}
}
