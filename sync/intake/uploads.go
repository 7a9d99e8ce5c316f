package intake

import (
	"encoding/hex"
	"sync"
	"time"
)

// Upload defaults.
const (
	// defaultAttachmentQuota lets one attachment of the largest size
	// (maxAttachment) finish, and no more than that be left unfinished.
	defaultAttachmentQuota = maxAttachment
	defaultUploadTTL       = 72 * time.Hour
	// maxOffered bounds the (token, attachment) pairs remembered from
	// offers, for all tokens together (≈ 80 bytes each).
	maxOffered = 200000
)

// uploads remembers which attachments each token offered (only those may
// be uploaded with it) and the bytes each token's unfinished uploads
// hold (its quota). It is memory only: a laptop offers again at each
// session, and unfinished uploads older than the TTL are deleted from the
// store (Store.ExpireAttachments), which a restart does not change.
type uploads struct {
	quota int64
	ttl   time.Duration

	mu      sync.Mutex
	byToken map[string]map[[32]byte]time.Time // token id → offered attachment → when
	n       int                               // pairs in byToken
	pending map[[32]byte]*pendingUpload       // unfinished uploads by attachment
	held    map[string]int64                  // token id → bytes of its unfinished uploads
	swept   time.Time
}

type pendingUpload struct {
	token   string
	bytes   int64
	touched time.Time
}

func newUploads(quota int64, ttl time.Duration) *uploads {
	if quota <= 0 {
		quota = defaultAttachmentQuota
	}
	if ttl <= 0 {
		ttl = defaultUploadTTL
	}
	return &uploads{quota: quota, ttl: ttl, byToken: map[string]map[[32]byte]time.Time{},
		pending: map[[32]byte]*pendingUpload{}, held: map[string]int64{}}
}

func shaKey(sha string) ([32]byte, bool) {
	var k [32]byte
	if len(sha) != 64 {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(sha))
	return k, err == nil
}

// offered records that token offered the attachments shas at now.
func (u *uploads) offered(token string, shas []string, now time.Time) {
	if len(shas) == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.byToken[token]
	if m == nil {
		m = map[[32]byte]time.Time{}
		u.byToken[token] = m
	}
	for _, sha := range shas {
		k, ok := shaKey(sha)
		if !ok {
			continue
		}
		if _, had := m[k]; !had {
			if u.n >= maxOffered {
				u.forget(now)
				if u.n >= maxOffered {
					return // under a flood: these attachments wait for a later offer
				}
			}
			u.n++
		}
		m[k] = now
	}
}

// forget drops offers older than the TTL.
func (u *uploads) forget(now time.Time) {
	for tok, m := range u.byToken {
		for k, at := range m {
			if now.Sub(at) > u.ttl {
				delete(m, k)
				u.n--
			}
		}
		if len(m) == 0 {
			delete(u.byToken, tok)
		}
	}
}

// mayUpload reports whether token offered sha within the TTL.
func (u *uploads) mayUpload(token, sha string, now time.Time) bool {
	k, ok := shaKey(sha)
	if !ok {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	at, ok := u.byToken[token][k]
	return ok && now.Sub(at) <= u.ttl
}

// admit reserves n more bytes of token's quota for the unfinished upload
// of sha; it reports false when the quota is spent.
func (u *uploads) admit(token, sha string, n int64, now time.Time) bool {
	k, _ := shaKey(sha)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.held[token]+n > u.quota {
		return false
	}
	p := u.pending[k]
	if p == nil {
		p = &pendingUpload{token: token}
		u.pending[k] = p
	}
	if p.token != token {
		// Another token resumes it: the bytes move to its account.
		u.held[p.token] -= p.bytes
		if u.held[p.token] <= 0 {
			delete(u.held, p.token)
		}
		p.token, p.bytes = token, 0
	}
	p.bytes += n
	p.touched = now
	u.held[token] += n
	return true
}

// settle corrects sha's unfinished upload after a chunk: held is what
// the store holds now; complete or discarded (held 0) ends it.
func (u *uploads) settle(sha string, held int64, complete bool) {
	k, _ := shaKey(sha)
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.pending[k]
	if p == nil {
		return
	}
	u.held[p.token] -= p.bytes
	if complete || held == 0 {
		delete(u.pending, k)
	} else {
		p.bytes = held
		u.held[p.token] += held
	}
	if u.held[p.token] <= 0 {
		delete(u.held, p.token)
	}
}

// sweepDue reports whether an expiry pass is due (at most one per tenth
// of the TTL) and forgets the unfinished uploads it will delete.
func (u *uploads) sweepDue(now time.Time) (before time.Time, due bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.swept) < u.ttl/10 {
		return time.Time{}, false
	}
	u.swept = now
	before = now.Add(-u.ttl)
	for k, p := range u.pending {
		if p.touched.Before(before) {
			u.held[p.token] -= p.bytes
			if u.held[p.token] <= 0 {
				delete(u.held, p.token)
			}
			delete(u.pending, k)
		}
	}
	u.forget(now)
	return before, true
}
