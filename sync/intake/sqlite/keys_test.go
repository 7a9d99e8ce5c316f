package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/sync/intake"
	"sira/sync/intake/sqlite"
	"sira/sync/intake/storetest"
)

// TestOfficeKeyProcessesTogether: four stores on one intake file (as four
// processes would open it) asking for the office key at once create
// exactly one.
func TestOfficeKeyProcessesTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "intake.db")
	first, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	stores := []intake.Store{first}
	for range 3 {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	storetest.ConcurrentFirstKey(t, stores)
}
