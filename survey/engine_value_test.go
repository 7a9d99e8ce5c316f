package survey

import (
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
