package intake_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/wire"
)

// fillDisk makes every connection of db see a full disk: SQLite refuses
// to grow the file past its current page count (SQLITE_FULL, "database
// or disk is full"), as on a disk with no room left.
func fillDisk(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	var conns []*sql.Conn
	for range 8 { // the store's pool size: every connection gets the limit
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		var pages int
		if err := c.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestDiskFull: a batch arriving when the disk is full is answered 507
// insufficient_storage with a message for the laptop, not 500, and
// nothing is acknowledged.
func TestDiskFull(t *testing.T) {
	e := newEnv(t, intake.Config{})
	fillDisk(t, e.store.DB())
	frame := e.frame(e.interviews(200, 41))
	rs, status, err := intaketest.PostFrame(http.DefaultClient, e.http.URL, e.token, e.codec, frame)
	if status != http.StatusInsufficientStorage || err == nil || !strings.Contains(err.Error(), string(wire.CodeInsufficientStorage)) ||
		!strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("batch on a full disk: %d %v %v", status, rs, err)
	}
}
