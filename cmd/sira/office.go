package main

import (
	"context"

	"sira/office"
	opostgres "sira/office/postgres"
	osqlite "sira/office/sqlite"
	"sira/sync/intake/postgres"
)

// openOffice opens the office domain on the intake database db: its
// tables in the same SQLite file, or beside the intake's in the PostgreSQL
// database (errors never show the connection string).
func openOffice(ctx context.Context, db string) (office.Store, error) {
	if postgres.IsDSN(db) {
		st, err := opostgres.Open(ctx, db, opostgres.Options{})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := osqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// officeDB is the default of --db for the office's commands: $SIRA_DB (a
// postgres:// URL keeps its password out of the process list), else "".
func officeDB(env *Env) string {
	if env == nil || env.Getenv == nil {
		return ""
	}
	return env.Getenv("SIRA_DB")
}
