package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sira/survey"
)

// PutForm implements survey.Store.
func (s *Store) PutForm(ctx context.Context, formID, version, hash string, compiledJSON []byte) error {
	defer s.enter()()
	if formID == "" || hash == "" || len(compiledJSON) == 0 {
		return fmt.Errorf("store form %q: form id, hash and content are required", formID)
	}
	_, err := s.db.ExecContext(ctx, "INSERT OR IGNORE INTO forms (hash, form_id, version, compiled, added) VALUES (?, ?, ?, ?, ?)",
		hash, formID, version, compiledJSON, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("store form %s %s: %w", formID, version, err)
	}
	return nil
}

// Forms implements survey.Store.
func (s *Store) Forms(ctx context.Context) ([]survey.FormInfo, error) {
	defer s.enter()()
	rows, err := s.db.QueryContext(ctx, "SELECT form_id, version, hash, added FROM forms ORDER BY form_id, added DESC, hash")
	if err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	defer rows.Close()
	var out []survey.FormInfo
	for rows.Next() {
		var f survey.FormInfo
		var added sql.NullInt64
		if err := rows.Scan(&f.FormID, &f.Version, &f.Hash, &added); err != nil {
			return nil, fmt.Errorf("list forms: %w", err)
		}
		f.Added = fromNanos(added)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	return out, nil
}

// GetForm implements survey.Store.
func (s *Store) GetForm(ctx context.Context, hash string) ([]byte, error) {
	defer s.enter()()
	var b []byte
	err := s.db.QueryRowContext(ctx, "SELECT compiled FROM forms WHERE hash = ?", hash).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("form %s: %w", hash, survey.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", hash, err)
	}
	return b, nil
}
