package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sira/survey"
	"sira/survey/vault"
)

// fieldQuestions is the associated data's field of a rejection's sealed
// per-question comments.
const fieldQuestions = "rejection.questions"

// questionsKey is the setting holding interview id's sealed question comments.
func questionsKey(id string) string { return "rejection.questions " + id }

// SetQuestionComments implements survey.Store: the comments are sealed
// like the interview's comment (they may repeat what a respondent said).
func (s *Store) SetQuestionComments(ctx context.Context, id string, qs []survey.QuestionComment) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if len(qs) == 0 {
			_, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", questionsKey(id))
			return err
		}
		var enumerator string
		err := tx.QueryRowContext(ctx, "SELECT enumerator FROM interviews WHERE id = ?", id).Scan(&enumerator)
		if errors.Is(err, sql.ErrNoRows) {
			return survey.ErrNotFound
		}
		if err != nil {
			return err
		}
		sl, err := s.sealerFor(ctx, tx, enumerator)
		if err != nil {
			return err
		}
		b, err := json.Marshal(qs)
		if err != nil {
			return err
		}
		sealed, err := sl.seal(nil, b, vault.AD(id, fieldQuestions))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, questionsKey(id), commentPrefix+base64.RawStdEncoding.EncodeToString(sealed))
		return err
	})
	if err != nil {
		return fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	return nil
}

// QuestionComments implements survey.Store.
func (s *Store) QuestionComments(ctx context.Context, id string) ([]survey.QuestionComment, error) {
	var stored, enumerator string
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", questionsKey(id)).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT enumerator FROM interviews WHERE id = ?", id).Scan(&enumerator)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // comments of an interview no longer held
	}
	if err != nil || stored == "" {
		return nil, err
	}
	k, err := s.openKey(enumerator)
	if err != nil {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, commentPrefix))
	if err != nil || !strings.HasPrefix(stored, commentPrefix) {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, vault.ErrOpen)
	}
	pt, err := k.Open(nil, b, vault.AD(id, fieldQuestions))
	if err != nil {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	var qs []survey.QuestionComment
	if err := json.Unmarshal(pt, &qs); err != nil {
		return nil, fmt.Errorf("rejection of %s: question comments: %w", id, err)
	}
	return qs, nil
}
