package tui

import (
	"testing"
	"time"

	"sira/forms"
)

func TestNormalizeEntry(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		typ       forms.Type
		in        string
		want      string
		wantError string
	}{
		{"DecimalComma", forms.TypeDecimal, "2,5", "2.5", ""},
		{"DecimalPoint", forms.TypeDecimal, "2.5", "2.5", ""},
		{"Thousands", forms.TypeDecimal, "2 650 000", "2650000", ""},
		{"ThousandsNBSP", forms.TypeDecimal, "2\u202f650\u00a0000", "2650000", ""},
		{"IntegerThousands", forms.TypeInteger, "1 500", "1500", ""},
		{"ErrIntegerComma", forms.TypeInteger, "2,5", "", "integer-comma"},
		{"ErrIntegerPoint", forms.TypeInteger, "2.5", "", "integer-comma"},
		{"DateISO", forms.TypeDate, "2026-12-05", "2026-12-05", ""},
		{"DateDayFirst", forms.TypeDate, "05/12/2026", "2026-12-05", ""},
		{"DateShort", forms.TypeDate, "5/12/26", "2026-12-05", ""},
		{"DateDots", forms.TypeDate, "5.12.2026", "2026-12-05", ""},
		{"DateLastCentury", forms.TypeDate, "1/1/85", "1985-01-01", ""},
		{"ErrDateFeb31", forms.TypeDate, "31/02/2026", "", "date"},
		{"ErrDateTwoParts", forms.TypeDate, "05/12", "", "date"},
		{"ErrDateLetters", forms.TypeDate, "5 déc 2026", "", "date"},
		{"TextUnchanged", forms.TypeText, " a,b ", "a,b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := normalizeEntry(tt.typ, tt.in, now)
			if got != tt.want || code != tt.wantError {
				t.Errorf("normalizeEntry(%s, %q) = %q, %q; want %q, %q", tt.typ, tt.in, got, code, tt.want, tt.wantError)
			}
		})
	}
}

func TestDisplayEntry(t *testing.T) {
	for _, tt := range []struct {
		typ      forms.Type
		in, want string
	}{
		{forms.TypeDecimal, "2650000", "2 650 000"},
		{forms.TypeDecimal, "-1234.5", "-1 234.5"},
		{forms.TypeInteger, "999", "999"},
		{forms.TypeDate, "2026-12-05", "05/12/2026"},
	} {
		if got := displayEntry(tt.typ, tt.in); got != tt.want {
			t.Errorf("displayEntry(%s, %q) = %q, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
	if got := spellDate("2026-12-05", true); got != "5 décembre 2026" {
		t.Errorf("spellDate = %q", got)
	}
}

// FuzzNormalizeEntry: whatever is typed, a number or date entry either is
// refused with a code or gives a value that reads back the same.
func FuzzNormalizeEntry(f *testing.F) {
	for _, s := range []string{"2,5", "2 650 000", "05/12/2026", "5/12/26", "-", "1,2,3", "99/99/99"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range []forms.Type{forms.TypeInteger, forms.TypeDecimal, forms.TypeDate} {
			v, code := normalizeEntry(typ, s, now)
			if code != "" {
				continue
			}
			if typ == forms.TypeDate && v != "" {
				if again, c2 := normalizeEntry(typ, displayEntry(typ, v), now); again != v || c2 != "" {
					t.Errorf("date %q → %q → %q (%s)", s, v, again, c2)
				}
			}
		}
	})
}
