package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"sira/office"
	"sira/office/sqlite"
)

// TestDashboardUpgrade: a file an older dashboard used (dash_* tables)
// opens with its users, scopes, targets, reviews and audit log in the
// office tables, once.
func TestDashboardUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "intake.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE dash_users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)`,
		`CREATE TABLE dash_assignments (user TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (user, kind, value))`,
		`CREATE TABLE dash_targets (kind TEXT NOT NULL, key TEXT NOT NULL, target INTEGER NOT NULL, PRIMARY KEY (kind, key))`,
		`CREATE TABLE dash_reviews (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, revision INTEGER NOT NULL, action TEXT NOT NULL, comment TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL)`,
		`CREATE TABLE dash_interviews (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, enumerator TEXT NOT NULL, review TEXT NOT NULL, received TEXT NOT NULL)`,
		`CREATE TABLE dash_audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')`,
		`INSERT INTO dash_users VALUES ('awa', 'supervisor', '$argon2id$h', '2026-11-01T10:00:00Z', 0)`,
		`INSERT INTO dash_assignments VALUES ('awa', 'post', 'gogui')`,
		`INSERT INTO dash_targets VALUES ('post', 'gogui', 120)`,
		`INSERT INTO dash_interviews VALUES ('iv1', 1, 'e1', 'rejected', '2026-11-02T10:00:00.000Z'), ('iv2', 1, 'e1', 'approved', '2026-11-02T10:00:00.000Z'), ('iv3', 2, 'e2', 'pending', '2026-11-02T10:00:00.000Z')`,
		`INSERT INTO dash_reviews (id, revision, action, comment, by, at) VALUES ('iv1', 1, 'reject', 'age?', 'awa', '2026-11-03T10:00:00.5Z')`,
		`INSERT INTO dash_audit (at, user, action, target) VALUES ('2026-11-03T10:00:00.5Z', 'awa', 'reject', 'iv1')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	for range 2 { // the second open copies nothing again
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.User(ctx, "awa")
		if err != nil || u.Role != office.RoleSupervisor || len(u.Posts) != 1 || u.Posts[0] != "gogui" || u.Created.IsZero() {
			t.Errorf("user = %+v, %v", u, err)
		}
		if ts, _ := st.Targets(ctx); len(ts) != 1 || ts[0] != (office.Target{Scope: "post", Key: "gogui", Period: "month", N: 120}) {
			t.Errorf("targets = %+v", ts)
		}
		for id, want := range map[string]office.State{"iv1": office.Rejected, "iv2": office.Approved, "iv3": office.ToCheck} {
			r, err := st.Review(ctx, id)
			if err != nil || r.State != want {
				t.Errorf("review %s = %+v, %v; want %s", id, r, err, want)
			}
		}
		// An old rejection went through the intake's own queue: it counts as delivered.
		if _, err := st.Approve(ctx, office.Decision{ID: "iv1", Revision: 1, By: "x"}); err == nil {
			t.Errorf("an imported rejection was withdrawn")
		}
		if h, _ := st.History(ctx, "iv1"); len(h) != 1 || h[0].Comment != "age?" || h[0].At.IsZero() {
			t.Errorf("history = %+v", h)
		}
		if a, _ := st.AuditLog(ctx, "", 0, 10); len(a) != 1 || a[0].At.IsZero() {
			t.Errorf("audit = %+v", a)
		}
		st.Close()
	}
}
