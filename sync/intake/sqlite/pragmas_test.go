package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"sira/sync/intake/sqlite"
)

// TestOpenPragmas pins the durability settings Open promises on every
// connection of the pool, not only the first: a WAL with synchronous=FULL,
// and savepoint journals in memory.
func TestOpenPragmas(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "intake.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		if conns[i], err = st.DB().Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	for i, c := range conns {
		var sync, temp int
		var mode string
		for q, dst := range map[string]any{"journal_mode": &mode, "synchronous": &sync, "temp_store": &temp} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+q).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		if mode != "wal" || sync != 2 || temp != 2 {
			t.Errorf("conn %d: journal_mode %s synchronous %d temp_store %d; want wal, 2 (FULL), 2 (MEMORY)", i, mode, sync, temp)
		}
	}
}
