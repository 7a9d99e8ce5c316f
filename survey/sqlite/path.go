package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the laptop's database lives when no --db is given:
// %LOCALAPPDATA%\sira\sira.db on Windows (local, not roaming: a database must
// not follow a profile between machines), $XDG_DATA_HOME/sira/sira.db or
// ~/.local/share/sira/sira.db elsewhere, falling back to os.UserConfigDir.
func DefaultPath(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var base string
	switch {
	case runtime.GOOS == "windows" && getenv("LOCALAPPDATA") != "":
		base = getenv("LOCALAPPDATA")
	case getenv("XDG_DATA_HOME") != "":
		base = getenv("XDG_DATA_HOME")
	case runtime.GOOS != "windows" && runtime.GOOS != "darwin" && getenv("HOME") != "":
		base = filepath.Join(getenv("HOME"), ".local", "share")
	default:
		d, err := os.UserConfigDir()
		if err != nil {
			return "", errors.New("no data directory: set XDG_DATA_HOME or pass --db")
		}
		base = d
	}
	return filepath.Join(base, "sira", "sira.db"), nil
}
