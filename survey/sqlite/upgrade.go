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
	if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() > 0 {
		// Another connection (another process?) holds the database open:
		// its WAL was not checkpointed. Keep the old file.
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

// sealAll seals every value of the copy, in one transaction.
func (s *Store) sealAll(ctx context.Context, db *sql.DB, signer string, k *vault.Key) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now().UnixNano()

	// The frozen-interview triggers would refuse sealing finalized answers.
	type trig struct{ name, sql string }
	var trigs []trig
	rows, err := tx.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'interviews'")
	if err != nil {
		return err
	}
	for rows.Next() {
		var t trig
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			rows.Close()
			return err
		}
		trigs = append(trigs, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, t := range trigs {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER "`+t.name+`"`); err != nil {
			return err
		}
	}

	// A sealer for each enumerator: the signer's key; an earlier account's
	// public half; a new key wrapped under a pre-upgrade PIN hash; or, for
	// an id without an account, a new key kept under the signer's.
	sealers := map[string]sealer{signer: {key: k}}
	legacy := map[string]string{}
	rows, err = tx.QueryContext(ctx, "SELECT id, pin_hash FROM enumerators WHERE pin_hash <> '' ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var e, h string
		if err := rows.Scan(&e, &h); err != nil {
			rows.Close()
			return err
		}
		if _, dup := legacy[norm(e)]; !dup {
			legacy[norm(e)] = h
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var ids []string
	rows, err = tx.QueryContext(ctx, "SELECT DISTINCT enumerator FROM interviews")
	if err != nil {
		return err
	}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, norm(e))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for e := range legacy {
		ids = append(ids, e)
	}
	for _, e := range ids {
		if _, ok := sealers[e]; ok {
			continue
		}
		var pub []byte
		err := tx.QueryRowContext(ctx, "SELECT public FROM keys WHERE enumerator = ?", e).Scan(&pub)
		if err == nil && len(pub) == vault.PublicSize {
			sealers[e] = sealer{pub: pub}
			continue
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		dk, err := vault.NewKey()
		if err != nil {
			return err
		}
		ek, err := vault.FromBytes(dk)
		if err != nil {
			return err
		}
		if h, ok := legacy[e]; ok {
			ph, err := parsePINHash(h)
			if err != nil {
				return fmt.Errorf("PIN hash of %s: %w", e, err)
			}
			if len(ph.key) != vault.KeySize || len(ph.salt) != 16 {
				return fmt.Errorf("PIN hash of %s: unexpected sizes", e)
			}
			w, err := vault.WrapDerived(dk, ph.key, ph.salt, ph.p, pinAD(e))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO keys (enumerator, legacy, public, updated) VALUES (?, ?, ?, ?)
				ON CONFLICT (enumerator) DO UPDATE SET legacy = excluded.legacy, public = excluded.public`, e, w, ek.Public(), now); err != nil {
				return err
			}
		} else {
			w, err := k.Seal(nil, dk, ownerAD(e))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO keys (enumerator, owner, owner_wrap, public, updated) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (enumerator) DO UPDATE SET owner = excluded.owner, owner_wrap = excluded.owner_wrap, public = excluded.public`,
				e, signer, w, ek.Public(), now); err != nil {
				return err
			}
		}
		clear(dk)
		sealers[e] = sealer{key: ek}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE enumerators SET pin_hash = ''"); err != nil {
		return err
	}

	// Interviews: answers and comments.
	type ivRow struct {
		id, enumerator, comment string
		data                    []byte
	}
	var ivs []ivRow
	rows, err = tx.QueryContext(ctx, "SELECT id, enumerator, comment, data FROM interviews")
	if err != nil {
		return err
	}
	for rows.Next() {
		var r ivRow
		if err := rows.Scan(&r.id, &r.enumerator, &r.comment, &r.data); err != nil {
			rows.Close()
			return err
		}
		ivs = append(ivs, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	owner := map[string]string{}
	for _, r := range ivs {
		owner[r.id] = norm(r.enumerator)
		if vault.IsSealed(r.data) {
			continue
		}
		sl := sealers[norm(r.enumerator)]
		data, err := sl.seal(nil, r.data, vault.AD(r.id, fieldAnswers))
		if err != nil {
			return err
		}
		comment, err := sealComment(sl, r.id, r.comment)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE interviews SET data = ?, comment = ? WHERE id = ?", data, comment, r.id); err != nil {
			return fmt.Errorf("interview %s: %w", r.id, err)
		}
	}

	// Paradata.
	type pRow struct {
		seq int64
		id  string
		ev  []byte
	}
	var ps []pRow
	rows, err = tx.QueryContext(ctx, "SELECT seq, interview_id, events FROM paradata")
	if err != nil {
		return err
	}
	for rows.Next() {
		var r pRow
		if err := rows.Scan(&r.seq, &r.id, &r.ev); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range ps {
		if vault.IsSealed(r.ev) {
			continue
		}
		b, err := sealers[owner[r.id]].seal(nil, r.ev, vault.AD(r.id, fieldParadata))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE paradata SET events = ? WHERE seq = ?", b, r.seq); err != nil {
			return err
		}
	}

	// Attachment contents, each under its content key, and that key under
	// each citing interview's data key.
	var shas []string
	rows, err = tx.QueryContext(ctx, "SELECT sha256 FROM blobs")
	if err != nil {
		return err
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return err
		}
		shas = append(shas, h)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, h := range shas {
		var data []byte
		if err := tx.QueryRowContext(ctx, "SELECT data FROM blobs WHERE sha256 = ?", h).Scan(&data); err != nil {
			return err
		}
		ck := vault.ContentKey(data)
		cks, err := vault.Symmetric(ck)
		if err != nil {
			return err
		}
		sealed, err := cks.Seal(nil, data, vault.AD("", fieldBlob, h))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE blobs SET data = ? WHERE sha256 = ?", sealed, h); err != nil {
			return err
		}
		type aRow struct{ id, field, name string }
		var as []aRow
		rows, err := tx.QueryContext(ctx, "SELECT interview_id, field, name FROM attachments WHERE sha256 = ?", h)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a aRow
			if err := rows.Scan(&a.id, &a.field, &a.name); err != nil {
				rows.Close()
				return err
			}
			as = append(as, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, a := range as {
			sk, err := sealers[owner[a.id]].seal(nil, ck, vault.AD(a.id, fieldAttachment, a.field, a.name, h))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE attachments SET key = ? WHERE interview_id = ? AND field = ? AND name = ?",
				sk, a.id, a.field, a.name); err != nil {
				return err
			}
		}
	}

	if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", upgradeKey); err != nil {
		return err
	}
	for _, t := range trigs {
		if _, err := tx.ExecContext(ctx, t.sql); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// checkSealed checks the encrypted copy: intact, every value sealed, the
// signer's interviews open.
func checkSealed(ctx context.Context, db *sql.DB, signer string, k *vault.Key) error {
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&ok); err != nil || ok != "ok" {
		return fmt.Errorf("integrity check: %q %v", ok, err)
	}
	var n int
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM interviews WHERE substr(data, 1, 1) NOT IN (x'01', x'02') OR (comment <> '' AND comment NOT LIKE 'sealed:%')) +
		(SELECT count(*) FROM paradata WHERE substr(events, 1, 1) NOT IN (x'01', x'02')) +
		(SELECT count(*) FROM blobs WHERE substr(data, 1, 1) <> x'01') +
		(SELECT count(*) FROM attachments WHERE key IS NULL) +
		(SELECT count(*) FROM enumerators WHERE pin_hash <> '') +
		(SELECT count(*) FROM settings WHERE key = 'vault.upgrade')`).Scan(&n)
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("%d values left in clear", n)
	}
	rows, err := db.QueryContext(ctx, "SELECT id, enumerator, data FROM interviews")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, e string
		var data []byte
		if err := rows.Scan(&id, &e, &data); err != nil {
			return err
		}
		if norm(e) != signer {
			continue
		}
		if _, err := k.Open(nil, data, vault.AD(id, fieldAnswers)); err != nil {
			return fmt.Errorf("interview %s: %w", id, err)
		}
	}
	return rows.Err()
}
