//go:build !unix && !windows

package sqlite

import "os"

// lockFile does nothing where the platform has no advisory lock.
func lockFile(*os.File) error { return nil }
