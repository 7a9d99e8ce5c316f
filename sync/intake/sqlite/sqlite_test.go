package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/internal/migrate"
	"sira/sync/intake"
	"sira/sync/intake/sqlite"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "intake.db")
	// Opening twice applies the migrations once and keeps the data.
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := intake.CreateToken(ctx, s, "awa", time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := s.Tokens(ctx)
	if err != nil || len(ts) != 1 {
		t.Errorf("after reopening: %d tokens, %v", len(ts), err)
	}
	s.Close()
	// Another program's SQLite database is refused and left alone.
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE x (y)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Open(ctx, other); !errors.Is(err, sqlite.ErrNotIntake) {
		t.Errorf("another program's database: %v, want ErrNotIntake", err)
	}
	// Ingest after Close fails instead of hanging.
	s, _ = sqlite.Open(ctx, path)
	s.Close()
	if _, err := s.Ingest(ctx, intake.BatchMeta{}, nil); err == nil {
		t.Error("Ingest on a closed store: no error")
	}
}

// TestOpenNewerSchema: a database written by a newer Sira is refused with
// a typed error and left byte for byte as it was.
func TestOpenNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "intake.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO intake_schema (version, name, applied) VALUES (999, '0999_future.sql', 'future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(ctx, path)
	var newer *migrate.NewerError
	if !errors.As(err, &newer) || newer.Found != 999 {
		t.Fatalf("Open of a newer database: %v, want *migrate.NewerError with Found 999", err)
	}
	if !strings.Contains(err.Error(), "upgrade Sira") {
		t.Errorf("message %q does not say what to do", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused database file was changed")
	}
}
