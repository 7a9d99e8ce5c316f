package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the intake database at path (intake,
// office and dashboard tables alike) to out while servers keep using it:
// SQLite's VACUUM INTO reads one snapshot of the WAL database, into a
// temporary file beside out that is fsynced and renamed, so out is either
// the previous file or a whole copy. The copy is checked (integrity_check)
// before the rename. out must not be path.
func Backup(ctx context.Context, path, out string) error {
	if path == "" || out == "" || strings.ContainsAny(path, "?#") {
		return errors.New("intake backup: --db and --out are required")
	}
	if abs1, _ := filepath.Abs(path); abs1 != "" {
		if abs2, _ := filepath.Abs(out); abs1 == abs2 {
			return fmt.Errorf("intake backup: %s is the database itself", out)
		}
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("intake backup: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("intake backup: open %s: %w", path, err)
	}
	defer db.Close()
	var app int
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("intake backup: read %s: %w", path, err)
	}
	if app != applicationID {
		return fmt.Errorf("intake backup: %s is not a Sira intake database", path)
	}
	tmp := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".tmp")
	os.Remove(tmp)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("intake backup: copy %s: %w", path, err)
	}
	if err := check(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("intake backup: the copy is damaged: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("intake backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(out)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func check(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New(res)
	}
	return nil
}
