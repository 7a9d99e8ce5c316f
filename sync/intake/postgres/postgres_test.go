package postgres_test

import (
	"context"
	"testing"

	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/intake/storetest"
)

// open opens a store in a fresh schema, closed and dropped at the end.
func open(tb testing.TB) *postgres.Store {
	tb.Helper()
	d := testenv.PostgresDSN(tb)
	sc := testenv.PostgresSchema(tb, d, "sira_test_")
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
	testenv.PostgresDSN(t) // skip (or fail in CI) once, not in every subtest
	storetest.Run(t, func(t *testing.T) intake.Store { return open(t) })
}
