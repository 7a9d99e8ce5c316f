package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/sync/client"
	"sira/sync/e2e/netproxy"
	"sira/sync/intake"
	isqlite "sira/sync/intake/sqlite"
	"sira/sync/relay"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// relayNode is a supervisor's intake server forwarding to an upstream.
type relayNode struct {
	store *isqlite.Store
	srv   *intake.Server
	hs    *http.Server
	ln    net.Listener
	stopF context.CancelFunc
	wg    sync.WaitGroup
}

func startRelay(tb testing.TB, path, upstream, token string) *relayNode {
	tb.Helper()
	return startRelayWith(tb, path, upstream, token, relay.Options{Batch: 50})
}

// startRelayWith is startRelay with the forwarder's options.
func startRelayWith(tb testing.TB, path, upstream, token string, opts relay.Options) *relayNode {
	tb.Helper()
	ctx := context.Background()
	st, err := isqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := intake.New(ctx, intake.Config{Store: st, Logger: quiet, Builtin: []*forms.Form{builtinForm(tb)}})
	if err != nil {
		tb.Fatal(err)
	}
	up := newClient(tb, upstream, token, true)
	r := &relayNode{store: st, srv: srv}
	fctx, cancel := context.WithCancel(ctx)
	r.stopF = cancel
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		srv.RunForwarder(fctx, relay.New(up, opts), 50*time.Millisecond)
	}()
	if r.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	r.hs = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { defer r.wg.Done(); r.hs.Serve(r.ln) }()
	return r
}

// waitForwarded waits until the central server holds want submissions,
// failing after 30 s with what the relay still has to forward.
func waitForwarded(t *testing.T, c *central, rn *relayNode, want int64) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := c.store.CountSubmissions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			st, _ := rn.store.Stats(ctx)
			t.Fatalf("central holds %d interviews, want %d (relay: %d unforwarded)", n, want, st.Unforwarded)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the relay abruptly: connections cut, forwarder cancelled
// wherever it is, store closed.
func (r *relayNode) stop() {
	if r.hs == nil {
		return
	}
	r.hs.Close()
	r.stopF()
	r.wg.Wait()
	r.store.Close()
	r.hs = nil
}

// TestRelayRestartedMidway: laptop → relay → central, the relay killed and
// restarted on its database while the laptop is sending and the relay is
// forwarding: the central server ends with exactly one copy of each.
func TestRelayRestartedMidway(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 200
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	relayPath := filepath.Join(dir, "relay.db")
	rn := startRelay(t, relayPath, "http://"+c.addr(), c.relayToken(t, "relay"))
	px, err := netproxy.Start(rn.ln.Addr().String(), 9)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()

	ivs := simulated(t, n, 4, "sira")
	l := newLaptop(t, dir, "laptop", ivs)
	secret, _, err := intake.CreateToken(ctx, rn.store, "sira", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, px.URL(), secret, true, client.BatchPolicy{Start: 10, Max: 10})

	done := make(chan struct{})
	go func() {
		defer close(done)
		syncUntilDone(t, ctx, cl, l, 100)
	}()
	// Kill the relay once a third of the interviews reached it.
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := rn.store.CountSubmissions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got >= int64(n/3) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d interviews reached the relay in a minute", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	rn.stop()
	px.DropAll()
	time.Sleep(50 * time.Millisecond) // the laptop meets a dead relay
	rn = startRelay(t, relayPath, "http://"+c.addr(), c.relayToken(t, "relay2"))
	defer rn.stop()
	px.SetTarget(rn.ln.Addr().String())
	<-done

	// The relay's outbox drains to the central server.
	deadline = time.Now().Add(time.Minute)
	for {
		st, err := rn.store.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Unforwarded == 0 && st.Submissions == int64(n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay: %d submissions, %d unforwarded after a minute", st.Submissions, st.Unforwarded)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ids := map[string]bool{}
	for _, iv := range ivs {
		ids[iv.ID] = true
	}
	verifyCentral(t, rn.store, ids)
	verifyCentral(t, c.store, ids)
}

// TestRelayWaitsForUpstreamForm: the relay holds interviews of a form
// version the central server does not know yet (the relay was upgraded
// first, or the version was published on it). The upstream's "unknown
// form version" is not a verdict on the interviews: they stay in the
// outbox and reach the central server once it publishes the form, instead
// of being taken out of the outbox and never forwarded.
func TestRelayWaitsForUpstreamForm(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentralWith(t, filepath.Join(dir, "central.db"), func(cfg *intake.Config) { cfg.Builtin = nil })
	rn := startRelay(t, filepath.Join(dir, "relay.db"), "http://"+c.addr(), c.relayToken(t, "relay"))
	defer rn.stop()
	ivs := simulated(t, 20, 14, "moussa")
	l := newLaptop(t, dir, "moussa", ivs)
	secret, _, err := intake.CreateToken(ctx, rn.store, "moussa", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, "http://"+rn.ln.Addr().String(), secret, true)
	syncUntilDone(t, ctx, cl, l, 5)

	// Let the forwarder meet the central server's refusal a few times.
	time.Sleep(300 * time.Millisecond)
	if n, err := c.store.CountSubmissions(ctx); err != nil || n != 0 {
		t.Fatalf("central holds %d submissions of a form it does not know (%v)", n, err)
	}
	if _, err := c.srv.Publish(ctx, builtinForm(t)); err != nil {
		t.Fatal(err)
	}
	waitForwarded(t, c, rn, int64(len(ivs)))
	ids := map[string]bool{}
	for _, iv := range ivs {
		ids[iv.ID] = true
	}
	verifyCentral(t, c.store, ids)
}

// TestRelayOutboxNotBlocked: more interviews than a page of the outbox
// wait for a form version the central server does not know yet, and after
// them come interviews of a form it knows. Those must reach the central
// server at once, not wait behind the others; the waiting ones follow
// once the form is published there.
func TestRelayOutboxNotBlocked(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	rn := startRelayWith(t, filepath.Join(dir, "relay.db"), "http://"+c.addr(), c.relayToken(t, "relay"), relay.Options{Page: 5, Batch: 4})
	defer rn.stop()
	newForm := wiretest.Form("9")
	if _, err := rn.srv.Publish(ctx, newForm); err != nil {
		t.Fatal(err)
	}
	waiting := wiretest.Interviews(newForm, 12, 3, "awa", "dev-awa")
	known := simulated(t, 20, 15, "awa")
	// Straight into the relay's intake, in this order: the waiting ones
	// take the first seqs, so the outbox's first pages are theirs.
	for _, set := range [][]*survey.Interview{waiting, known} {
		codec, err := rn.srv.Codec(set[0].FormHash)
		if err != nil {
			t.Fatal(err)
		}
		frame, err := codec.Encode(nil, set)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := rn.srv.Ingest(ctx, intake.BatchMeta{Source: "import"}, frame)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Status != wire.Stored {
				t.Fatalf("relay: %s for %s (%s)", r.Status, r.ID, r.Reason)
			}
		}
	}
	waitForwarded(t, c, rn, int64(len(known)))
	// The relay marks a batch forwarded when the central's receipts are
	// back, a moment after the central stored it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := rn.store.Stats(ctx)
		if err == nil && st.Unforwarded == int64(len(waiting)) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("relay: %d unforwarded (%v), want the %d of the unknown form", st.Unforwarded, err, len(waiting))
		}
	}
	if _, err := c.srv.Publish(ctx, newForm); err != nil {
		t.Fatal(err)
	}
	waitForwarded(t, c, rn, int64(len(known)+len(waiting)))
	ids := map[string]bool{}
	for _, iv := range append(waiting, known...) {
		ids[iv.ID] = true
	}
	verifyCentral(t, c.store, ids)
}

// TestRelayUpstreamRefusals: the upstream refuses the relay's batches for
// reasons that are not about the interviews: it derives another
// compression dictionary (another Sira version), or the link damaged the
// frames for a while (400 corrupt). The relay must neither split them
// down to "invalid" and take them out of its outbox (they would never
// reach the office) nor give up: every interview arrives once.
func TestRelayUpstreamRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(f *wire.Frame, n int64) wire.Code // "" lets the batch through
	}{
		{"dictionary", func(f *wire.Frame, _ int64) wire.Code {
			if f.Flags&wire.FlagDict != 0 {
				return wire.CodeDictionary
			}
			return ""
		}},
		{"corrupt for a while", func(_ *wire.Frame, n int64) wire.Code {
			if n <= 12 {
				return wire.CodeCorrupt
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			c := startCentral(t, filepath.Join(dir, "central.db"))
			var batches atomic.Int64
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == wire.PathBatchV2 {
					body, _ := io.ReadAll(r.Body)
					r.Body = io.NopCloser(bytes.NewReader(body))
					if f, err := wire.ParseFrame(body, wire.DefaultLimits); err == nil {
						if code := tc.fault(f, batches.Add(1)); code != "" {
							w.Header().Set("Content-Type", "application/json")
							w.WriteHeader(wire.StatusOf(code))
							fmt.Fprintf(w, `{"error":{"code":%q,"message":"refused by the test's front"}}`, code)
							return
						}
					}
				}
				c.srv.ServeHTTP(w, r)
			}))
			defer front.Close()
			rn := startRelay(t, filepath.Join(dir, "relay.db"), front.URL, c.relayToken(t, "relay"))
			defer rn.stop()
			ivs := simulated(t, 20, 15, "fanta")
			l := newLaptop(t, dir, "fanta", ivs)
			secret, _, err := intake.CreateToken(ctx, rn.store, "fanta", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			syncUntilDone(t, ctx, newClient(t, "http://"+rn.ln.Addr().String(), secret, true), l, 5)
			waitForwarded(t, c, rn, int64(len(ivs)))
			ids := map[string]bool{}
			for _, iv := range ivs {
				ids[iv.ID] = true
			}
			verifyCentral(t, c.store, ids)
		})
	}
}
