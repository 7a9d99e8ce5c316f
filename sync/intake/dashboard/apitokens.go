package dashboard

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APITokenPrefix starts every personal API token, so that a token pasted
// in the wrong place is recognisable.
const APITokenPrefix = "sira_"

// ErrBadToken is returned when an API token is unknown, revoked, or its
// user is disabled or removed.
var ErrBadToken = errors.New("unknown or revoked API token")

// NewAPIToken creates a personal API token for user name and returns it;
// only its SHA-256 is stored. The token acts with the user's role and
// scope (a supervisor's token sees only their posts and enumerators) for
// as long as both exist. ErrNoUser when there is no enabled user name.
func (u *Users) NewAPIToken(ctx context.Context, name string) (string, error) {
	if _, err := u.Get(ctx, name); err != nil {
		if errors.Is(err, ErrBadLogin) {
			return "", fmt.Errorf("api token for %s: %w", name, ErrNoUser)
		}
		return "", err
	}
	tok := APITokenPrefix + randomToken()
	if _, err := u.DB.ExecContext(ctx, `INSERT INTO dash_api_tokens (hash, user, created) VALUES (?, ?, ?)`,
		sha(tok), name, stamp(u.now())); err != nil {
		return "", fmt.Errorf("api token for %s: %w", name, err)
	}
	return tok, nil
}

// RevokeAPITokens deletes every API token of user name and returns how
// many there were.
func (u *Users) RevokeAPITokens(ctx context.Context, name string) (int64, error) {
	res, err := u.DB.ExecContext(ctx, `DELETE FROM dash_api_tokens WHERE user = ?`, name)
	if err != nil {
		return 0, fmt.Errorf("revoke api tokens of %s: %w", name, err)
	}
	return res.RowsAffected()
}

// APITokens returns how many API tokens user name holds.
func (u *Users) APITokens(ctx context.Context, name string) (int, error) {
	var n int
	err := u.DB.QueryRowContext(ctx, `SELECT count(*) FROM dash_api_tokens WHERE user = ?`, name).Scan(&n)
	return n, err
}

// APIUser returns the enabled user holding token; when name is not empty
// (HTTP Basic NAME:TOKEN) the token must be that user's. ErrBadToken
// otherwise.
func (u *Users) APIUser(ctx context.Context, name, token string) (*User, error) {
	if !strings.HasPrefix(token, APITokenPrefix) || len(token) > 200 {
		return nil, ErrBadToken
	}
	var owner string
	err := u.DB.QueryRowContext(ctx, `SELECT user FROM dash_api_tokens WHERE hash = ?`, sha(token)).Scan(&owner)
	if errNoRows(err) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, fmt.Errorf("api token: %w", err)
	}
	if name != "" && name != owner {
		return nil, ErrBadToken
	}
	usr, err := u.Get(ctx, owner)
	if errors.Is(err, ErrBadLogin) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	u.DB.ExecContext(ctx, `UPDATE dash_api_tokens SET last_used = ? WHERE hash = ?`, stamp(u.now()), sha(token))
	return usr, nil
}

// credentials reads an API token from the Authorization header: "Bearer
// TOKEN" or HTTP Basic "NAME:TOKEN" (what Excel's and Power BI's OData
// connectors send). ok is false when the header is absent or malformed.
func credentials(r *http.Request) (name, token string, ok bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, found := strings.Cut(h, " ")
	if !found {
		return "", "", false
	}
	switch strings.ToLower(scheme) {
	case "bearer":
		return "", strings.TrimSpace(rest), rest != ""
	case "basic":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return "", "", false
		}
		name, token, found := strings.Cut(string(b), ":")
		return name, token, found && name != "" && token != ""
	}
	return "", "", false
}
