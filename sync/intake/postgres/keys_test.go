package postgres_test

import (
	"context"
	"sync"
	"testing"

	"sira/internal/testenv"
	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/intake/storetest"
)

// TestOfficeKeyServersStartingTogether: eight intake servers (each its own
// connection pool, as separate processes would have) opening one new
// schema at once and asking for the office key create exactly one.
func TestOfficeKeyServersStartingTogether(t *testing.T) {
	d := testenv.PostgresDSN(t)
	for round := range 3 {
		sc := testenv.PostgresSchema(t, d, "sira_test_")
		stores := make([]intake.Store, 8)
		var wg sync.WaitGroup
		errs := make([]error, len(stores))
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := postgres.Open(context.Background(), d, postgres.Options{Schema: sc, MaxConns: 2})
				if err == nil {
					stores[i] = st
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: open %d: %v", round, i, err)
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		storetest.ConcurrentFirstKey(t, stores)
	}
}
