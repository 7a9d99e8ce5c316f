package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sira/sync/wire"
)

// HashToken returns the stored form of a device token: hex sha256. Tokens
// are 256 random bits, so a fast hash is enough: the slow KDF is for
// human passwords.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// maxNameLen bounds an enumerator or relay name.
const maxNameLen = 64

// CreateToken makes a device token for enumerator: 32 random bytes,
// base64url. Only its hash is stored; the secret is returned once.
func CreateToken(ctx context.Context, st TokenStore, enumerator string, now time.Time) (secret string, t Token, err error) {
	if strings.TrimSpace(enumerator) == "" {
		return "", t, errors.New("create token: no enumerator")
	}
	if len(enumerator) > maxNameLen {
		return "", t, fmt.Errorf("create token: enumerator name of %d bytes, at most %d", len(enumerator), maxNameLen)
	}
	return createToken(ctx, st, Token{Enumerator: enumerator, Kind: TokenDevice}, now)
}

// CreateRelayToken makes a relay token named name that may forward the
// interviews of the given posts (every post when posts is empty).
func CreateRelayToken(ctx context.Context, st TokenStore, name string, posts []string, now time.Time) (secret string, t Token, err error) {
	if strings.TrimSpace(name) == "" || len(name) > maxNameLen {
		return "", t, fmt.Errorf("create relay token: a name of 1 to %d bytes is required", maxNameLen)
	}
	for _, p := range posts {
		if p == "" || strings.Contains(p, ",") || len(p) > maxNameLen {
			return "", t, fmt.Errorf("create relay token: bad post %q", p)
		}
	}
	return createToken(ctx, st, Token{Kind: TokenRelay, Relay: name, Posts: posts}, now)
}

func createToken(ctx context.Context, st TokenStore, t Token, now time.Time) (string, Token, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", t, fmt.Errorf("create token: %w", err)
	}
	secret := "sira_" + base64.RawURLEncoding.EncodeToString(raw[:])
	h := HashToken(secret)
	t.ID, t.Hash, t.Created = h[:12], h, now.UTC()
	if err := st.CreateToken(ctx, t); err != nil {
		return "", t, err
	}
	return secret, t, nil
}

// maxTokenLen bounds the bearer secret read from a header.
const maxTokenLen = 256

// authenticate resolves the bearer token. Every request looks the token
// up, and a batch looks it up again before storing, so a revocation takes
// effect on requests already running at their next batch. Failures are
// counted per source address (rate-limited: 429 past the allowance) and
// logged with the source, never the secret.
func (s *Server) authenticate(r *http.Request) (*Token, error) {
	src := s.proxies.Source(r)
	if s.guard.failBlocked(src) {
		return nil, wire.Errorf(wire.CodeRateLimited, "too many refused tokens from %s: wait and retry", src)
	}
	t, err := s.lookupToken(r)
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeUnauthorized {
		s.guard.failed(src)
		s.log.Warn("intake: token refused", "source", src, "path", r.URL.Path, "why", we.Message)
	}
	return t, err
}

func (s *Server) lookupToken(r *http.Request) (*Token, error) {
	auth := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(auth, "Bearer ")
	secret = strings.TrimSpace(secret)
	if !ok || secret == "" {
		return nil, wire.Errorf(wire.CodeUnauthorized, "no device token: create one with `sira intake token create` and pass it to `sira sync --token`")
	}
	if len(secret) > maxTokenLen {
		return nil, wire.Errorf(wire.CodeUnauthorized, "unknown device token: ask the office for a new one")
	}
	h := HashToken(secret)
	t, err := s.store.TokenByHash(r.Context(), h)
	if errors.Is(err, ErrNotFound) || err == nil && subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1 {
		return nil, wire.Errorf(wire.CodeUnauthorized, "unknown device token: ask the office for a new one")
	}
	if err != nil {
		return nil, err
	}
	if !t.Revoked.IsZero() {
		return nil, wire.Errorf(wire.CodeUnauthorized, "device token %s was revoked on %s: ask the office for a new one", t.ID, t.Revoked.Format("2006-01-02"))
	}
	return t, nil
}

// stillValid looks tok up again (a long request, before it stores): a
// token revoked meanwhile stops here.
func (s *Server) stillValid(r *http.Request, tok *Token) error {
	t, err := s.store.TokenByHash(r.Context(), tok.Hash)
	if err != nil {
		return err
	}
	if !t.Revoked.IsZero() {
		return wire.Errorf(wire.CodeUnauthorized, "device token %s was revoked on %s: ask the office for a new one", t.ID, t.Revoked.Format("2006-01-02"))
	}
	return nil
}
