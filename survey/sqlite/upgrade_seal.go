package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sira/survey/vault"
)

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

	// Interviews (answers and comments), then paradata, a page at a time
	// so that a large database is not held in memory.
	owner := map[string]string{}
	const page = 500
	for after := int64(-1); ; {
		type ivRow struct {
			rowid                   int64
			id, enumerator, comment string
			data                    []byte
		}
		var ivs []ivRow
		rows, err := tx.QueryContext(ctx, "SELECT rowid, id, enumerator, comment, data FROM interviews WHERE rowid > ? ORDER BY rowid LIMIT ?", after, page)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r ivRow
			if err := rows.Scan(&r.rowid, &r.id, &r.enumerator, &r.comment, &r.data); err != nil {
				rows.Close()
				return err
			}
			ivs = append(ivs, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(ivs) == 0 {
			break
		}
		after = ivs[len(ivs)-1].rowid
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
	}
	for after := int64(-1); ; {
		type pRow struct {
			seq int64
			id  string
			ev  []byte
		}
		var ps []pRow
		rows, err := tx.QueryContext(ctx, "SELECT seq, interview_id, events FROM paradata WHERE seq > ? ORDER BY seq LIMIT ?", after, page)
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
		if len(ps) == 0 {
			break
		}
		after = ps[len(ps)-1].seq
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
