package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"sira/survey/sqlite"
)

// FuzzOpen feeds arbitrary file contents to Open: it must never panic, and
// a file it refuses must be left byte-for-byte as it was.
func FuzzOpen(f *testing.F) {
	valid := filepath.Join(f.TempDir(), "valid.db")
	s, err := sqlite.Open(context.Background(), valid, sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	s.Close()
	good, err := os.ReadFile(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{})
	f.Add([]byte("not a database"))
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(good)
	f.Add(append(bytes.Clone(good[:100]), make([]byte, 4000)...))
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "f.db")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err == nil {
			s.Close()
			return
		}
		after, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if !bytes.Equal(after, content) {
			t.Errorf("refused file changed (%v)", err)
		}
	})
}
