package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/intake/storetest"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// dsn returns the test database's DSN, or skips the test when PostgreSQL is
// unreachable (fails it when CI=true: CI must prove this backend).
func dsn(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("SIRA_TEST_POSTGRES")
	if d == "" {
		d = defaultDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at SIRA_TEST_POSTGRES (%s) is unreachable and CI=true: %v", redact(d), err)
		}
		tb.Skipf("PostgreSQL unreachable (%v): set SIRA_TEST_POSTGRES to a test database to run these tests", err)
	}
	return d
}

func redact(d string) string {
	if cfg, err := pgx.ParseConfig(d); err == nil {
		return cfg.Host + "/" + cfg.Database
	}
	return "an unparsable DSN"
}

// schema creates a fresh schema name for one test and drops the schema when
// the test ends, so parallel tests and reruns never meet.
func schema(tb testing.TB, d string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "sira_test_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, d)
		if err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// open opens a store in a fresh schema, closed and dropped at the end.
func open(tb testing.TB) *postgres.Store {
	tb.Helper()
	d := dsn(tb)
	sc := schema(tb, d)
	st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() }) // runs before the schema is dropped
	return st
}

// TestContract runs the behaviour every intake store must have against a
// real PostgreSQL.
func TestContract(t *testing.T) {
	dsn(t) // skip (or fail in CI) once, not in every subtest
	storetest.Run(t, func(t *testing.T) intake.Store { return open(t) })
}
