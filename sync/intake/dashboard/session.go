package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"
)

const (
	sessionCookie = "sira_session"
	loginCookie   = "sira_login" // the sign-in form's CSRF secret, before any session
)

// session is a signed-in user's session.
type session struct {
	hash string
	user *User
	csrf string
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy: nothing sensible to do
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// newSession stores a session for user and returns the cookie's secret.
func (d *Dashboard) newSession(ctx context.Context, user string) (secret string, err error) {
	secret = randomToken()
	now := d.now()
	_, err = d.db.ExecContext(ctx, `INSERT INTO dash_sessions (hash, user, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`,
		sha(secret), user, randomToken(), stamp(now), stamp(now.Add(d.sessionTTL)))
	if err != nil {
		return "", fmt.Errorf("new session: %w", err)
	}
	// Expired sessions are swept at sign-in: cheap and bounded by logins.
	d.db.ExecContext(ctx, `DELETE FROM dash_sessions WHERE expires < ?`, stamp(now))
	return secret, nil
}

// sessionOf returns the request's valid session, or nil.
func (d *Dashboard) sessionOf(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	s := &session{hash: sha(c.Value)}
	var name, expires string
	err = d.db.QueryRowContext(r.Context(), `SELECT user, csrf, expires FROM dash_sessions WHERE hash = ?`, s.hash).Scan(&name, &s.csrf, &expires)
	if errNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if !d.now().Before(parseStamp(expires)) {
		return nil, nil
	}
	s.user, err = d.users.Get(r.Context(), name)
	if err == ErrBadLogin {
		return nil, nil // user removed or disabled
	}
	return s, err
}

func (d *Dashboard) endSession(ctx context.Context, s *session) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM dash_sessions WHERE hash = ?`, s.hash)
	return err
}

func (d *Dashboard) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	c := &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: d.secure || r.TLS != nil,
	}
	if ttl < 0 {
		c.MaxAge = -1
	} else if ttl > 0 {
		c.MaxAge = int(ttl.Seconds())
	}
	http.SetCookie(w, c)
}

// limiter counts failed sign-ins per client address and per user name in a
// sliding window: past Max failures in Window, sign-in is refused (429)
// until the oldest failure leaves the window.
type limiter struct {
	Max    int
	Window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time
}

func (l *limiter) blocked(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(now, k)) >= l.Max {
			return true
		}
	}
	return false
}

func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string][]time.Time{}
	}
	if len(l.fails) > 100000 {
		l.fails = map[string][]time.Time{} // bound memory under a flood of names
	}
	for _, k := range keys {
		l.fails[k] = append(l.recent(now, k), now)
	}
}

func (l *limiter) recent(now time.Time, k string) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.Window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	}
	return ts
}
