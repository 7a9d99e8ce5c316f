package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"sira/sync/wire"
)

// Retry is the retry policy of one request. Zero fields take the defaults
// shown; tests shrink the intervals.
type Retry struct {
	// Attempts bounds the tries of one request (default 8).
	Attempts int
	// Base is the first backoff ceiling; it doubles after each failure
	// (default 500ms). The wait is drawn uniformly in [0, ceiling) (full
	// jitter), so laptops coming back online together do not retry in step.
	Base time.Duration
	// Max caps the backoff ceiling and any Retry-After the server sends
	// (default 30s).
	Max time.Duration
	// Timeout is the floor of one request's deadline (default 30s).
	Timeout time.Duration
	// MinRate is the slowest link speed (bytes/s) assumed when a request's
	// deadline is stretched for its size (default 1000 B/s, 8 kbit/s): a
	// large batch on a slow link is not mistaken for a dead connection.
	MinRate int
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 30 * time.Second
	}
	if r.Timeout <= 0 {
		r.Timeout = 30 * time.Second
	}
	if r.MinRate <= 0 {
		r.MinRate = 1000
	}
	return r
}

// backoff returns the wait before retry number n (0-based): full jitter
// under an exponentially growing ceiling.
func (r Retry) backoff(n int) time.Duration {
	ceil := r.Base << min(n, 20)
	if ceil <= 0 || ceil > r.Max {
		ceil = r.Max
	}
	return rand.N(ceil) + 1
}

// ResponseError is a non-2xx answer from the server: its HTTP status and
// the application error of its body. errors.As(err, **wire.Error) works
// through it.
type ResponseError struct {
	Method, Path string
	Status       int
	Err          *wire.Error
}

// Error implements error.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s: %d %v", e.Method, e.Path, e.Status, e.Err)
}

// Unwrap returns the *wire.Error.
func (e *ResponseError) Unwrap() error { return e.Err }

// Retryable reports whether the request may succeed if sent again.
func (e *ResponseError) Retryable() bool { return wire.Retryable(e.Status) }

// transientError marks a failure with no server verdict: a network error, a
// timeout, a truncated or undecodable response.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// ErrGaveUp wraps the last error when a request failed transiently on every
// attempt; the next sync resumes where this one stopped.
var ErrGaveUp = errors.New("gave up after retries")

var (
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	zdec, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(64<<20), zstd.WithDecoderConcurrency(0))
)

// conn is the HTTP side of a client: base URL, token, policy and counters.
type conn struct {
	base    string
	token   string
	http    *http.Client
	retry   Retry
	log     *slog.Logger
	sent    atomic.Int64 // request body bytes
	recv    atomic.Int64 // response body bytes
	retries atomic.Int64
}

// request is one API call: a body sent as is on every attempt.
type request struct {
	method, path, ctype string
	body                []byte
	encoded             bool    // body is zstd-compressed (Content-Encoding)
	out                 any     // JSON destination of a 2xx body, or nil
	raw                 *[]byte // destination of a 2xx body as is (compact answers), or nil
	plainReply          bool    // the answer is too small to gain from compression: no Accept-Encoding
	noProtocol          bool    // the body states the protocol version (a frame): no Sira-Protocol header
}

// do sends req with the retry policy. It returns the number of attempts
// that ended in a transient failure (the batch sizer reads it) and the
// final error: a *ResponseError for a verdict, ErrGaveUp-wrapped for
// exhausted retries, or ctx's error.
func (c *conn) do(ctx context.Context, req request) (transient int, err error) {
	for attempt := 0; ; attempt++ {
		hdr, err := c.once(ctx, req)
		if err == nil {
			return transient, nil
		}
		if ctx.Err() != nil {
			return transient, ctx.Err()
		}
		var re *ResponseError
		wait := time.Duration(0)
		switch {
		case errors.As(err, &re) && !re.Retryable():
			return transient, err
		case certificateRefused(err):
			// Another server, or its certificate changed: asking again
			// gets the same certificate.
			return transient, err
		case errors.As(err, &re) && re.Status == http.StatusInsufficientStorage:
			// The office's disk is full: retrying within this session
			// cannot help; the message says what the office must do.
			return transient, err
		case errors.As(err, &re):
			wait = retryAfter(hdr, c.retry.Max)
		}
		transient++
		if attempt+1 >= c.retry.Attempts {
			return transient, fmt.Errorf("%s %s: %w: %w", req.method, req.path, ErrGaveUp, err)
		}
		c.retries.Add(1)
		if wait == 0 {
			wait = c.retry.backoff(attempt)
		}
		c.log.Debug("sync: retrying", "method", req.method, "path", req.path, "attempt", attempt+1, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return transient, ctx.Err()
		case <-t.C:
		}
	}
}

func retryAfter(h http.Header, max time.Duration) time.Duration {
	if h == nil {
		return 0
	}
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, max)
}

// once sends req once, under a deadline stretched for the body's size.
func (c *conn) once(ctx context.Context, req request) (http.Header, error) {
	timeout := c.retry.Timeout + time.Duration(len(req.body))*time.Second/time.Duration(c.retry.MinRate)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.method, c.base+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	if !req.noProtocol {
		hr.Header.Set(wire.HeaderProtocol, strconv.Itoa(wire.ProtocolVersion))
	}
	// No User-Agent: on a slow link every header byte of every request
	// counts, and the server does not read it.
	hr.Header.Set("User-Agent", "")
	if c.token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	if req.ctype != "" {
		hr.Header.Set("Content-Type", req.ctype)
	}
	if req.encoded {
		hr.Header.Set("Content-Encoding", "zstd")
	}
	// Asking explicitly turns off Go's transparent gzip; replies come
	// zstd-compressed from Sira servers and plain from anything else.
	if !req.plainReply {
		hr.Header.Set("Accept-Encoding", "zstd")
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, &transientError{fmt.Errorf("%s %s: %w", req.method, req.path, err)}
	}
	defer resp.Body.Close()
	c.sent.Add(int64(len(req.body)))
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	c.recv.Add(int64(len(body)))
	if err != nil {
		return resp.Header, &transientError{fmt.Errorf("%s %s: read response: %w", req.method, req.path, err)}
	}
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "zstd") {
		if body, err = zdec.DecodeAll(body, nil); err != nil {
			return resp.Header, &transientError{fmt.Errorf("%s %s: undecodable response: %w", req.method, req.path, err)}
		}
	}
	if resp.StatusCode/100 != 2 {
		var eb wire.ErrorBody
		if json.Unmarshal(body, &eb) != nil || eb.Error == nil {
			// Not our server's JSON (a proxy's error page, a cut body).
			eb.Error = wire.Errorf(codeFor(resp.StatusCode), "HTTP %d: %s", resp.StatusCode, snippet(body))
		}
		return resp.Header, &ResponseError{Method: req.method, Path: req.path, Status: resp.StatusCode, Err: eb.Error}
	}
	if req.raw != nil {
		*req.raw = body
	}
	if req.out != nil {
		if err := json.Unmarshal(body, req.out); err != nil {
			// A 2xx whose body was cut: the server may have acted, but
			// every call is idempotent, so asking again is safe.
			return resp.Header, &transientError{fmt.Errorf("%s %s: undecodable response: %w", req.method, req.path, err)}
		}
	}
	return resp.Header, nil
}

func codeFor(status int) wire.Code {
	switch status {
	case http.StatusUnauthorized:
		return wire.CodeUnauthorized
	case http.StatusNotFound:
		return wire.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		return wire.CodeTooLarge
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return wire.CodeUnavailable
	}
	if status >= 500 {
		return wire.CodeInternal
	}
	return wire.CodeBadRequest
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func (c *conn) postJSON(ctx context.Context, path string, in, out any) (int, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	// Offers are ids and hashes in hex: compressing halves them.
	encoded := len(body) >= 256
	if encoded {
		body = zenc.EncodeAll(body, nil)
	}
	return c.do(ctx, request{method: http.MethodPost, path: path, ctype: "application/json", body: body, out: out, encoded: encoded})
}

// postCompact posts a compact binary body (zstd-coded when that saves
// bytes) and returns the 2xx answer's bytes.
func (c *conn) postCompact(ctx context.Context, path string, body []byte) ([]byte, int, error) {
	encoded := false
	if len(body) >= 256 {
		if z := zenc.EncodeAll(body, nil); len(z) < len(body) {
			body, encoded = z, true
		}
	}
	var out []byte
	transient, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, encoded: encoded, raw: &out})
	return out, transient, err
}

// certificateRefused reports whether err is the server's certificate
// failing this client's check (chain, dates, names or the pin).
func certificateRefused(err error) bool {
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn) ||
		strings.Contains(err.Error(), errPinMismatch)
}
