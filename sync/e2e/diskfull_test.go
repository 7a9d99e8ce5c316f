package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiskFullShownToLaptop: a central server whose disk is full answers
// 507 insufficient_storage; the laptop's session stops at once (no
// retries: the office must act) with the server's message, and nothing is
// acknowledged. Once there is room, the next session sends everything.
func TestDiskFullShownToLaptop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	l := newLaptop(t, dir, "awa", simulated(t, 30, 31, "awa"))
	cl := newClient(t, "http://"+c.addr(), c.token(t, "awa"), true)
	db := c.store.DB()
	limitPages(t, db, false)
	_, err := cl.Sync(ctx, l.store)
	if err == nil || !strings.Contains(err.Error(), "insufficient_storage") || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("sync to a full disk: %v", err)
	}
	if strings.Contains(err.Error(), "gave up after retries") {
		t.Errorf("a full disk was retried: %v", err)
	}
	if got := l.pending(t); got != 30 {
		t.Errorf("%d pending after a full disk, want 30", got)
	}
	limitPages(t, db, true)
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatalf("sync once there is room: %v", err)
	}
	if got := l.pending(t); got != 0 {
		t.Errorf("%d pending once there is room", got)
	}
}

// limitPages makes every pooled connection of db refuse to grow the file
// (SQLITE_FULL, as on a full disk), or with lift lets it grow again.
func limitPages(t *testing.T, db *sql.DB, lift bool) {
	t.Helper()
	ctx := context.Background()
	var conns []*sql.Conn
	for range 8 { // the store's pool: every connection gets the limit
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		pages := 1 << 30
		if !lift {
			if err := c.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
