// Package testenv locates material that tests share with other projects of
// this workplace: the XLSForm corpus and expression cases in ../shared.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// XLSFormDir returns the path of shared/xlsform, found beside the repository
// (or any ancestor of the working directory). A test that needs it fails,
// rather than skips, when it is missing: CI always lays shared/ beside the clone.
func XLSFormDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		cand := filepath.Join(dir, "shared", "xlsform")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("shared/xlsform not found beside the repository or any parent of the working directory")
		}
		dir = parent
	}
}
