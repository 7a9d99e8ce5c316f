package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/intake"
	"sira/sync/intake/intaketest"
	"sira/sync/wire"

	"github.com/klauspost/compress/zstd"
)

// tokenFor makes another device token on e's store.
func (e *env) tokenFor(enumerator string) string {
	e.t.Helper()
	secret, _, err := intake.CreateToken(context.Background(), e.store, enumerator, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// send posts ivs in one frame with token and returns the receipts.
func (e *env) send(token string, ivs ...*survey.Interview) []wire.Receipt {
	e.t.Helper()
	rs, _, err := intaketest.PostFrame(http.DefaultClient, e.http.URL, token, e.codec, e.frame(ivs))
	if err != nil {
		e.t.Fatalf("batch: %v", err)
	}
	return rs
}

// TestTokenActsOnlyAsItsEnumerator: each of the impersonations,
// sent over a real loopback server, is refused with a receipt saying why
// and stores nothing; the genuine laptop's interview is unharmed.
func TestTokenActsOnlyAsItsEnumerator(t *testing.T) {
	e := newEnv(t, intake.Config{})
	eve := e.tokenFor("eve")
	awa := e.interviews(3, 31)

	// awa's token files an interview as bob.
	asBob := *awa[0]
	asBob.Enumerator = "bob"
	if rs := e.send(e.token, &asBob); rs[0].Status != wire.Invalid || !strings.Contains(rs[0].Reason, "device token") {
		t.Errorf("awa's token filing as bob: %+v", rs[0])
	}
	// awa's genuine interview is stored; eve's token, claiming eve,
	// replaces it with revision 2: refused, awa's stays current.
	if rs := e.send(e.token, awa[0]); rs[0].Status != wire.Stored {
		t.Fatalf("awa's interview: %+v", rs[0])
	}
	takeover := *awa[0]
	takeover.Enumerator, takeover.Revision = "eve", 2
	takeover.Data = &survey.Record{Values: map[string]string{"/data/age": "77"}}
	if rs := e.send(eve, &takeover); rs[0].Status != wire.Invalid || !strings.Contains(rs[0].Reason, `belongs to enumerator "awa"`) {
		t.Errorf("eve taking over awa's id: %+v", rs[0])
	}
	// eve's token cannot file it as awa either.
	takeover.Enumerator = "awa"
	if rs := e.send(eve, &takeover); rs[0].Status != wire.Invalid {
		t.Errorf("eve's token filing as awa: %+v", rs[0])
	}
	subs, err := e.store.Submissions(context.Background(), awa[0].ID)
	if err != nil || len(subs) != 1 || subs[0].Enumerator != "awa" || !subs[0].Current {
		t.Errorf("awa's interview after the attempts: %+v, %v", subs, err)
	}
	// An id locked at revision 2^31−1 would leave the real laptop's
	// revision 1 "superseded" for ever: a first revision far ahead is refused.
	lock := *awa[1]
	lock.Revision = 1<<31 - 1
	if rs := e.send(e.token, &lock); rs[0].Status != wire.Invalid {
		t.Errorf("revision 2^31-1 of a new id: %+v", rs[0])
	}
	if rs := e.send(e.token, awa[1]); rs[0].Status != wire.Stored {
		t.Errorf("the real revision 1 after the lock attempt: %+v", rs[0])
	}
	// Revisions advance by one from the holder: 1 → 3 is refused, 1 → 2
	// from the same enumerator on another device is accepted.
	skip := *awa[1]
	skip.Revision = 3
	if rs := e.send(e.token, &skip); rs[0].Status != wire.Invalid || !strings.Contains(rs[0].Reason, "skips ahead") {
		t.Errorf("revision 3 over 1: %+v", rs[0])
	}
	next := *awa[1]
	next.Revision, next.DeviceID = 2, "dev2"
	next.Data = &survey.Record{Values: map[string]string{"/data/age": "33"}}
	if rs := e.send(e.tokenFor("awa"), &next); rs[0].Status != wire.Updated {
		t.Errorf("revision 2 from awa's other laptop: %+v", rs[0])
	}
	// Ids are uuids: the dashboard's links are built from them.
	odd := *awa[2]
	odd.ID = "x/../../settings/targets?"
	if rs := e.send(e.token, &odd); rs[0].Status != wire.Invalid || !strings.Contains(rs[0].Reason, "uuid") {
		t.Errorf("id %q: %+v", odd.ID, rs[0])
	}
}

// TestTextLimits: names and answers over their limits are refused on
// intake (three 512-byte frames carrying 5 MB names made every page 30 MB).
func TestTextLimits(t *testing.T) {
	e := newEnv(t, intake.Config{})
	ivs := e.interviews(4, 32)
	long := strings.Repeat("n", 200<<10)
	ivs[0].DeviceID = long
	ivs[1].Data.Values["/data/post"] = long
	ivs[2].Data.Values["/data/age"] = strings.Repeat("9", 300)
	rs := e.send(e.token, ivs...)
	for i, want := range []wire.ReceiptStatus{wire.Invalid, wire.Invalid, wire.Invalid, wire.Stored} {
		if rs[i].Status != want {
			t.Errorf("interview %d: %s (%s), want %s", i, rs[i].Status, rs[i].Reason, want)
		}
	}
	if !strings.Contains(rs[2].Reason, "/data/age") {
		t.Errorf("an over-long integer's reason: %q", rs[2].Reason)
	}
}

// TestRelayTokenScope: a relay token forwards any enumerator's interviews
// of its posts, and nothing else; a device token cannot forward others'.
func TestRelayTokenScope(t *testing.T) {
	e := newEnv(t, intake.Config{PostField: "post"})
	ctx := context.Background()
	secret, tok, err := intake.CreateRelayToken(ctx, e.store, "gogui-relay", []string{"Gogui"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != intake.TokenRelay || tok.Relay != "gogui-relay" {
		t.Fatalf("relay token %+v", tok)
	}
	ivs := e.interviews(2, 33)
	ivs[0].Enumerator, ivs[1].Enumerator = "bina", "dede"
	ivs[0].Data.Values["/data/post"], ivs[1].Data.Values["/data/post"] = "Gogui", "Kidal"
	rs := e.send(secret, ivs...)
	if rs[0].Status != wire.Stored || rs[1].Status != wire.Invalid || !strings.Contains(rs[1].Reason, "forwards only for posts") {
		t.Errorf("relay scoped to Gogui: %+v", rs)
	}
	all, _, err := intake.CreateRelayToken(ctx, e.store, "central-relay", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rs := e.send(all, ivs[1]); rs[0].Status != wire.Stored {
		t.Errorf("relay for every post: %+v", rs[0])
	}
}

// TestRevocationStopsRunningRequest: a token revoked while its batch is
// on its way stores nothing (revocation takes effect at the next batch,
// even one already being received).
func TestRevocationStopsRunningRequest(t *testing.T) {
	e := newEnv(t, intake.Config{})
	frame := e.frame(e.interviews(3, 34))
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", e.http.URL+wire.PathBatchV2, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{0, err}
			return
		}
		resp.Body.Close()
		done <- result{resp.StatusCode, nil}
	}()
	pw.Write(frame[:wire.HeaderSize+1]) // the request is authenticated and running
	time.Sleep(100 * time.Millisecond)
	if n, err := e.store.RevokeTokens(context.Background(), e.tok.ID, "", time.Now()); n != 1 || err != nil {
		t.Fatalf("revoke: %d %v", n, err)
	}
	pw.Write(frame[wire.HeaderSize+1:])
	pw.Close()
	r := <-done
	if r.err != nil || r.status != http.StatusUnauthorized {
		t.Errorf("batch finished after its token was revoked: %d %v", r.status, r.err)
	}
	if n := e.count(); n != 0 {
		t.Errorf("%d interviews stored with a revoked token", n)
	}
}

// TestTokenFailuresLimited: guessing tokens from one address meets 429
// after a burst, and every refusal is logged with its source.
func TestTokenFailuresLimited(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, intake.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	codes := map[int]int{}
	for i := range 40 {
		r := e.do("POST", wire.PathOfferV2, []byte{0, 0, 0, 0}, map[string]string{"Authorization": fmt.Sprintf("Bearer sira_guess%d", i)})
		codes[r.status]++
	}
	if codes[http.StatusUnauthorized] == 0 || codes[http.StatusTooManyRequests] < 20 {
		t.Errorf("40 guessed tokens: %v, want a few 401 then 429", codes)
	}
	if !strings.Contains(logs.String(), "token refused") || !strings.Contains(logs.String(), "source=127.0.0.1") {
		t.Errorf("refused tokens not logged with their source:\n%.500s", logs.String())
	}
	// Behind a trusted proxy the source is the forwarded address: another
	// client behind the same proxy is not held back.
	p := newEnv(t, intake.Config{TrustedProxies: mustProxies(t, "127.0.0.1/32")})
	for i := range 30 {
		p.do("POST", wire.PathOfferV2, []byte{0, 0, 0, 0}, map[string]string{"Authorization": fmt.Sprintf("Bearer sira_guess%d", i), "X-Forwarded-For": "203.0.113.9"})
	}
	if r := p.do("POST", wire.PathOfferV2, []byte{0, 0, 0, 0}, map[string]string{"X-Forwarded-For": "203.0.113.10"}); r.status != http.StatusOK {
		t.Errorf("another client behind the proxy: %d %s", r.status, r.body)
	}
}

func mustProxies(t *testing.T, s string) intake.Proxies {
	t.Helper()
	p, err := intake.ParseProxies(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAttachmentAbuse: chunks for attachments nobody offered, compressed
// chunks, uploads over a token's quota and abandoned uploads.
func TestAttachmentAbuse(t *testing.T) {
	// The store stamps uploads with its own clock: a real one here.
	e := newEnv(t, intake.Config{AttachmentQuota: 4 << 10, UploadTTL: time.Second})
	sha := func(i int) string { return fmt.Sprintf("%064x", i+1) }
	put := func(s string, off, size int, body []byte, hdr map[string]string) response {
		return e.do("PUT", fmt.Sprintf("%s%s?offset=%d&size=%d", wire.PathAttachment, s, off, size), body, hdr)
	}
	// Never offered: refused, nothing held.
	if r := put(sha(0), 0, 3000, make([]byte, 1000), nil); r.status != http.StatusForbidden {
		t.Errorf("chunk of an attachment never offered: %d %s", r.status, r.body)
	}
	e.offer(wire.Offer{Items: []wire.Item{}, Attachments: []string{sha(0), sha(1), sha(2)}})
	// Compressed: 1.7 KB on the wire once stored 8 MiB.
	var z bytes.Buffer
	z.Write(zstdOf(t, make([]byte, 8<<20)))
	if r := put(sha(0), 0, 8<<20, z.Bytes(), map[string]string{"Content-Encoding": "zstd"}); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("compressed chunk: %d %s", r.status, r.body)
	}
	// Quota of 4 KiB: 3 KB held in one unfinished upload, the next 3 KB refused.
	if r := put(sha(0), 0, 10000, make([]byte, 3000), nil); r.status != http.StatusOK {
		t.Fatalf("first chunk: %d %s", r.status, r.body)
	}
	if r := put(sha(1), 0, 10000, make([]byte, 3000), nil); r.status != http.StatusTooManyRequests {
		t.Errorf("chunk over the token's quota: %d %s", r.status, r.body)
	}
	// Abandoned for longer than the TTL: deleted at the next upload.
	time.Sleep(1500 * time.Millisecond)
	e.offer(wire.Offer{Items: []wire.Item{}, Attachments: []string{sha(2)}})
	if r := put(sha(2), 0, 10000, make([]byte, 3000), nil); r.status != http.StatusOK {
		t.Errorf("chunk after the abandoned upload expired: %d %s", r.status, r.body)
	}
	if off, _, err := e.store.AttachmentState(context.Background(), sha(0)); err != nil || off != 0 {
		t.Errorf("abandoned upload still holds %d bytes (%v)", off, err)
	}
}

func zstdOf(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// TestStalledBodyCut: a client that sends a frame header and part of its
// payload, then nothing, is cut after IdleRead (a 64 kbit/s link sends
// continuously; 150 stalled connections once held 3 GB for 30 minutes).
func TestStalledBodyCut(t *testing.T) {
	e := newEnv(t, intake.Config{IdleRead: 500 * time.Millisecond})
	frame := e.frame(e.interviews(20, 35))
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequest("POST", e.http.URL+wire.PathBatchV2, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	pw.Write(frame[:len(frame)/2]) // then nothing, connection held open
	select {
	case status := <-done:
		if status == http.StatusOK {
			t.Errorf("a stalled batch was answered 200")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a stalled request body held the server for 5 s (idle timeout 500 ms)")
	}
}
