package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/sync/intake"
	"sira/sync/intake/sqlite"
	"sira/sync/intake/storetest"
)

// TestContract runs the behaviour every intake store must have against a
// real SQLite file.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) intake.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "intake.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// BenchmarkStoreIngest measures the SQLite store alone (no HTTP, no
// decoding): 4 clients, batches of 100; compare BenchmarkStoreIngestPostgres.
func BenchmarkStoreIngest(b *testing.B) {
	storetest.BenchIngest(b, 4, func(b *testing.B) intake.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "intake.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	})
}
