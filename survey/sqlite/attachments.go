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
	err = s.tx(ctx, func(tx *sql.Tx) error {
		st, err := status(ctx, tx, interviewID)
		if err != nil {
			return err
		}
		if st != survey.StatusDraft {
			return fmt.Errorf("interview %s (%s): %w", interviewID, st, survey.ErrImmutable)
		}
		var old sql.NullString
		err = tx.QueryRowContext(ctx, "SELECT sha256 FROM attachments WHERE interview_id = ? AND field = ? AND name = ?",
			interviewID, a.Field, a.Name).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)", hash, a.Size, data); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO attachments (interview_id, field, name, sha256, size, type)
			VALUES (?, ?, ?, ?, ?, ?)`, interviewID, a.Field, a.Name, hash, a.Size, a.Type); err != nil {
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

// OpenAttachment implements survey.Store.
func (s *Store) OpenAttachment(ctx context.Context, sha256 string) (io.ReadCloser, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM blobs WHERE sha256 = ?", strings.ToLower(sha256)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("attachment %s: %w", sha256, survey.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha256, err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}
