package survey

import "testing"

func TestRefRoundTrip(t *testing.T) {
	isRepeat := func(p string) bool { return p == "/data/legs" || p == "/data/legs/stops" }
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"/data/age", false},
		{"/data/legs[2]/country", false},
		{"/data/legs[2]/stops[10]/town", false},
		{"/data/legs", false},          // the repeat itself, e.g. its instance count
		{"/data/legs[2]/stops", false}, // a nested repeat inside one instance
		{"/data/legs/country", true},
		{"/data/age[1]", true},
		{"/data/legs[0]/country", true},
		{"/data/legs[x]/country", true},
		{"data/age", true},
		{"/data//age", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRef(tt.in, isRepeat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRef(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil {
				if got := r.String(); got != tt.in {
					t.Errorf("round trip: got %q, want %q", got, tt.in)
				}
			}
		})
	}
}
