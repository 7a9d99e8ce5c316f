// Package e2e holds the end-to-end proofs of the sync protocol: real
// laptops (survey/sqlite files) syncing with the real client through a
// fault-injecting proxy to real intake servers (sync/intake on SQLite), the
// USB path, the relay, and an intake server killed with SIGKILL mid-sync.
// The package itself has no code; its helpers are in the _test files and in
// netproxy.
package e2e
