package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sira/sync/client"
	"sira/sync/wire"
)

var fast = client.Retry{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond, Timeout: 2 * time.Second}

// TestRetryPolicy: which answers are retried, how often, and what the
// caller gets back.
func TestRetryPolicy(t *testing.T) {
	offer := wire.Offer{Items: []wire.Item{{ID: "uuid:00000000-0000-4000-8000-000000000001", Revision: 1,
		Hash: "sha256:" + strings.Repeat("0", 64), FormHash: "sha256:" + strings.Repeat("1", 64)}}}
	answer, err := wire.MarshalOfferReply(offer, wire.OfferReply{Need: offer.Items})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter) { w.Write(answer) }
	fail := func(w http.ResponseWriter, code wire.Code) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(wire.StatusOf(code))
		w.Write([]byte(`{"error":{"code":"` + string(code) + `","message":"x"}}`))
	}
	tests := []struct {
		name      string
		answer    func(n int, w http.ResponseWriter) // n: 1-based attempt
		wantCalls int
		wantErr   error     // errors.Is target, nil for success
		wantCode  wire.Code // with a *wire.Error
	}{
		{"OK", func(n int, w http.ResponseWriter) { ok(w) }, 1, nil, ""},
		{"503ThenOK", func(n int, w http.ResponseWriter) {
			if n < 3 {
				fail(w, wire.CodeUnavailable)
				return
			}
			ok(w)
		}, 3, nil, ""},
		{"500Always", func(n int, w http.ResponseWriter) { fail(w, wire.CodeInternal) }, 4, client.ErrGaveUp, wire.CodeInternal},
		{"429ThenOK", func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.Header().Set("Retry-After", "1") // capped by Retry.Max
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			ok(w)
		}, 2, nil, ""},
		{"400NotRetried", func(n int, w http.ResponseWriter) { fail(w, wire.CodeBadRequest) }, 1, nil, wire.CodeBadRequest},
		{"401NotRetried", func(n int, w http.ResponseWriter) { fail(w, wire.CodeUnauthorized) }, 1, nil, wire.CodeUnauthorized},
		{"TruncatedReplyRetried", func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.Write(answer[:1])
				return
			}
			ok(w)
		}, 2, nil, ""},
		{"ProxyErrorPage", func(n int, w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		}, 4, client.ErrGaveUp, wire.CodeInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get(wire.HeaderProtocol) != strconv.Itoa(wire.ProtocolVersion) {
					t.Errorf("request without token or protocol header: %v", r.Header)
				}
				tc.answer(int(calls.Add(1)), w)
			}))
			defer srv.Close()
			cl, err := client.New(client.Config{URL: srv.URL, Token: "tok", Retry: fast})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			_, err = cl.Offer(context.Background(), offer)
			if time.Since(t0) > 2*time.Second {
				t.Errorf("took %v: the Retry-After cap or backoff bound failed", time.Since(t0))
			}
			if got := int(calls.Load()); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
			if tc.wantErr == nil && tc.wantCode == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if got := wire.ErrorCode(err); got != tc.wantCode {
				t.Errorf("code %q, want %q (err %v)", got, tc.wantCode, err)
			}
		})
	}
}

// TestContextCancelsBackoff: a cancelled context ends the retry wait at once.
func TestContextCancelsBackoff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cl, err := client.New(client.Config{URL: srv.URL, Retry: client.Retry{Attempts: 100, Base: time.Hour, Max: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err = cl.Offer(ctx, wire.Offer{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if el := time.Since(t0); el > time.Second {
		t.Errorf("returned after %v", el)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "intake.example", "ftp://x", "http://"} {
		if _, err := client.New(client.Config{URL: u}); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
}
