package intake

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"sira/sync/wire"
)

// Guard defaults: what one token, and all clients together, may hold at
// once. A laptop has at most an offer, two batches and an upload in
// flight; a relay a few more.
const (
	defaultTokenRequests = 6
	defaultTokenBytes    = 48 << 20
	defaultBudget        = 192 << 20
	// Failed tokens from one address: a burst, then one a second.
	authFailBurst = 10
	authFailRate  = 1
	maxSources    = 10000 // addresses remembered by the failure limiter
)

// guard bounds the memory clients can make the server hold: requests and
// bytes in flight per token, bytes in flight for everyone, and failed
// tokens per source address. Bytes are reserved before they are
// allocated (a body's declared size, a frame's decoded length), so a
// crowd of hostile clients meets a 429 or a 503, never an allocation.
type guard struct {
	tokenRequests int
	tokenBytes    int64
	budget        int64

	mu     sync.Mutex
	used   int64
	tokens map[string]*tokenLoad
	fails  map[string]*rate.Limiter
}

type tokenLoad struct {
	requests int
	bytes    int64
}

func newGuard(tokenRequests int, tokenBytes, budget int64) *guard {
	if tokenRequests <= 0 {
		tokenRequests = defaultTokenRequests
	}
	if tokenBytes <= 0 {
		tokenBytes = defaultTokenBytes
	}
	if budget <= 0 {
		budget = defaultBudget
	}
	return &guard{tokenRequests: tokenRequests, tokenBytes: tokenBytes, budget: budget,
		tokens: map[string]*tokenLoad{}, fails: map[string]*rate.Limiter{}}
}

// enter counts a request of token id; the returned func ends it.
func (g *guard) enter(id string) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.tokens[id]
	if l == nil {
		l = &tokenLoad{}
		g.tokens[id] = l
	}
	if l.requests >= g.tokenRequests {
		return nil, wire.Errorf(wire.CodeRateLimited, "%d requests of this token already in progress: at most %d at once", l.requests, g.tokenRequests)
	}
	l.requests++
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		l.requests--
		if l.requests == 0 && l.bytes == 0 {
			delete(g.tokens, id)
		}
	}, nil
}

// reserve reserves n bytes for token id, against the token's share and
// the server's budget; the returned func releases them.
func (g *guard) reserve(id string, n int64) (func(), error) {
	if n <= 0 {
		return func() {}, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if n > g.tokenBytes || n > g.budget {
		return nil, wire.Errorf(wire.CodeTooLarge, "request needing %d bytes over the limit of %d", n, min(g.tokenBytes, g.budget))
	}
	l := g.tokens[id]
	if l == nil {
		l = &tokenLoad{}
		g.tokens[id] = l
	}
	if l.bytes+n > g.tokenBytes {
		return nil, wire.Errorf(wire.CodeRateLimited, "this token has %d bytes in flight: at most %d", l.bytes, g.tokenBytes)
	}
	if g.used+n > g.budget {
		return nil, wire.Errorf(wire.CodeUnavailable, "the server is busy (%d bytes in flight): retry later", g.used)
	}
	l.bytes += n
	g.used += n
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		l.bytes -= n
		g.used -= n
		if l.requests == 0 && l.bytes == 0 {
			delete(g.tokens, id)
		}
	}, nil
}

// inUse returns the bytes reserved now (tests).
func (g *guard) inUse() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used
}

// failBlocked reports whether source has used up its failed-token
// allowance; failed records one more failure.
func (g *guard) failBlocked(source string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.fails[source]
	return l != nil && l.Tokens() < 1
}

func (g *guard) failed(source string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.fails[source]
	if l == nil {
		if len(g.fails) >= maxSources {
			// Forget the sources that are back to a full allowance.
			for k, v := range g.fails {
				if v.Tokens() >= authFailBurst {
					delete(g.fails, k)
				}
			}
			if len(g.fails) >= maxSources {
				clear(g.fails)
			}
		}
		l = rate.NewLimiter(authFailRate, authFailBurst)
		g.fails[source] = l
	}
	l.AllowN(time.Now(), 1)
}

// Proxies are the trusted reverse proxies: a request from one of them is
// attributed to the address its X-Forwarded-For names.
type Proxies []netip.Prefix

// ParseProxies reads "CIDR,CIDR,…" (a bare address is a /32 or /128).
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, wire.Errorf(wire.CodeBadRequest, "trusted proxy %q: not an address or CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, wire.Errorf(wire.CodeBadRequest, "trusted proxy %q: not an address or CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Source returns the client address of r: the peer, or when the peer is a
// trusted proxy the last address of X-Forwarded-For that is not itself a
// trusted proxy (the right-most untrusted hop; a client can prepend
// anything it likes to the header).
func (ps Proxies) Source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !ps.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !ps.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
