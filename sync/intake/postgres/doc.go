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
package postgres
