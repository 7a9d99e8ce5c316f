package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"sira/sync/client"
	"sira/sync/wire"
)

// TestDictionaryFallback: a server that derives another dictionary from the
// form (another Sira version) refuses dictionary-compressed batches with
// dictionary_mismatch; the client re-sends them without the dictionary and
// every interview is stored once. The real intake server stands behind a
// front that plays the other version's refusal.
func TestDictionaryFallback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	var refused, plain atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == wire.PathBatchV2 {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if f, err := wire.ParseFrame(body, wire.DefaultLimits); err == nil {
				if f.Flags&wire.FlagDict != 0 {
					refused.Add(1)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(wire.StatusOf(wire.CodeDictionary))
					w.Write([]byte(`{"error":{"code":"dictionary_mismatch","message":"unknown dictionary"}}`))
					return
				}
				plain.Add(1)
			}
		}
		c.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	l := newLaptop(t, dir, "awa", simulated(t, 30, 4, "awa"))
	cl := newClient(t, front.URL, c.token(t, "awa"), true, client.BatchPolicy{Start: 10, Min: 10, Max: 10})
	res, err := cl.Sync(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Acknowledged != 30 || len(res.Quarantined) != 0 {
		t.Fatalf("acknowledged %d, quarantined %v", res.Acknowledged, res.Quarantined)
	}
	// The batches in flight when the first refusal arrives (the window,
	// 2) are refused; each is re-sent whole, none split.
	if n := refused.Load(); n < 1 || n > 2 || plain.Load() != 3 {
		t.Errorf("%d batches refused, %d sent without the dictionary; want 1 or 2, and 3", n, plain.Load())
	}
	ids := map[string]bool{}
	for _, id := range l.ids {
		ids[id] = true
	}
	verifyCentral(t, c.store, ids)
}
