package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"sira/survey"
	"sira/survey/vault"
)

// PutAttachment implements survey.Store. The content is read whole (at most
// the cap plus one byte) before the transaction starts, so a slow reader
// does not hold the write lock.
func (s *Store) PutAttachment(ctx context.Context, interviewID string, a survey.Attachment, r io.Reader) (survey.Attachment, error) {
	if a.Field == "" || a.Name == "" || strings.ContainsAny(a.Name, `/\`) {
		return a, fmt.Errorf("attach to interview %s: field and a plain file name are required (got %q, %q)", interviewID, a.Field, a.Name)
	}
	data, err := io.ReadAll(io.LimitReader(r, s.maxAtt+1))
	if err != nil {
		return a, fmt.Errorf("attach %s to interview %s: read: %w", a.Name, interviewID, err)
	}
	if int64(len(data)) > s.maxAtt {
		return a, fmt.Errorf("attach %s to interview %s: over %d bytes: %w", a.Name, interviewID, s.maxAtt, survey.ErrTooLarge)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if a.SHA256 != "" && !strings.EqualFold(a.SHA256, hash) {
		return a, fmt.Errorf("attach %s to interview %s: content hashes to %s, not %s: %w", a.Name, interviewID, hash, a.SHA256, survey.ErrConflict)
	}
	a.SHA256, a.Size = hash, int64(len(data))
	ck := vault.ContentKey(data)
	cks, err := vault.Symmetric(ck)
	if err != nil {
		return a, err
	}
	sealed, err := cks.Seal(make([]byte, 0, len(data)+vault.Overhead), data, vault.AD("", fieldBlob, hash))
	if err != nil {
		return a, fmt.Errorf("attach %s to interview %s: %w", a.Name, interviewID, err)
	}
	clear(data)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		st, err := status(ctx, tx, interviewID)
		if err != nil {
			return err
		}
		if st != survey.StatusDraft {
			return fmt.Errorf("interview %s (%s): %w", interviewID, st, survey.ErrImmutable)
		}
		k, err := s.interviewKey(ctx, tx, interviewID)
		if err != nil {
			return err
		}
		sk, err := k.Seal(nil, ck, vault.AD(interviewID, fieldAttachment, a.Field, a.Name, hash))
		if err != nil {
			return err
		}
		var old sql.NullString
		err = tx.QueryRowContext(ctx, "SELECT sha256 FROM attachments WHERE interview_id = ? AND field = ? AND name = ?",
			interviewID, a.Field, a.Name).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)", hash, a.Size, sealed); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO attachments (interview_id, field, name, sha256, size, type, key)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, interviewID, a.Field, a.Name, hash, a.Size, a.Type, sk); err != nil {
			return err
		}
		if old.Valid && old.String != hash {
			return dropUnused(ctx, tx, old.String)
		}
		return nil
	})
	if err != nil {
		return a, fmt.Errorf("attach %s to interview %s: %w", a.Name, interviewID, err)
	}
	return a, nil
}

// dropUnused deletes a blob no attachment refers to any more.
func dropUnused(ctx context.Context, tx *sql.Tx, hash string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?)", hash, hash)
	return err
}

// OpenAttachment implements survey.Store: the content opens with the key
// sealed under the data key of an unlocked enumerator citing it.
// Errors: ErrNotFound, ErrLocked.
func (s *Store) OpenAttachment(ctx context.Context, sha256 string) (io.ReadCloser, error) {
	sha256 = strings.ToLower(sha256)
	var data []byte
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		ck, _, err := s.contentKey(ctx, tx, sha256)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT data FROM blobs WHERE sha256 = ?", sha256).Scan(&data); err != nil {
			return err
		}
		k, err := vault.Symmetric(ck)
		if err != nil {
			return err
		}
		data, err = k.Open(data[:0:0], data, vault.AD("", fieldBlob, sha256))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha256, err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// contentKey returns the key of a stored content and its size, opened from
// the attachment of an interview whose enumerator is unlocked.
// Errors: ErrNotFound (no such content), ErrLocked.
func (s *Store) contentKey(ctx context.Context, tx *sql.Tx, sha256 string) ([]byte, int64, error) {
	sha256 = strings.ToLower(sha256)
	var size int64
	err := tx.QueryRowContext(ctx, "SELECT size FROM blobs WHERE sha256 = ?", sha256).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("content %s not stored (PutAttachment first): %w", sha256, survey.ErrNotFound)
	}
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.interview_id, a.field, a.name, a.key, i.enumerator
		FROM attachments a JOIN interviews i ON i.id = a.interview_id WHERE a.sha256 = ?`, sha256)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, field, name, enumerator string
		var sk []byte
		if err := rows.Scan(&id, &field, &name, &sk, &enumerator); err != nil {
			return nil, 0, err
		}
		k := s.unlocked(enumerator)
		if k == nil {
			continue
		}
		ck, err := k.Open(nil, sk, vault.AD(id, fieldAttachment, field, name, sha256))
		if err != nil {
			return nil, 0, fmt.Errorf("content %s cited by interview %s: %w", sha256, id, err)
		}
		return ck, size, nil
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return nil, 0, fmt.Errorf("content %s: %w", sha256, survey.ErrLocked)
}
