package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sira/sync/client"
	"sira/sync/wire"
)

// corruptingProxy forwards to target and flips one byte in the body of the
// next n batch requests: damage in transit that the frame's CRC catches.
type corruptingProxy struct {
	url string
	n   atomic.Int64
}

func startCorruptingProxy(t *testing.T, target string) *corruptingProxy {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	p := &corruptingProxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		if r.In.URL.Path != wire.PathBatchV2 || p.n.Add(-1) < 0 {
			return
		}
		b, err := io.ReadAll(r.In.Body)
		if err != nil {
			return
		}
		b[len(b)-1] ^= 0x55 // in the payload: the CRC no longer matches
		r.Out.Body = io.NopCloser(bytes.NewReader(b))
		r.Out.ContentLength = int64(len(b))
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	p.url = "http://" + ln.Addr().String()
	return p
}

// TestCorruptInTransitNotRemembered: a batch damaged on the way (the
// server answers 400 corrupt) is narrowed down to single interviews and
// held back for the session, but not remembered as refused: the damage
// was the link's, not the content's, so the next session on a clean link
// delivers every interview. Remembering it would leave the finalized
// interview on the laptop for ever, never sent: lost to the office.
func TestCorruptInTransitNotRemembered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	px := startCorruptingProxy(t, c.addr())
	ivs := simulated(t, 4, 21, "flip")
	l := newLaptop(t, dir, "flip", ivs)
	cl := newClient(t, px.url, c.token(t, "flip"), true, client.BatchPolicy{Start: 4, Max: 4})

	px.n.Store(1 << 20) // every batch of the first session is damaged
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Quarantined) != len(ivs) || res.Acknowledged != 0 {
		t.Fatalf("damaged session: acknowledged %d, quarantined %d; want 0 and %d", res.Acknowledged, len(res.Quarantined), len(ivs))
	}

	px.n.Store(0) // the link is clean again
	res, err = cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != len(ivs) || res.Acknowledged != len(ivs) || len(res.Quarantined) != 0 {
		t.Errorf("clean session: sent %d, acknowledged %d, quarantined %d; want %d, %d, 0",
			res.Sent, res.Acknowledged, len(res.Quarantined), len(ivs), len(ivs))
	}
	if n := l.pending(t); n != 0 {
		t.Errorf("%d interviews still pending on a clean link", n)
	}
	ids := map[string]bool{}
	for _, iv := range ivs {
		ids[iv.ID] = true
	}
	verifyCentral(t, c.store, ids)
}
