package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/intake/sqlite"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

// env is a running intake server on a real SQLite file and a real loopback
// HTTP listener, with a published form and a valid token.
type env struct {
	t     testing.TB
	store *sqlite.Store
	srv   *intake.Server
	http  *httptest.Server
	form  *forms.Form
	codec *wire.Codec
	token string
	tok   intake.Token
}

func newEnv(tb testing.TB, cfg intake.Config) *env {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "intake.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	cfg.Store = st
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := intake.New(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f := wiretest.Form("1")
	if _, err := srv.Publish(ctx, f); err != nil {
		tb.Fatal(err)
	}
	codec, err := srv.Codec(f.Hash)
	if err != nil {
		tb.Fatal(err)
	}
	secret, tok, err := intake.CreateToken(ctx, st, "awa", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	return &env{t: tb, store: st, srv: srv, http: hs, form: f, codec: codec, token: secret, tok: tok}
}

// interviews returns n interviews of the env's published form. The form's
// hash changed when Publish canonicalised it, so they are built after.
func (e *env) interviews(n int, seed uint64) []*survey.Interview {
	return wiretest.Interviews(e.form, n, seed, "awa", "dev1")
}

func (e *env) frame(ivs []*survey.Interview) []byte {
	e.t.Helper()
	b, err := e.codec.Encode(nil, ivs)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) errCode() wire.Code {
	var eb wire.ErrorBody
	if json.Unmarshal(r.body, &eb) != nil || eb.Error == nil {
		return ""
	}
	return eb.Error.Code
}

func (e *env) do(method, path string, body []byte, hdr map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set(wire.HeaderProtocol, fmt.Sprint(wire.ProtocolVersion))
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp.StatusCode, b, resp.Header}
}

func (e *env) batch(frame []byte) []wire.Receipt {
	e.t.Helper()
	rs, _, err := intaketest.PostFrame(http.DefaultClient, e.http.URL, e.token, e.codec, frame)
	if err != nil {
		e.t.Fatalf("batch: %v", err)
	}
	return rs
}

// offer posts off as the compact offer and returns the answer.
func (e *env) offer(off wire.Offer) (*wire.OfferReply, response) {
	e.t.Helper()
	b, err := wire.MarshalOffer(off)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.do("POST", wire.PathOfferV2, b, nil)
	if r.status != 200 {
		return nil, r
	}
	rep, err := wire.UnmarshalOfferReply(off, r.body)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep, r
}

func (e *env) postJSON(path string, in, out any) response {
	e.t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.do("POST", path, b, nil)
	if r.status == 200 && out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			e.t.Fatal(err)
		}
	}
	return r
}

func (e *env) count() int64 {
	e.t.Helper()
	n, err := e.store.CountSubmissions(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func statuses(rs []wire.Receipt) []wire.ReceiptStatus {
	out := make([]wire.ReceiptStatus, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
