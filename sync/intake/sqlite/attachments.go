package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"sira/sync/intake"
	"sira/sync/wire"
)

// AttachmentState implements intake.AttachmentStore.
func (s *Store) AttachmentState(ctx context.Context, sha string) (int64, bool, error) {
	var held int64
	var complete bool
	err := s.db.QueryRowContext(ctx, `SELECT held, complete FROM attachments WHERE sha256 = ?`, sha).Scan(&held, &complete)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return held, complete, nil
}

// AppendAttachment implements intake.AttachmentStore.
func (s *Store) AppendAttachment(ctx context.Context, sha string, size, offset int64, data []byte) (int64, bool, error) {
	var held int64
	var complete bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var have int64
		err := tx.QueryRowContext(ctx, `SELECT size, held, complete FROM attachments WHERE sha256 = ?`, sha).Scan(&have, &held, &complete)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (sha256, size, held) VALUES (?, ?, 0)`, sha, size); err != nil {
				return err
			}
			have = size
		case err != nil:
			return err
		}
		if complete {
			return nil // already whole: nothing to append, the client can stop
		}
		if have != size {
			return wire.Errorf(wire.CodeBadRequest, "attachment %s: size %d, an upload of size %d is in progress", sha, size, have)
		}
		if offset != held {
			e := wire.Errorf(wire.CodeOffsetMismatch, "attachment %s: chunk at %d, the server holds %d bytes", sha, offset, held)
			e.Offset = &held
			return e
		}
		if held+int64(len(data)) > size {
			return wire.Errorf(wire.CodeBadRequest, "attachment %s: chunk runs past the size %d", sha, size)
		}
		if len(data) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO attachment_parts (sha256, offset, data) VALUES (?, ?, ?)`, sha, offset, data); err != nil {
				return err
			}
		}
		held += int64(len(data))
		if held == size {
			sum, err := partsSum(ctx, tx, sha)
			if err != nil {
				return err
			}
			if sum != sha {
				// The upload is discarded below, after this transaction rolls back.
				return errDiscard{wire.Errorf(wire.CodeHashMismatch, "attachment %s: the bytes received hash to %s; upload discarded", sha, sum)}
			}
			complete = true
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET held = ?, complete = ?, touched = ? WHERE sha256 = ?`, held, complete, stamp(time.Now()), sha); err != nil {
			return err
		}
		deltas := map[string]int64{"bytes_received": int64(len(data))}
		if complete {
			deltas["attachments"] = 1
		}
		return addCounters(ctx, tx, deltas)
	})
	var d errDiscard
	if errors.As(err, &d) {
		// Discard the whole upload: it must start again from zero.
		if derr := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE sha256 = ?`, sha)
			return err
		}); derr != nil {
			return 0, false, fmt.Errorf("discard attachment %s: %w", sha, derr)
		}
		return 0, false, d.err
	}
	var we *wire.Error
	if errors.As(err, &we) {
		return held, false, we
	}
	if err != nil {
		return 0, false, fmt.Errorf("append attachment %s: %w", sha, err)
	}
	return held, complete, nil
}

type errDiscard struct{ err *wire.Error }

func (e errDiscard) Error() string { return e.err.Error() }

func partsSum(ctx context.Context, tx *sql.Tx, sha string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT data FROM attachment_parts WHERE sha256 = ? ORDER BY offset`, sha)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return "", err
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), rows.Err()
}

// Attachment implements intake.AttachmentStore.
func (s *Store) Attachment(ctx context.Context, sha string) ([]byte, error) {
	_, complete, err := s.AttachmentState(ctx, sha)
	if err != nil {
		return nil, err
	}
	if !complete {
		return nil, fmt.Errorf("attachment %s: %w", sha, intake.ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM attachment_parts WHERE sha256 = ? ORDER BY offset`, sha)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, err)
	}
	defer rows.Close()
	var out []byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("attachment %s: %w", sha, err)
		}
		out = append(out, b...)
	}
	return out, rows.Err()
}

// ExpireAttachments implements intake.AttachmentStore.
func (s *Store) ExpireAttachments(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE complete = 0 AND touched < ?`, stamp(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("expire unfinished uploads: %w", err)
	}
	return int(n), nil
}
