package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
	lsqlite "sira/survey/sqlite"
	"sira/survey/vault"
	"sira/sync/client"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
	"sira/sync/wire"
)

var (
	formOnce sync.Once
	form     *forms.Form
	formErr  error

	simMu    sync.Mutex
	simCache = map[simKey][]*survey.Interview{} // by seed and enumerator: a cached run of another enumerator would carry its name
)

// simKey names one simulated run.
type simKey struct {
	seed       uint64
	enumerator string
}

// builtinForm is the built-in returnee form, compiled once per test binary.
func builtinForm(tb testing.TB) *forms.Form {
	tb.Helper()
	formOnce.Do(func() { form, formErr = builtin.Form(context.Background()) })
	if formErr != nil {
		tb.Fatal(formErr)
	}
	return form
}

// simulated returns n finalized interviews of the built-in form for seed,
// generated once per binary (the engine costs about 0.5 ms an interview).
func simulated(tb testing.TB, n int, seed uint64, enumerator string) []*survey.Interview {
	tb.Helper()
	f := builtinForm(tb)
	simMu.Lock()
	defer simMu.Unlock()
	if ivs, ok := simCache[simKey{seed, enumerator}]; ok && len(ivs) >= n {
		return clone(tb, ivs[:n])
	}
	plan, err := survey.NewPlan(f)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	opts := survey.SimOptions{Plan: plan, Enumerator: enumerator, DeviceID: "dev-" + enumerator,
		Answers: map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes"}}
	ivs := make([]*survey.Interview, n)
	for i := range ivs {
		if ivs[i], err = survey.Simulate(f, rng, opts); err != nil {
			tb.Fatal(err)
		}
	}
	simCache[simKey{seed, enumerator}] = ivs
	return clone(tb, ivs)
}

func clone(tb testing.TB, ivs []*survey.Interview) []*survey.Interview {
	out := make([]*survey.Interview, len(ivs))
	for i, iv := range ivs {
		b, err := json.Marshal(iv)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = new(survey.Interview)
		if err := json.Unmarshal(b, out[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// laptop is an enumerator's store holding finalized interviews.
type laptop struct {
	name  string
	store *lsqlite.Store
	ids   []string
}

func newLaptop(tb testing.TB, dir, name string, ivs []*survey.Interview) *laptop {
	tb.Helper()
	ctx := context.Background()
	st, err := lsqlite.Open(ctx, filepath.Join(dir, name+".db"), lsqlite.Options{KDF: vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	// The laptop's enumerator (named as the laptop) and each enumerator of
	// ivs sign in (a cheap PIN derivation: these tests are not about it).
	signedIn := map[string]bool{}
	for _, iv := range append([]*survey.Interview{{Enumerator: name}}, ivs...) {
		if signedIn[iv.Enumerator] {
			continue
		}
		signedIn[iv.Enumerator] = true
		if err := st.Unlock(ctx, iv.Enumerator, "135790"); err != nil {
			tb.Fatal(err)
		}
	}
	f := builtinForm(tb)
	js, err := f.MarshalCanonical()
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.PutForm(ctx, f.ID, f.Version, f.Hash, js); err != nil {
		tb.Fatal(err)
	}
	if err := st.Insert(ctx, ivs); err != nil {
		tb.Fatal(err)
	}
	l := &laptop{name: name, store: st}
	for _, iv := range ivs {
		l.ids = append(l.ids, iv.ID)
	}
	return l
}

// pending returns the number of interviews not yet acknowledged.
func (l *laptop) pending(tb testing.TB) int {
	tb.Helper()
	p, err := l.store.Pending(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return len(p)
}

// central is an intake server on a SQLite file behind a loopback listener.
type central struct {
	path  string
	store *isqlite.Store
	srv   *intake.Server
	hs    *http.Server
	ln    net.Listener
	done  chan struct{}
}

func startCentral(tb testing.TB, path string, lim ...wire.Limits) *central {
	tb.Helper()
	return startCentralWith(tb, path, func(cfg *intake.Config) {
		if len(lim) > 0 {
			cfg.Limits = lim[0]
		}
	})
}

// startCentralWith is startCentral with the server's configuration
// adjusted by configure before the server starts.
func startCentralWith(tb testing.TB, path string, configure func(*intake.Config)) *central {
	tb.Helper()
	ctx := context.Background()
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := intake.Config{Store: st, Logger: quiet, Builtin: []*forms.Form{builtinForm(tb)}}
	configure(&cfg)
	srv, err := intake.New(ctx, cfg)
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	c := &central{path: path, store: st, srv: srv, hs: &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}, ln: ln, done: make(chan struct{})}
	go func() { c.hs.Serve(ln); close(c.done) }()
	tb.Cleanup(c.stop)
	return c
}

func (c *central) addr() string { return c.ln.Addr().String() }

// stop closes the server abruptly (open connections are cut) and its store.
func (c *central) stop() {
	if c.hs == nil {
		return
	}
	c.hs.Close()
	<-c.done
	c.store.Close()
	c.hs = nil
}

func (c *central) token(tb testing.TB, enumerator string) string {
	tb.Helper()
	secret, _, err := intake.CreateToken(context.Background(), c.store, enumerator, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// enrolOffline enrols the laptop with enumerators through an offline
// enrolment file, as `sira intake enrol` and `sira enrol` do.
func (c *central) enrolOffline(tb testing.TB, l *laptop, enumerators ...string) {
	tb.Helper()
	ctx := context.Background()
	b, err := intake.OfflineEnrolment(ctx, c.store, enumerators, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := client.EnrolFromFile(ctx, l.store, b); err != nil {
		tb.Fatal(err)
	}
}

// relayToken returns a relay token (every post) for a relay named name.
func (c *central) relayToken(tb testing.TB, name string) string {
	tb.Helper()
	secret, _, err := intake.CreateRelayToken(context.Background(), c.store, name, nil, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// fastRetry shrinks the client's intervals for tests.
var fastRetry = client.Retry{Attempts: 6, Base: 5 * time.Millisecond, Max: 100 * time.Millisecond, Timeout: 10 * time.Second}

// newClient returns a client with fastRetry. Without keep-alive every
// request opens its own connection, so the proxy's faults hit requests,
// not just the few long-lived connections.
func newClient(tb testing.TB, url, token string, keepAlive bool, bp ...client.BatchPolicy) *client.Client {
	tb.Helper()
	var b client.BatchPolicy
	if len(bp) > 0 {
		b = bp[0]
	}
	cl, err := client.New(client.Config{URL: url, Token: token, Retry: fastRetry, Batch: b,
		HTTP: &http.Client{Transport: &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 2}}})
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// syncUntilDone runs sessions until the laptop has nothing pending, at most
// rounds times; it returns the sessions' results.
func syncUntilDone(tb testing.TB, ctx context.Context, cl *client.Client, l *laptop, rounds int) []*client.Result {
	tb.Helper()
	var out []*client.Result
	for i := 0; i < rounds; i++ {
		res, err := cl.Sync(ctx, l.store)
		out = append(out, res)
		if err == nil && l.pending(tb) == 0 {
			return out
		}
		if err != nil {
			var re *client.ResponseError
			if errors.As(err, &re) && !re.Retryable() {
				tb.Fatalf("%s: sync refused: %v", l.name, err)
			}
		}
	}
	tb.Fatalf("%s: %d interviews still pending after %d sessions", l.name, l.pending(tb), rounds)
	return out
}

// verifyCentral checks the central store holds exactly the interviews of
// ids, once each, current, and that every stored body hashes to its hash.
func verifyCentral(tb testing.TB, st intake.Store, ids map[string]bool) {
	tb.Helper()
	ctx := context.Background()
	seen := map[string]int{}
	err := st.EachSubmission(ctx, func(s intake.StoredInterview) error {
		seen[s.ID]++
		iv, err := s.Interview()
		if err != nil {
			tb.Errorf("submission %d: %v", s.Seq, err)
			return nil
		}
		if got := iv.ContentHash(); got != s.Hash {
			tb.Errorf("submission %s: body hashes to %s, stored hash %s", s.ID, got, s.Hash)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	lost, dup := 0, 0
	for id := range ids {
		switch seen[id] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	extra := 0
	for id := range seen {
		if !ids[id] {
			extra++
		}
	}
	if lost != 0 || dup != 0 || extra != 0 || len(seen) != len(ids) {
		tb.Errorf("central holds %d interviews: %d lost, %d duplicated, %d unexpected (want exactly %d)", len(seen), lost, dup, extra, len(ids))
	}
	n, err := st.CountSubmissions(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if got, want := n, int64(len(ids)); got != want {
		tb.Errorf("central stores %d submissions, want %d", got, want)
	}
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// quiet drops the servers' per-batch logs; failures surface as test errors.
var quiet = slog.New(slog.DiscardHandler)
