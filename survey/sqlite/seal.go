package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"sira/survey"
	"sira/survey/vault"
)

// The field part of each sealed value's associated data
// (vault.AD(interview id, field, …)): an interview's answers are sealed as
// one document, so a value cannot move between fields or interviews
// without failing to open.
const (
	fieldAnswers    = "answers"
	fieldParadata   = "paradata"
	fieldComment    = "comment"
	fieldAttachment = "attachment" // + field path, name, sha256: the content key
	fieldBlob       = "blob"       // + sha256: the content under its content key
)

// commentPrefix marks a sealed comment in the TEXT column.
const commentPrefix = "sealed:"

// sealer seals for one enumerator: under the data key when unlocked, else to
// its public half (a rejection or a rejected copy received while the
// enumerator is not signed in).
type sealer struct {
	key *vault.Key
	pub []byte
}

func (sl sealer) seal(dst, plaintext, ad []byte) ([]byte, error) {
	if sl.key != nil {
		return sl.key.Seal(dst, plaintext, ad)
	}
	return vault.SealTo(dst, sl.pub, plaintext, ad)
}

// norm is an enumerator id as keys are stored: ids are case-insensitive.
func norm(enumerator string) string { return strings.ToLower(strings.TrimSpace(enumerator)) }

// unlocked returns the enumerator's data key, nil when locked.
func (s *Store) unlocked(enumerator string) *vault.Key {
	s.kmu.RLock()
	defer s.kmu.RUnlock()
	return s.keys[norm(enumerator)]
}

// openKey returns the enumerator's data key. Errors: survey.ErrLocked.
func (s *Store) openKey(enumerator string) (*vault.Key, error) {
	if k := s.unlocked(enumerator); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("enumerator %q: %w", enumerator, survey.ErrLocked)
}

// sealerFor returns a sealer for the enumerator: its data key, or its
// public half when it has an account on this laptop. Errors: ErrLocked.
func (s *Store) sealerFor(ctx context.Context, q querier, enumerator string) (sealer, error) {
	if k := s.unlocked(enumerator); k != nil {
		return sealer{key: k}, nil
	}
	var pub []byte
	err := q.QueryRowContext(ctx, "SELECT public FROM keys WHERE enumerator = ?", norm(enumerator)).Scan(&pub)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sealer{}, fmt.Errorf("enumerator %q: %w", enumerator, err)
	}
	if len(pub) != vault.PublicSize {
		return sealer{}, fmt.Errorf("enumerator %q has no key on this laptop: %w", enumerator, survey.ErrLocked)
	}
	return sealer{pub: pub}, nil
}

// querier is what sealerFor reads with: *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func sealComment(sl sealer, id, comment string) (string, error) {
	if comment == "" {
		return "", nil
	}
	b, err := sl.seal(nil, []byte(comment), vault.AD(id, fieldComment))
	if err != nil {
		return "", err
	}
	return commentPrefix + base64.RawStdEncoding.EncodeToString(b), nil
}

func openComment(k *vault.Key, id, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, commentPrefix))
	if err != nil || !strings.HasPrefix(stored, commentPrefix) {
		return "", fmt.Errorf("interview %s: comment: %w", id, vault.ErrOpen)
	}
	pt, err := k.Open(nil, b, vault.AD(id, fieldComment))
	if err != nil {
		return "", fmt.Errorf("interview %s: comment: %w", id, err)
	}
	return string(pt), nil
}
