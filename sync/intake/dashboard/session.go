package dashboard

import (
	"unicode/utf8"

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

	"golang.org/x/time/rate"
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

// signinGuard throttles sign-in before the password's KDF runs: every
// attempt is counted when it starts, per account from one source (a wrong
// password slows that account from that address only, never locks it
// from everywhere) and per source over all accounts; past either the
// answer is 429 without running argon2id. At most maxKDF hashes run at
// once (64 MiB each); an attempt waits its turn briefly, then gets 503.
type signinGuard struct {
	perAccount rate.Limit // refill of (account, source)
	burst      int
	kdf        chan struct{}
	kdfWait    time.Duration

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	audits  map[string]*auditRun // per source: rate-limited attempts not yet written
}

// auditRun aggregates a source's rate-limited attempts: one audit row a
// minute at most, saying how many were refused since the last.
type auditRun struct {
	last    time.Time
	skipped int
}

// maxSigninKeys bounds the limiter's memory under a flood of names and
// addresses; past it, buckets back to full are forgotten first.
const maxSigninKeys = 20000

func newSigninGuard(limit int, window time.Duration, maxKDF int) *signinGuard {
	return &signinGuard{perAccount: rate.Limit(float64(limit) / window.Seconds()), burst: limit,
		kdf: make(chan struct{}, maxKDF), kdfWait: 3 * time.Second,
		buckets: map[string]*rate.Limiter{}, audits: map[string]*auditRun{}}
}

// allow counts an attempt on name from source at now; false: refuse it.
func (g *signinGuard) allow(now time.Time, name, source string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	acct := g.bucket("a\x00"+source+"\x00"+name, g.perAccount, g.burst, now)
	src := g.bucket("s\x00"+source, 4*g.perAccount, 4*g.burst, now)
	// Both must have a token; neither is spent when the other refuses.
	if acct.TokensAt(now) < 1 || src.TokensAt(now) < 1 {
		return false
	}
	acct.AllowN(now, 1)
	src.AllowN(now, 1)
	return true
}

func (g *signinGuard) bucket(k string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	l := g.buckets[k]
	if l == nil {
		if len(g.buckets) >= maxSigninKeys {
			for k, v := range g.buckets {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(g.buckets, k)
				}
			}
			if len(g.buckets) >= maxSigninKeys {
				clear(g.buckets)
			}
		}
		l = rate.NewLimiter(r, burst)
		l.AllowN(now, 0) // starts full at now (the clock may be a test's)
		g.buckets[k] = l
	}
	return l
}

// hashTurn waits (at most kdfWait, or ctx) for a turn to run the KDF; the
// returned func ends the turn.
func (g *signinGuard) hashTurn(ctx context.Context) (func(), bool) {
	select {
	case g.kdf <- struct{}{}:
		return func() { <-g.kdf }, true
	default:
	}
	t := time.NewTimer(g.kdfWait)
	defer t.Stop()
	select {
	case g.kdf <- struct{}{}:
		return func() { <-g.kdf }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// auditRefusal reports whether a rate-limited attempt from source gets an
// audit row now, and how many refusals it stands for.
func (g *signinGuard) auditRefusal(now time.Time, source string) (write bool, count int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.audits[source]
	if a == nil {
		if len(g.audits) >= maxSigninKeys {
			clear(g.audits)
		}
		a = &auditRun{}
		g.audits[source] = a
	}
	a.skipped++
	if !a.last.IsZero() && now.Sub(a.last) < time.Minute {
		return false, 0
	}
	n := a.skipped
	a.last, a.skipped = now, 0
	return true, n
}

// maxAuditName caps a user name as the audit log stores it: whatever a
// sign-in form sends, a row stays small.
const maxAuditName = 64

func auditName(s string) string {
	if len(s) <= maxAuditName {
		return s
	}
	s = s[:maxAuditName]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// apiBlocked reports whether source has presented too many bad API tokens
// lately (the sign-in rate per account, counted per source). Reads with a
// good token are not counted: an OData client pages through many requests.
func (g *signinGuard) apiBlocked(now time.Time, source string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.bucket("f\x00"+source, g.perAccount, g.burst, now).TokensAt(now) < 1
}

// apiFailed counts a bad API token from source.
func (g *signinGuard) apiFailed(now time.Time, source string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.bucket("f\x00"+source, g.perAccount, g.burst, now).AllowN(now, 1)
}
