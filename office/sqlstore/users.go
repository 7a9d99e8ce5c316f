package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sira/office"
)

// PutUser implements office.Store.
func (s *Store) PutUser(ctx context.Context, u office.User) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_users (name, role, hash, created, disabled) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash, disabled = excluded.disabled`),
			u.Name, string(u.Role), u.Hash, Stamp(u.Created), b2i(u.Disabled)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_scopes WHERE user_name = ?`), u.Name); err != nil {
			return err
		}
		for kind, vs := range map[string][]string{"post": u.Posts, "enumerator": u.Enumerators} {
			for _, v := range vs {
				if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_scopes (user_name, kind, value) VALUES (?, ?, ?)
					ON CONFLICT DO NOTHING`), u.Name, kind, v); err != nil {
					return err
				}
			}
		}
		if u.Disabled {
			_, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_sessions WHERE user_name = ?`), u.Name)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("user %s: %w", u.Name, err)
	}
	return nil
}

// User implements office.Store.
func (s *Store) User(ctx context.Context, name string) (*office.User, error) {
	us, err := s.users(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, fmt.Errorf("user %s: %w", name, office.ErrNotFound)
	}
	return &us[0], nil
}

// Users implements office.Store.
func (s *Store) Users(ctx context.Context) ([]office.User, error) { return s.users(ctx, "") }

func (s *Store) users(ctx context.Context, name string) ([]office.User, error) {
	where, args := "", []any{}
	if name != "" {
		where, args = " WHERE name = ?", []any{name}
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, role, hash, created, disabled FROM office_users`+where+` ORDER BY name`), args...)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var out []office.User
	idx := map[string]int{}
	for rows.Next() {
		var u office.User
		var role, created string
		var disabled int
		if err := rows.Scan(&u.Name, &role, &u.Hash, &created, &disabled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("users: %w", err)
		}
		u.Role, u.Created, u.Disabled = office.Role(role), ParseStamp(created), disabled != 0
		idx[u.Name] = len(out)
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	srows, err := s.db.QueryContext(ctx, s.q(`SELECT user_name, kind, value FROM office_scopes`+
		map[bool]string{true: " WHERE user_name = ?", false: ""}[name != ""]+` ORDER BY user_name, kind, value`), args...)
	if err != nil {
		return nil, fmt.Errorf("users: scopes: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var n, kind, v string
		if err := srows.Scan(&n, &kind, &v); err != nil {
			return nil, fmt.Errorf("users: scopes: %w", err)
		}
		i, ok := idx[n]
		if !ok {
			continue
		}
		if kind == "post" {
			out[i].Posts = append(out[i].Posts, v)
		} else {
			out[i].Enumerators = append(out[i].Enumerators, v)
		}
	}
	return out, srows.Err()
}

// DeleteUser implements office.Store.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM office_sessions WHERE user_name = ?`, `DELETE FROM office_scopes WHERE user_name = ?`} {
			if _, err := tx.ExecContext(ctx, s.q(q), name); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_users WHERE name = ?`), name)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("delete user %s: %w", name, office.ErrNotFound)
	}
	return nil
}

// CreateSession implements office.Store.
func (s *Store) CreateSession(ctx context.Context, se office.Session) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO office_sessions (hash, user_name, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`),
		se.Hash, se.User, se.CSRF, Stamp(se.Created), Stamp(se.Expires))
	if err != nil {
		return fmt.Errorf("session of %s: %w", se.User, err)
	}
	return nil
}

// Session implements office.Store.
func (s *Store) Session(ctx context.Context, hash string, now time.Time) (*office.Session, error) {
	var se office.Session
	var created, expires string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT s.hash, s.user_name, s.csrf, s.created, s.expires
		FROM office_sessions s JOIN office_users u ON u.name = s.user_name
		WHERE s.hash = ? AND s.expires > ? AND u.disabled = 0`), hash, Stamp(now)).
		Scan(&se.Hash, &se.User, &se.CSRF, &created, &expires)
	if notFound(err) {
		return nil, fmt.Errorf("session: %w", office.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	se.Created, se.Expires = ParseStamp(created), ParseStamp(expires)
	return &se, nil
}

// DeleteSessions implements office.Store.
func (s *Store) DeleteSessions(ctx context.Context, hash, user string) error {
	q, arg := `DELETE FROM office_sessions WHERE hash = ?`, hash
	if hash == "" {
		q, arg = `DELETE FROM office_sessions WHERE user_name = ?`, user
	}
	if _, err := s.db.ExecContext(ctx, s.q(q), arg); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// failureKeep is how long sign-in failures are kept.
const failureKeep = 24 * time.Hour

// LoginFailed implements office.Store.
func (s *Store) LoginFailed(ctx context.Context, at time.Time, keys ...string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM office_login_failures WHERE key = ? AND at < ?`), k, Stamp(at.Add(-failureKeep))); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_login_failures (key, at) VALUES (?, ?)`), k, Stamp(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sign-in failure: %w", err)
	}
	return nil
}

// LoginFailures implements office.Store.
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM office_login_failures WHERE key = ? AND at >= ?`), key, Stamp(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("sign-in failures: %w", err)
	}
	return n, nil
}
