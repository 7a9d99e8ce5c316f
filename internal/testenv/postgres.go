package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultPostgres is the machine's test database (trust authentication).
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns the test database's DSN ($SIRA_TEST_POSTGRES, else the
// local one). When PostgreSQL is unreachable the test is skipped, or failed
// under CI=true: CI must prove the PostgreSQL backends.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("SIRA_TEST_POSTGRES")
	if d == "" {
		d = defaultPostgres
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

// PostgresSchema names a fresh schema (prefix + random) for one test and
// drops it, with everything in it, when the test ends, so parallel tests
// and reruns never meet.
func PostgresSchema(tb testing.TB, dsn, prefix string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
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

// redact names a DSN's host and database, never its password.
func redact(d string) string {
	if cfg, err := pgx.ParseConfig(d); err == nil {
		return cfg.Host + "/" + cfg.Database
	}
	return "an unparsable DSN"
}
