package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"sira/sync/intake/sqlite"
)

// TestOpenPragmas pins the durability and layout settings Open promises: a
// WAL with synchronous=FULL on every connection, 16 KiB pages for a new
// file, and a file made with another page size (an older Sira's) keeping it.
func TestOpenPragmas(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	check := func(path string, wantPage int) {
		t.Helper()
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		// Several connections at once: the pool's every connection
		// must carry the settings, not only the first.
		conns := make([]*sql.Conn, 3)
		for i := range conns {
			if conns[i], err = st.DB().Conn(ctx); err != nil {
				t.Fatal(err)
			}
			defer conns[i].Close()
		}
		for i, c := range conns {
			var page, sync int
			var mode string
			if err := c.QueryRowContext(ctx, "PRAGMA page_size").Scan(&page); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if page != wantPage || mode != "wal" || sync != 2 {
				t.Errorf("%s conn %d: page_size %d journal_mode %s synchronous %d; want %d wal 2 (FULL)",
					filepath.Base(path), i, page, mode, sync, wantPage)
			}
		}
	}
	check(filepath.Join(dir, "new.db"), 16384)

	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(old)+"?_pragma=page_size(4096)")
	if err != nil {
		t.Fatal(err)
	}
	// VACUUM writes the header of an empty file: it has its page size and
	// no tables, so Open takes it as a fresh intake database.
	if _, err := db.Exec("VACUUM"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	check(old, 4096)
}
