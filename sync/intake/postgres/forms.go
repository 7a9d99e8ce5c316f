package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
)

// PutForm implements intake.FormStore.
func (s *Store) PutForm(ctx context.Context, f intake.PublishedForm) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO forms (hash, form_id, version, published, json) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO NOTHING`, f.Hash, f.FormID, f.Version, f.Published, f.JSON)
	if err != nil {
		return false, fmt.Errorf("put form %s %s: %w", f.FormID, f.Version, err)
	}
	return tag.RowsAffected() == 1, nil
}

const formCols = `hash, form_id, version, published, json`

func scanForm(row pgx.CollectableRow) (intake.PublishedForm, error) {
	var f intake.PublishedForm
	err := row.Scan(&f.Hash, &f.FormID, &f.Version, &f.Published, &f.JSON)
	f.Published = utc(f.Published)
	return f, err
}

// Form implements intake.FormStore.
func (s *Store) Form(ctx context.Context, h string) (*intake.PublishedForm, error) {
	if !storable(h) { // from a laptop's frame: unknown, not a database error
		return nil, fmt.Errorf("form %q: %w", h, intake.ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+formCols+` FROM forms WHERE hash = $1`, h)
	f, err := pgx.CollectExactlyOneRow(rows, scanForm)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("form %s: %w", h, intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", h, err)
	}
	return &f, nil
}

// Forms implements intake.FormStore.
func (s *Store) Forms(ctx context.Context) ([]intake.PublishedForm, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+formCols+` FROM forms ORDER BY published, added`)
	out, err := pgx.CollectRows(rows, scanForm)
	if err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	return out, nil
}
