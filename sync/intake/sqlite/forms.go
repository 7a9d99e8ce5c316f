package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sira/sync/intake"
)

// PutForm implements intake.FormStore.
func (s *Store) PutForm(ctx context.Context, f intake.PublishedForm) (bool, error) {
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO forms (hash, form_id, version, published, json) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (hash) DO NOTHING`, f.Hash, f.FormID, f.Version, stamp(f.Published), f.JSON)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("put form %s %s: %w", f.FormID, f.Version, err)
	}
	return created, nil
}

// Form implements intake.FormStore.
func (s *Store) Form(ctx context.Context, h string) (*intake.PublishedForm, error) {
	var f intake.PublishedForm
	var pub string
	err := s.db.QueryRowContext(ctx, `SELECT hash, form_id, version, published, json FROM forms WHERE hash = ?`, h).
		Scan(&f.Hash, &f.FormID, &f.Version, &pub, &f.JSON)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("form %s: %w", h, intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", h, err)
	}
	f.Published = parseStamp(pub)
	return &f, nil
}

// Forms implements intake.FormStore.
func (s *Store) Forms(ctx context.Context) ([]intake.PublishedForm, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hash, form_id, version, published, json FROM forms ORDER BY published, rowid`)
	if err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	defer rows.Close()
	var out []intake.PublishedForm
	for rows.Next() {
		var f intake.PublishedForm
		var pub string
		if err := rows.Scan(&f.Hash, &f.FormID, &f.Version, &pub, &f.JSON); err != nil {
			return nil, fmt.Errorf("list forms: %w", err)
		}
		f.Published = parseStamp(pub)
		out = append(out, f)
	}
	return out, rows.Err()
}
