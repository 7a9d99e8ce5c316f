package main

import (
	"context"

	"sira/sync/intake"
	"sira/sync/intake/postgres"
	"sira/sync/intake/sqlite"
)

// openIntakeStore opens the intake store that db names: a PostgreSQL
// database for a postgres:// or postgresql:// URL (its search_path parameter
// picks the schema), else the SQLite file at that path.
func openIntakeStore(ctx context.Context, db string) (intake.Store, error) {
	if postgres.IsDSN(db) {
		st, err := postgres.Open(ctx, db, postgres.Options{})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// intakeIsFile reports whether db names an SQLite file (which commands that
// must not create one check for) rather than a PostgreSQL database.
func intakeIsFile(db string) bool { return !postgres.IsDSN(db) }
