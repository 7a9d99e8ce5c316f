package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
	"sira/sync/wire"
)

// AttachmentState implements intake.AttachmentStore.
func (s *Store) AttachmentState(ctx context.Context, sha string) (int64, bool, error) {
	var held int64
	var complete bool
	err := s.pool.QueryRow(ctx, `SELECT held, complete FROM attachments WHERE sha256 = $1`, sha).Scan(&held, &complete)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return held, complete, nil
}

// errDiscard carries a hash mismatch out of the transaction that deleted
// the upload: the deletion is committed, the error returned.
type errDiscard struct{ err *wire.Error }

func (e errDiscard) Error() string { return e.err.Error() }

// AppendAttachment implements intake.AttachmentStore. Chunks are rows of
// attachment_parts; the upload's row is locked while a chunk is appended,
// so concurrent uploads of one file take turns.
func (s *Store) AppendAttachment(ctx context.Context, sha string, size, offset int64, data []byte) (int64, bool, error) {
	var held int64
	var complete bool
	var discard *wire.Error
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		discard = nil
		if _, err := tx.Exec(ctx, `INSERT INTO attachments (sha256, size, held) VALUES ($1, $2, 0) ON CONFLICT (sha256) DO NOTHING`, sha, size); err != nil {
			return err
		}
		var have int64
		if err := tx.QueryRow(ctx, `SELECT size, held, complete FROM attachments WHERE sha256 = $1 FOR UPDATE`, sha).Scan(&have, &held, &complete); err != nil {
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
			if _, err := tx.Exec(ctx, `INSERT INTO attachment_parts (sha256, off, data) VALUES ($1, $2, $3)`, sha, offset, data); err != nil {
				return err
			}
		}
		held += int64(len(data))
		c := counters{bytesReceived: int64(len(data))}
		if held == size {
			sum, err := partsSum(ctx, tx, sha)
			if err != nil {
				return err
			}
			if sum != sha {
				// Discard the whole upload, committed: it must start again from zero.
				discard = wire.Errorf(wire.CodeHashMismatch, "attachment %s: the bytes received hash to %s; upload discarded", sha, sum)
				_, err := tx.Exec(ctx, `DELETE FROM attachments WHERE sha256 = $1`, sha)
				return err
			}
			complete = true
			c.attachments = 1
		}
		if _, err := tx.Exec(ctx, `UPDATE attachments SET held = $1, complete = $2, touched = now() WHERE sha256 = $3`, held, complete, sha); err != nil {
			return err
		}
		return c.add(ctx, tx)
	})
	if discard != nil && err == nil {
		return 0, false, discard
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

func partsSum(ctx context.Context, tx pgx.Tx, sha string) (string, error) {
	rows, err := tx.Query(ctx, `SELECT data FROM attachment_parts WHERE sha256 = $1 ORDER BY off`, sha)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	h := sha256.New()
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return "", err
		}
		h.Write(b)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Attachment implements intake.AttachmentStore.
func (s *Store) Attachment(ctx context.Context, sha string) ([]byte, error) {
	var out []byte
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var complete bool
		err := tx.QueryRow(ctx, `SELECT complete FROM attachments WHERE sha256 = $1`, sha).Scan(&complete)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !complete) {
			return intake.ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT data FROM attachment_parts WHERE sha256 = $1 ORDER BY off`, sha)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []byte{}
		var b []byte
		for rows.Next() {
			if err := rows.Scan(&b); err != nil {
				return err
			}
			out = append(out, b...)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, err)
	}
	return out, nil
}

// ExpireAttachments implements intake.AttachmentStore.
func (s *Store) ExpireAttachments(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM attachments WHERE NOT complete AND (touched IS NULL OR touched < $1)`, before)
	if err != nil {
		return 0, fmt.Errorf("expire unfinished uploads: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
