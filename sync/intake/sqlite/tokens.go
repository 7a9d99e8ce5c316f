package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sira/sync/intake"
)

// CreateToken implements intake.TokenStore.
func (s *Store) CreateToken(ctx context.Context, t intake.Token) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, hash, enumerator, created, kind, relay, posts) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Hash, t.Enumerator, stamp(t.Created), tokenKind(t.Kind), t.Relay, strings.Join(t.Posts, ","))
		return err
	})
	if err != nil {
		return fmt.Errorf("create token for %s: %w", t.Enumerator, err)
	}
	return nil
}

// TokenByHash implements intake.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, h string) (*intake.Token, error) {
	var t intake.Token
	var created, revoked string
	var posts string
	err := s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, h).
		Scan(&t.ID, &t.Hash, &t.Enumerator, &created, &revoked, &t.Kind, &t.Relay, &posts)
	t.Posts = splitPosts(posts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", intake.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	t.Created = parseStamp(created)
	if revoked != "" {
		t.Revoked = parseStamp(revoked)
	}
	return &t, nil
}

// RevokeTokens implements intake.TokenStore.
func (s *Store) RevokeTokens(ctx context.Context, key, enumerator string, at time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if key != "" {
			res, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked = ? WHERE (id = ? OR hash = ?) AND revoked = ''`, stamp(at), key, key)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked = ? WHERE enumerator = ? AND revoked = ''`, stamp(at), enumerator)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return int(n), nil
}

// Tokens implements intake.TokenStore.
func (s *Store) Tokens(ctx context.Context) ([]intake.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []intake.Token
	for rows.Next() {
		var t intake.Token
		var created, revoked, posts string
		if err := rows.Scan(&t.ID, &t.Hash, &t.Enumerator, &created, &revoked, &t.Kind, &t.Relay, &posts); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.Posts = splitPosts(posts)
		t.Created = parseStamp(created)
		if revoked != "" {
			t.Revoked = parseStamp(revoked)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const tokenCols = `id, hash, enumerator, created, revoked, kind, relay, posts`

func tokenKind(k string) string {
	if k == "" {
		return intake.TokenDevice
	}
	return k
}

func splitPosts(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
