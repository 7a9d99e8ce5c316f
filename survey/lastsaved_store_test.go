package survey_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/survey/sqlite"
	"sira/survey/vault"
)

// TestLastSavedFromStore: a new interview's ${last-saved#place} default
// is the place of the interview of the form saved last on this laptop.
func TestLastSavedFromStore(t *testing.T) {
	ctx := context.Background()
	f, err := forms.CompileFile(ctx, "testdata/lastsaved.md")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{KDF: vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock(ctx, "awa", "123456"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, place := range []string{"Kayes", "Gao"} {
		iv, err := survey.NewInterview(f, "awa", "dev", at.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		iv.Data.Values["/data/place"] = place
		iv.Updated = at.Add(time.Duration(i) * time.Hour)
		if err := st.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
	}
	last, err := survey.LastSaved(ctx, st, f, "")
	if err != nil {
		t.Fatal(err)
	}
	iv, err := survey.NewInterviewAfter(f, last, "awa", "dev", at.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := iv.Data.Values["/data/place"]; got != "Gao" {
		t.Errorf("place default %q, want Gao (the last saved)", got)
	}
}
