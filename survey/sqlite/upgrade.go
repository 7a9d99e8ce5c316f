package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sira/survey"
	"sira/survey/vault"
)

// The upgrade of a database written in clear by an older Sira
// (survey/SECURITY.md, "Upgrade"): at the first sign-in, the database is
// copied (VACUUM INTO) to path+encryptingSuffix, every value is sealed in
// the copy, the copy is compacted, checked and fsynced; then, with the
// marker path+swapSuffix on disk, it is renamed over the original. Open
// finishes a swap whose marker it finds (finishSwap) and deletes a copy
// without one, so a kill at any moment leaves the old file whole or the
// new one whole.
const (
	encryptingSuffix = ".encrypting"
	swapSuffix       = ".swap"
)

// finishSwap completes or discards an upgrade interrupted by a crash.
func finishSwap(path string) error {
	tmp, marker := path+encryptingSuffix, path+swapSuffix
	_, err := os.Stat(marker)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No marker: a copy, if any, was never complete.
		for _, p := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("open database %s: remove unfinished encrypted copy: %w", path, err)
			}
		}
		return nil
	case err != nil:
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if _, err := os.Stat(tmp); err == nil {
		if err := swapIn(path); err != nil {
			return fmt.Errorf("open database %s: finish the encryption upgrade: %w", path, err)
		}
	}
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// swapIn renames the checked encrypted copy over the database. The old
// database was closed (its WAL checkpointed and removed) before the marker
// was written; a stale -shm is removed with it.
func swapIn(path string) error {
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(path+encryptingSuffix, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

func syncFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if data != nil {
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// upgradeIfNeeded encrypts the database if an older Sira left it in clear.
// k is the data key of id, who is signing in.
func (s *Store) upgradeIfNeeded(ctx context.Context, id string, k *vault.Key) error {
	if _, err := s.Setting(ctx, upgradeKey); errors.Is(err, survey.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	s.gate.Lock()
	defer s.gate.Unlock()
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", upgradeKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // done meanwhile
	}
	if err != nil {
		return fmt.Errorf("encrypt database %s: %w", s.path, err)
	}
	s.log.Info("encrypting database written in clear by an older Sira", "path", s.path)
	if err := s.encryptCopy(ctx, id, k); err != nil {
		os.Remove(s.path + encryptingSuffix)
		return fmt.Errorf("encrypt database %s: %w", s.path, err)
	}
	if err := s.swap(ctx); err != nil {
		return fmt.Errorf("encrypt database %s: %w", s.path, err)
	}
	s.log.Info("database encrypted", "path", s.path)
	return nil
}

// swap closes the database, swaps the encrypted copy in under the marker,
// and reopens it. The gate is held exclusively.
func (s *Store) swap(ctx context.Context) error {
	if err := s.db.Close(); err != nil {
		return err
	}
	reopen := func() error {
		db, err := sql.Open("sqlite", s.dsn)
		if err != nil {
			return err
		}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return err
		}
		s.db = db
		return nil
	}
	if inUse(s.path) {
		// Another connection (another process) holds the database open:
		// the last one to close removes the WAL and shared memory. Keep
		// the old file; the next sign-in tries again.
		os.Remove(s.path + encryptingSuffix)
		if err := reopen(); err != nil {
			return err
		}
		return errors.New("the database is open in another program; close it and sign in again")
	}
	marker := s.path + swapSuffix
	if err := syncFile(marker, []byte("sira: encrypted copy complete, swap in\n")); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	if err := swapIn(s.path); err != nil {
		return err
	}
	if err := os.Remove(marker); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	return reopen()
}

// inUse reports whether the database's WAL or shared memory outlived our
// closing it: another connection has it open.
func inUse(path string) bool {
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// encryptCopy writes the sealed copy of the database and checks it.
func (s *Store) encryptCopy(ctx context.Context, id string, k *vault.Key) error {
	tmp := s.path + encryptingSuffix
	for _, p := range []string{tmp, tmp + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	// No journal: a copy interrupted half-way is deleted, never used.
	db, err := sql.Open("sqlite", tmp+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=secure_delete(1)&_pragma=temp_store(2)&_pragma=foreign_keys(0)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := s.sealAll(ctx, db, id, k); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := checkSealed(ctx, db, id, k); err != nil {
		return fmt.Errorf("check the encrypted copy: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	return syncExisting(tmp)
}

// syncExisting fsyncs an existing file.
func syncExisting(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
