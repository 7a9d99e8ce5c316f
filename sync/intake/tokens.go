package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sira/sync/wire"
)

// HashToken returns the stored form of a device token: hex sha256.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a device token for enumerator: 32 random bytes,
// base64url. Only its hash is stored; the secret is returned once.
func CreateToken(ctx context.Context, st TokenStore, enumerator string, now time.Time) (secret string, t Token, err error) {
	if strings.TrimSpace(enumerator) == "" {
		return "", t, errors.New("create token: no enumerator")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", t, fmt.Errorf("create token: %w", err)
	}
	secret = "sira_" + base64.RawURLEncoding.EncodeToString(raw[:])
	h := HashToken(secret)
	t = Token{ID: h[:12], Hash: h, Enumerator: enumerator, Created: now.UTC()}
	if err := st.CreateToken(ctx, t); err != nil {
		return "", t, err
	}
	return secret, t, nil
}

// authenticate resolves the bearer token; revocation takes effect at the
// next request because every request looks the token up.
func (s *Server) authenticate(r *http.Request) (*Token, error) {
	auth := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || secret == "" {
		return nil, wire.Errorf(wire.CodeUnauthorized, "no device token: create one with `sira intake token create` and pass it to `sira sync --token`")
	}
	t, err := s.store.TokenByHash(r.Context(), HashToken(strings.TrimSpace(secret)))
	if errors.Is(err, ErrNotFound) {
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
