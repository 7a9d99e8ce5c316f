package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"sira/internal/migrate"
)

func files(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys["m/"+n] = &fstest.MapFile{Data: []byte("-- " + n)}
	}
	return fsys
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []string // names in the order returned
		wantErr string   // substring; "" for success
	}{
		{"OK", files("0001_init.sql"), []string{"0001_init.sql"}, ""},
		{"Ordered", files("0003_c.sql", "0001_a.sql", "0002_b.sql"), []string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, ""},
		{"NumericNotLexical", files("10_j.sql", "9_i.sql", "8_h.sql", "7_g.sql", "6_f.sql", "5_e.sql", "4_d.sql", "3_c.sql", "2_b.sql", "1_a.sql"),
			[]string{"1_a.sql", "2_b.sql", "3_c.sql", "4_d.sql", "5_e.sql", "6_f.sql", "7_g.sql", "8_h.sql", "9_i.sql", "10_j.sql"}, ""},
		{"Empty", fstest.MapFS{"m": &fstest.MapFile{Mode: 0o755 | 1<<31}}, []string{}, ""},
		{"MissingDir", files(), nil, "read migrations"},
		{"NoNumber", files("init.sql"), nil, "migration init.sql: name must start with a version number"},
		{"NoUnderscore", files("0001.sql"), nil, "migration 0001.sql: name must start"},
		{"NoName", files("0001_.sql"), nil, "migration 0001_.sql: name must start"},
		{"NotSQL", files("0001_init.txt"), nil, "migration 0001_init.txt: name must start"},
		{"Zero", files("0000_init.sql"), nil, "migration 0000_init.sql: name must start"},
		{"Signed", files("+001_init.sql"), nil, "migration +001_init.sql: name must start"},
		{"Negative", files("-1_init.sql"), nil, "migration -1_init.sql: name must start"},
		{"Gap", files("0001_a.sql", "0003_c.sql"), nil, "migration 0003_c.sql: expected version 2"},
		{"NotFromOne", files("0002_b.sql"), nil, "migration 0002_b.sql: expected version 1"},
		{"Duplicate", files("0001_a.sql", "0002_b.sql", "0002_c.sql"), nil, "migration 0002_c.sql: version 2 is also 0002_b.sql"},
		{"DuplicateSpelling", files("1_a.sql", "0001_a.sql"), nil, "migration 1_a.sql: version 1 is also 0001_a.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := migrate.Load(tt.fsys, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, %v; want error containing %q", ms, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := []string{}
			for i, m := range ms {
				got = append(got, m.Name)
				if m.Version != i+1 {
					t.Errorf("%s: version %d, want %d", m.Name, m.Version, i+1)
				}
				if want := "-- " + m.Name; m.SQL != want {
					t.Errorf("%s: SQL %q, want %q", m.Name, m.SQL, want)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPending(t *testing.T) {
	ms, err := migrate.Load(files("0001_a.sql", "0002_b.sql", "0003_c.sql"), "m")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		have      int
		wantFirst int // version of the first pending; 0 for none
		wantN     int
		newer     bool
	}{
		{-1, 1, 3, false},
		{0, 1, 3, false},
		{2, 3, 1, false},
		{3, 0, 0, false},
		{4, 0, 0, true},
	}
	for _, tt := range tests {
		p, err := migrate.Pending(ms, tt.have)
		var ne *migrate.NewerError
		if tt.newer {
			if !errors.As(err, &ne) || ne.Found != tt.have || ne.Known != 3 {
				t.Errorf("Pending(have %d) = %v, %v; want *NewerError{%d, 3}", tt.have, p, err, tt.have)
			}
			if got, want := err.Error(), "schema version 4 is newer than this Sira knows (3): upgrade Sira"; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
			continue
		}
		if err != nil || len(p) != tt.wantN || (tt.wantN > 0 && p[0].Version != tt.wantFirst) {
			t.Errorf("Pending(have %d) = %v, %v; want %d from version %d", tt.have, p, err, tt.wantN, tt.wantFirst)
		}
	}
}

// open returns a database configured as the stores open theirs.
func open(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sqlFS(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for n, s := range m {
		fsys["m/"+n] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

func book(applied *int) migrate.Book {
	return migrate.Book{
		Table:   "versions",
		Applied: func() any { *applied++; return *applied },
		Init: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "CREATE TABLE versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)")
			return err
		},
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	v1 := sqlFS(map[string]string{"0001_init.sql": "CREATE TABLE a (x INTEGER);"})
	v2 := sqlFS(map[string]string{"0001_init.sql": "CREATE TABLE a (x INTEGER);", "0002_b.sql": "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (7);"})
	ms1, err := migrate.Load(v1, "m")
	if err != nil {
		t.Fatal(err)
	}
	ms2, err := migrate.Load(v2, "m")
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, filepath.Join(t.TempDir(), "a.db"))
	var n int
	b := book(&n)
	var froms []int
	b.Before = func(_ context.Context, from int, m migrate.Migration) { froms = append(froms, from*10+m.Version) }

	if v, err := migrate.Version(ctx, db, "versions"); err != nil || v != 0 {
		t.Fatalf("Version of a new database = %d, %v; want 0", v, err)
	}
	if err := migrate.Apply(ctx, db, ms1, b); err != nil {
		t.Fatalf("Apply v1: %v", err)
	}
	if err := migrate.Apply(ctx, db, ms2, b); err != nil {
		t.Fatalf("Apply v2: %v", err)
	}
	if err := migrate.Apply(ctx, db, ms2, b); err != nil {
		t.Fatalf("Apply v2 again: %v", err)
	}
	if got, want := froms, []int{1, 12}; !reflect.DeepEqual(got, want) {
		t.Errorf("Before calls (from*10+to) = %v, want %v", got, want)
	}
	if v, err := migrate.Version(ctx, db, "versions"); err != nil || v != 2 {
		t.Errorf("Version = %d, %v; want 2", v, err)
	}
	var rows, x int
	if err := db.QueryRow("SELECT count(*), (SELECT x FROM a) FROM versions").Scan(&rows, &x); err != nil || rows != 2 || x != 7 || n != 2 {
		t.Errorf("after Apply: %d version rows, a.x = %d, %d applied stamps, %v; want 2, 7, 2", rows, x, n, err)
	}

	// A binary that knows only version 1 refuses, writing nothing.
	err = migrate.Apply(ctx, db, ms1, b)
	var ne *migrate.NewerError
	if !errors.As(err, &ne) || ne.Found != 2 || ne.Known != 1 {
		t.Errorf("Apply of an older binary: %v; want *NewerError{2, 1}", err)
	}
	if n != 2 {
		t.Errorf("Applied called %d times, want 2: a refused database was written", n)
	}
}

// A failing migration rolls back whole: neither its SQL nor its version row
// stays, and the error names it.
func TestApplyFailure(t *testing.T) {
	ctx := context.Background()
	ms, err := migrate.Load(sqlFS(map[string]string{
		"0001_init.sql": "CREATE TABLE a (x INTEGER);",
		"0002_bad.sql":  "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);",
	}), "m")
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, filepath.Join(t.TempDir(), "a.db"))
	var n int
	err = migrate.Apply(ctx, db, ms, book(&n))
	if err == nil || !strings.Contains(err.Error(), "migration 0002_bad.sql: ") {
		t.Fatalf("Apply: %v; want an error naming 0002_bad.sql", err)
	}
	if v, err := migrate.Version(ctx, db, "versions"); err != nil || v != 1 {
		t.Errorf("Version after failure = %d, %v; want 1", v, err)
	}
	var tables int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'b'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("table b: %d, %v; want rolled back", tables, err)
	}
}

func TestOwner(t *testing.T) {
	const id = 0x53495241
	tests := []struct {
		name        string
		setup       string
		ours, fresh bool
	}{
		{"Fresh", "", false, true},
		{"Ours", "PRAGMA application_id = 1397314113; CREATE TABLE t (x INTEGER);", true, false},
		{"OursEmpty", "PRAGMA application_id = 1397314113;", true, false},
		{"OtherProgram", "CREATE TABLE t (x INTEGER);", false, false},
		{"OtherStore", "PRAGMA application_id = 1397314121;", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, filepath.Join(t.TempDir(), "a.db"))
			if tt.setup != "" {
				if _, err := db.Exec(tt.setup); err != nil {
					t.Fatal(err)
				}
			}
			ours, fresh, err := migrate.Owner(context.Background(), db, id)
			if err != nil || ours != tt.ours || fresh != tt.fresh {
				t.Errorf("Owner = ours %v, fresh %v, %v; want %v, %v", ours, fresh, err, tt.ours, tt.fresh)
			}
		})
	}
}
