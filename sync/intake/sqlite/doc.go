// Package sqlite is the intake server's Store on an embedded SQLite
// database (modernc.org/sqlite, WAL, synchronous=FULL): forms, device
// tokens, submissions with their history and conflicts, attachments,
// rejections and counters. Writes are serialised in the process (one
// transaction per batch), reads run concurrently.
package sqlite
