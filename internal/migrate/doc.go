// Package migrate loads the embedded, versioned SQL migrations of Sira's
// stores and applies them to SQLite databases.
//
// A store embeds its schema as files named NNNN_name.sql (0001_init.sql,
// 0002_frozen.sql, …) whose versions run 1..n without a gap: Load reads and
// checks them, so a misnumbered file fails every test of the store rather
// than a laptop in the field. Apply runs each migration a SQLite database
// lacks in its own transaction together with its row in the store's version
// table, so a crash leaves a whole version; a database whose recorded
// version is newer than the binary's migrations is refused with a
// *NewerError, and Apply writes nothing to it. Owner reads the application
// id that tells a store's SQLite file from another program's.
//
// What differs between stores stays with them: the version table's name and
// columns, application ids, locks (the PostgreSQL intake takes an advisory
// lock and runs its own loop over Pending), and the errors they show users.
package migrate
