package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"sira/internal/testenv"
	"sira/office"
	"sira/office/postgres"
	"sira/office/storetest"
)

func open(t *testing.T) (office.Store, func() office.Store) {
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_office_")
	another := func() office.Store {
		st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() }) // before the schema is dropped
		return st
	}
	return another(), another
}

// TestContract runs the office contract on a real PostgreSQL, a fresh
// schema per subtest.
func TestContract(t *testing.T) {
	testenv.PostgresDSN(t)
	storetest.Run(t, open)
}

// TestOpenRedacts: a bad DSN's error never shows the password.
func TestOpenRedacts(t *testing.T) {
	for _, d := range []string{"postgres://sira:s3cret@[::1/test", "postgres://sira:s3cret@127.0.0.1:1/test?connect_timeout=1"} {
		_, err := postgres.Open(context.Background(), d, postgres.Options{})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", d)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestConcurrentOpen: servers starting together migrate once.
func TestConcurrentOpen(t *testing.T) {
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_office_")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
			if err == nil {
				st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestIntakeRejectionsCarried: rejections an intake queued in the schema
// before the office existed become its first notices, under their Seq.
func TestIntakeRejectionsCarried(t *testing.T) {
	ctx := context.Background()
	d := testenv.PostgresDSN(t)
	sc := testenv.PostgresSchema(t, d, "sira_office_")
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	q := pgx.Identifier{sc}.Sanitize()
	_, err = conn.Exec(ctx, `CREATE SCHEMA `+q+`; CREATE TABLE `+q+`.rejections (seq bigint PRIMARY KEY, id text, revision integer, hash text,
		enumerator text, comment text, by_user text, at timestamptz);
		INSERT INTO `+q+`.rejections VALUES (4, 'iv1', 1, 'sha256:a', 'awa', 'c1', 'sup', now()), (7, 'iv2', 1, 'sha256:b', 'awa', 'c2', 'sup', now())`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second open carries nothing again
		st, err := postgres.Open(ctx, d, postgres.Options{Schema: sc})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := st.Notices(ctx, "awa", 0, 10)
		if err != nil || len(ns) != 2 || ns[0].Seq != 4 || ns[1].Seq != 7 || ns[1].Comment != "c2" || ns[0].At.IsZero() {
			t.Fatalf("notices = %+v, %v", ns, err)
		}
		st.Close()
	}
	st, err := postgres.Open(ctx, d, postgres.Options{Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Arrived(ctx, office.Arrival{ID: "iv3", Revision: 1, Hash: "h", Enumerator: "awa"}); err != nil {
		t.Fatal(err)
	}
	r, err := st.Reject(ctx, office.Decision{ID: "iv3", Revision: 1, By: "sup", Comment: "new"})
	if err != nil || r.Notice != 8 {
		t.Errorf("the next notice: %+v, %v; want seq 8", r, err)
	}
}
