package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/survey/sqlite"
)

func TestCollectUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"Help", []string{"collect", "-h"}, 0, "--form"},
		{"ErrExtraArgument", []string{"collect", "extra"}, 2, "takes no arguments"},
		{"ErrUnknownFlag", []string{"collect", "--nope"}, 2, "nope"},
		{"ErrMissingForm", []string{"collect", "--db", "DB", "--form", "missing.xlsx"}, 1, "missing.xlsx"},
		{"ErrUnknownLanguage", []string{"collect", "--db", "DB", "--lang", "de"}, 2, "no language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				if a == "DB" {
					args[i] = filepath.Join(t.TempDir(), "sira.db")
				}
			}
			code, _, stderr := runMain(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.inStderr)
			}
		})
	}
}

func TestCollectForm(t *testing.T) {
	ctx := context.Background()
	f, err := collectForm(ctx, "")
	if err != nil || f.ID != "returnee" {
		t.Fatalf("default form: %v, %v", f, err)
	}
	g, err := collectForm(ctx, filepath.Join("..", "..", "survey", "tui", "testdata", "household.md"))
	if err != nil || g.ID != "household" {
		t.Fatalf("XLSForm: %v, %v", g, err)
	}
	js, err := g.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "household.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := collectForm(ctx, path)
	if err != nil || h.Hash != g.Hash {
		t.Fatalf("compiled form: %v, %v", h, err)
	}
}

// TestCollectLocked starts a collector on a database another collector
// holds: it says so and exits with an error, leaving the database alone.
func TestCollectLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sira.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, _, stderr := runMain(t, "collect", "--db", path)
	if code != 1 || !strings.Contains(stderr, "open in another Sira collector") {
		t.Errorf("exit %d, stderr %q; want 1 and a message naming the other collector", code, stderr)
	}
}
