package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"sira/office"
	"sira/office/sqlite"
	"sira/office/storetest"
)

func open(t *testing.T) (office.Store, func() office.Store) {
	path := filepath.Join(t.TempDir(), "intake.db")
	another := func() office.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return another(), another
}

// TestContract runs the office contract on SQLite files.
func TestContract(t *testing.T) { storetest.Run(t, open) }
