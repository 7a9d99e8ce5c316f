package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sira/sync/intake"
)

// CreateToken implements intake.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t intake.Token) error {
	kind := t.Kind
	if kind == "" {
		kind = intake.TokenDevice
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (id, hash, enumerator, created, kind, relay, posts) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.Hash, t.Enumerator, t.Created, kind, t.Relay, strings.Join(t.Posts, ","))
	if err != nil {
		return fmt.Errorf("create token for %s: %w", t.Enumerator, err)
	}
	return nil
}

const tokenCols = `id, hash, enumerator, created, revoked, kind, relay, posts`

func scanToken(row pgx.CollectableRow) (intake.Token, error) {
	var t intake.Token
	var revoked *time.Time
	var posts string
	err := row.Scan(&t.ID, &t.Hash, &t.Enumerator, &t.Created, &revoked, &t.Kind, &t.Relay, &posts)
	if posts != "" {
		t.Posts = strings.Split(posts, ",")
	}
	t.Created = utc(t.Created)
	if revoked != nil {
		t.Revoked = utc(*revoked)
	}
	return t, err
}

// TokenByHash implements intake.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, h string) (*intake.Token, error) {
	if !storable(h) {
		return nil, fmt.Errorf("token: %w", intake.ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, h)
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return &t, nil
}

// RevokeTokens implements intake.TokenStore.
func (s *Store) RevokeTokens(ctx context.Context, key, enumerator string, at time.Time) (int, error) {
	var q string
	arg := key
	if key != "" {
		q = `UPDATE tokens SET revoked = $1 WHERE (id = $2 OR hash = $2) AND revoked IS NULL`
	} else {
		q, arg = `UPDATE tokens SET revoked = $1 WHERE enumerator = $2 AND revoked IS NULL`, enumerator
	}
	tag, err := s.pool.Exec(ctx, q, at, arg)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Tokens implements intake.TokenStore.
func (s *Store) Tokens(ctx context.Context) ([]intake.Token, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY created, id`)
	out, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}
