package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"sira/sync/intake/sqlite"
)

// TestOpenPragmas pins the settings Open promises on every connection of
// the pool, not only the first: a WAL with synchronous=FULL, savepoint
// journals in memory, 8 KiB pages in a new file; and a file made with
// another page size (an older Sira's) keeps it.
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
		conns := make([]*sql.Conn, 3)
		for i := range conns {
			if conns[i], err = st.DB().Conn(ctx); err != nil {
				t.Fatal(err)
			}
			defer conns[i].Close()
		}
		for i, c := range conns {
			var page, sync, temp int
			var mode string
			for q, dst := range map[string]any{"page_size": &page, "journal_mode": &mode, "synchronous": &sync, "temp_store": &temp} {
				if err := c.QueryRowContext(ctx, "PRAGMA "+q).Scan(dst); err != nil {
					t.Fatal(err)
				}
			}
			if page != wantPage || mode != "wal" || sync != 2 || temp != 2 {
				t.Errorf("%s conn %d: page_size %d journal_mode %s synchronous %d temp_store %d; want %d, wal, 2 (FULL), 2 (MEMORY)",
					filepath.Base(path), i, page, mode, sync, temp, wantPage)
			}
		}
	}
	check(filepath.Join(dir, "new.db"), 8192)

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
