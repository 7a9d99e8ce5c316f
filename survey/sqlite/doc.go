// Package sqlite is the laptop's store: survey.Store on an SQLite file
// (modernc.org/sqlite, no cgo) in WAL mode with synchronous=FULL, so every
// autosave is on disk when SaveAnswer returns.
//
// The schema is a list of embedded migrations (migrations/*.sql), each
// applied in its own transaction and recorded in schema_version. Open never
// writes to a file it refuses: one that is not SQLite, is corrupt, belongs to
// another program (ErrNotDatabase), or was written by a newer Sira
// (ErrNewerSchema).
//
// Answers are kept as one JSON document per interview (the survey.Record
// tree); paradata as appended JSON batches; attachment contents once per
// SHA-256. All of them are sealed (survey/vault) under the data key of the
// interview's enumerator, which Unlock opens with their PIN (keys.go); a
// database an older Sira wrote in clear is encrypted at the first sign-in
// (upgrade.go). The connection runs with secure_delete on and temporary
// storage in memory. survey/SECURITY.md has the design and its limits.
package sqlite
