package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/survey/sqlite"
)

// TestExclusiveLock opens one database for collection twice: the second is
// refused with ErrInUse and the first owner's process id; a plain open
// (sira sync, sira status) still works; after Close the lock is free.
func TestExclusiveLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(lockDir(t), "sira.db")
	a, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	if !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("second exclusive open: %v, want ErrInUse", err)
	}
	if want := fmt.Sprintf("process %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not name the owner (%s)", err, want)
	}
	plain, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("plain open beside the collector: %v", err)
	}
	plain.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatalf("exclusive open after Close: %v", err)
	}
	b.Close()
}

// TestLockHolder is the child of TestExclusiveLockKilled: it holds the lock
// until killed.
func TestLockHolder(t *testing.T) {
	path := os.Getenv("SIRA_LOCK_HOLDER")
	if path == "" {
		t.Skip("run by TestExclusiveLockKilled")
	}
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Exclusive: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	defer st.Close()
	fmt.Println("locked")
	time.Sleep(time.Minute)
}

// TestExclusiveLockKilled kills a process holding the lock, as a power
// button or a crash would end it: the lock goes with the process.
func TestExclusiveLockKilled(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(lockDir(t), "sira.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolder$", "-test.v")
	cmd.Env = append(os.Environ(), "SIRA_LOCK_HOLDER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	locked := false
	for sc.Scan() {
		if line := sc.Text(); line == "locked" {
			locked = true
			break
		} else if strings.HasPrefix(line, "error:") {
			t.Fatalf("child: %s", line)
		}
	}
	if !locked {
		t.Fatalf("child never took the lock")
	}
	if _, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true}); !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("open while the child holds the lock: %v, want ErrInUse", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	st, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatalf("open after the holder was killed: %v", err)
	}
	st.Close()
}

// lockDir is a temporary directory removed at the end as far as the system
// allows: these tests also run under Wine (.ci/wine), whose file deletion
// fails on a closed SQLite file where Windows' does not.
func lockDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sira-lock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
