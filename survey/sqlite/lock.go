package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrInUse: another process holds the database open for collection
// (Options.Exclusive). The operating system releases the lock when that
// process ends, even killed, so a crash never locks the laptop out.
var ErrInUse = errors.New("database is open in another Sira collector")

// fileLock is an exclusive operating-system lock on a file beside the
// database: flock on Unix, LockFileEx on Windows.
type fileLock struct{ f *os.File }

// lockPath is the lock file of the database at path.
func lockPath(path string) string { return path + ".lock" }

// acquire takes the lock of the database at path without waiting. The file
// holds the owner's process id, for the message the next one shows.
func acquire(path string) (*fileLock, error) {
	lp := lockPath(path)
	f, err := os.OpenFile(lp, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrInUse) {
			owner := ""
			if b, rerr := os.ReadFile(lp); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
					owner = fmt.Sprintf(" (process %d)", pid)
				}
			}
			return nil, fmt.Errorf("%s: %w%s; close it first, or use another --db", path, ErrInUse, owner)
		}
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

// release drops the lock; closing the file is what releases it.
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
