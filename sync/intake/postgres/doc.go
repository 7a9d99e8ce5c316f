// Package postgres is the intake server's Store on PostgreSQL (pgx/v5,
// pgxpool): the tables of the SQLite backend in PostgreSQL types, embedded
// versioned migrations, one transaction per batch.
//
// Several intake processes may share one database. A batch locks the ids it
// carries (transaction-scoped advisory locks, taken in a fixed order) before
// it reads what is held for them, so concurrent batches with overlapping ids
// decide each id one after the other: a retry is a Duplicate, never stored
// twice, and at most one submission of an id is current (a unique index
// holds that too).
//
// `sira intake serve --db postgres://user@host/db?search_path=sira` (and the
// other intake commands) use this backend for a --db that starts with
// postgres:// or postgresql://; the schema named by search_path must exist
// (CREATE SCHEMA sira), or leave search_path out to use public. The web
// dashboard stays on SQLite.
package postgres
