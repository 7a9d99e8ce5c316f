package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sira/sync/wire"
)

// Config configures a Client. URL is required; zero values elsewhere give
// the production defaults.
type Config struct {
	URL   string // the intake server's base URL, e.g. "https://intake.example.org"
	Token string // device token (sent as a bearer token)
	// HTTP is the HTTP client; nil uses one with sane connection timeouts.
	// Per-request deadlines come from Retry, not from HTTP.Timeout.
	HTTP   *http.Client
	Logger *slog.Logger // slog.Default() when nil; answers are never logged
	Retry  Retry
	Batch  BatchPolicy
	// ChunkSize is the size of one attachment upload chunk (default 256 KiB):
	// a cut connection costs at most one chunk.
	ChunkSize int
	// OfferChunk is the number of interviews offered at a time (default
	// 250); the next offer travels while the previous one's batches upload.
	OfferChunk int
	// Progress, when set, is called as the session advances (from the
	// goroutine running Sync).
	Progress func(Progress)
	// TLS says how an https server's certificate is trusted (ignored when
	// HTTP is set).
	TLS TLS
}

// BatchPolicy sizes batches to the link: start small, double after a batch
// that went through quickly, halve after one that timed out or was too large.
type BatchPolicy struct {
	Start int // first batch size (default 10)
	Min   int // never below (default 1)
	Max   int // never above (default 1000, bounded by wire.DefaultLimits.MaxCount)
	// Target is how long one batch should take on the wire (default 5s):
	// faster than half of it doubles the size, slower than twice it halves.
	Target time.Duration
	// Window is the number of batches in flight at once (default 2): the
	// next batch uploads while the previous one's receipts come back.
	Window int
}

func (b BatchPolicy) withDefaults() BatchPolicy {
	if b.Min <= 0 {
		b.Min = 1
	}
	if b.Max <= 0 {
		b.Max = 1000
	}
	b.Max = min(b.Max, wire.DefaultLimits.MaxCount)
	if b.Start <= 0 {
		b.Start = 10
	}
	b.Start = min(max(b.Start, b.Min), b.Max)
	if b.Target <= 0 {
		b.Target = 5 * time.Second
	}
	if b.Window <= 0 {
		b.Window = 2
	}
	return b
}

// Progress is a snapshot of a running session.
type Progress struct {
	Phase      string // "offer", "attachments", "batches", "downstream", "done"
	Interviews int    // interviews decided so far (acknowledged or quarantined)
	Total      int    // interviews offered
	Bytes      int64  // request and response body bytes so far
	ToSend     int64  // estimate of the bytes still to upload (0 when unknown)
}

// Client talks to one intake server. It is safe for concurrent use by the
// low-level calls; one Sync at a time per store.
type Client struct {
	c          *conn
	batch      BatchPolicy
	chunk      int
	offerChunk int
	progress   func(Progress)
	log        *slog.Logger
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sync: server URL %q: want http(s)://host[:port]", cfg.URL)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	hc := cfg.HTTP
	if hc == nil {
		tc, err := cfg.TLS.config()
		if err != nil {
			return nil, err
		}
		hc = &http.Client{Transport: &http.Transport{
			TLSClientConfig:       tc,
			Proxy:                 http.ProxyFromEnvironment,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: 0, // the per-request deadline covers it
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
			DisableCompression:    true, // the client asks for zstd where it pays
		}}
	}
	chunk := cfg.ChunkSize
	if chunk <= 0 {
		chunk = 256 << 10
	}
	offerChunk := cfg.OfferChunk
	if offerChunk <= 0 {
		offerChunk = 250
	}
	return &Client{
		c:     &conn{base: strings.TrimRight(cfg.URL, "/"), token: cfg.Token, http: hc, retry: cfg.Retry.withDefaults(), log: log},
		batch: cfg.Batch.withDefaults(), chunk: chunk, offerChunk: offerChunk, progress: cfg.Progress, log: log,
	}, nil
}

// URL returns the server's base URL.
func (cl *Client) URL() string { return cl.c.base }

// Traffic returns the request and response body bytes sent and received
// so far, and the number of retries.
func (cl *Client) Traffic() (sent, received, retries int64) {
	return cl.c.sent.Load(), cl.c.recv.Load(), cl.c.retries.Load()
}

// Offer asks the server what it lacks among off's items and attachments.
// Errors: *ResponseError (CodeUnauthorized, CodeTooLarge, CodeBadRequest…),
// ErrGaveUp, ctx's error.
func (cl *Client) Offer(ctx context.Context, off wire.Offer) (*wire.OfferReply, error) {
	body, err := wire.MarshalOffer(off)
	if err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	for attempt := 0; ; attempt++ {
		out, _, err := cl.c.postCompact(ctx, wire.PathOfferV2, body)
		if err != nil {
			return nil, err
		}
		rep, err := wire.UnmarshalOfferReply(off, out)
		if err == nil {
			return rep, nil
		}
		// A cut or garbled answer: offers store nothing, so ask again.
		if attempt+1 >= cl.c.retry.Attempts {
			return nil, fmt.Errorf("POST %s: %w: undecodable answer: %w", wire.PathOfferV2, ErrGaveUp, err)
		}
	}
}

// SendFrame posts one encoded interview frame holding items (in frame
// order) and returns their receipts, which the server gives by position
// (protocol version 2). transient is the number of attempts that failed
// transiently before the verdict (the batch sizer halves on it). Errors:
// *ResponseError (CodeTooLarge, CodeCorrupt, CodeHashMismatch,
// CodeUnknownForm…), ErrGaveUp, ctx's error.
func (cl *Client) SendFrame(ctx context.Context, frame []byte, items []wire.Item) (receipts []wire.Receipt, transient int, err error) {
	for attempt := 0; ; attempt++ {
		var out []byte
		// The frame states its protocol version; receipts of a small batch
		// are a few bytes, not worth a compression header each way.
		n, err := cl.c.do(ctx, request{method: http.MethodPost, path: wire.PathBatchV2, body: frame, raw: &out,
			noProtocol: true, plainReply: len(items) < 64})
		transient += n
		if err != nil {
			return nil, transient, err
		}
		rs, err := wire.UnmarshalReceipts(items, out)
		if err == nil {
			return rs, transient, nil
		}
		// A garbled answer: the batch is idempotent, so sending it again
		// answers duplicate for what was stored.
		transient++
		if attempt+1 >= cl.c.retry.Attempts {
			return nil, transient, fmt.Errorf("POST %s: %w: undecodable receipts: %w", wire.PathBatchV2, ErrGaveUp, err)
		}
	}
}

// Downstream asks for the forms the laptop lacks and the rejections after
// a sequence number.
func (cl *Client) Downstream(ctx context.Context, req wire.DownstreamRequest) (*wire.Downstream, error) {
	var d wire.Downstream
	if _, err := cl.c.postJSON(ctx, wire.PathDownstream, req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Opener opens an attachment's content by its sha256 (hex).
type Opener func(ctx context.Context, sha string) (io.ReadCloser, error)

// Upload sends the attachment sha (size bytes) from offset on, in chunks,
// resuming at the server's offset after a cut connection or a mismatch.
// It returns the bytes uploaded. Errors: *ResponseError with
// CodeHashMismatch when the server's verification failed (the local copy
// is not what its name says), ErrGaveUp, ctx's error.
func (cl *Client) Upload(ctx context.Context, open Opener, sha string, size, offset int64) (int64, error) {
	var sent int64
	var rc io.ReadCloser
	pos := int64(-1) // where rc is positioned
	defer func() {
		if rc != nil {
			rc.Close()
		}
	}()
	buf := make([]byte, cl.chunk)
	// A server that keeps moving the offset would loop: bound the rounds.
	for round := 0; round < 4*int(size/int64(cl.chunk)+1)+16; round++ {
		if offset >= size {
			if size == 0 {
				// An empty file still needs its one PUT to be verified.
				_, err := cl.putChunk(ctx, sha, 0, 0, nil)
				return sent, err
			}
			return sent, nil
		}
		if rc == nil || pos != offset {
			if rc != nil {
				rc.Close()
			}
			var err error
			if rc, err = open(ctx, sha); err != nil {
				return sent, fmt.Errorf("attachment %s: %w", sha, err)
			}
			if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
				return sent, fmt.Errorf("attachment %s: seek to %d: %w", sha, offset, err)
			}
			pos = offset
		}
		n, err := io.ReadFull(rc, buf[:min(int64(len(buf)), size-offset)])
		if err != nil {
			return sent, fmt.Errorf("attachment %s: read at %d: %w", sha, offset, err)
		}
		pos += int64(n)
		next, err := cl.putChunk(ctx, sha, size, offset, buf[:n])
		if err != nil {
			return sent, err
		}
		if next == offset+int64(n) {
			sent += int64(n)
		}
		offset = next
	}
	return sent, fmt.Errorf("attachment %s: upload does not converge", sha)
}

// putChunk sends one chunk and returns the server's new offset. An
// offset_mismatch answer is not an error: it tells where to resume.
func (cl *Client) putChunk(ctx context.Context, sha string, size, offset int64, data []byte) (int64, error) {
	var rep wire.AttachmentReply
	path := wire.PathAttachment + sha + "?offset=" + strconv.FormatInt(offset, 10) + "&size=" + strconv.FormatInt(size, 10)
	_, err := cl.c.do(ctx, request{method: http.MethodPut, path: path, ctype: "application/octet-stream", body: data, out: &rep})
	var re *ResponseError
	if errors.As(err, &re) && re.Err.Code == wire.CodeOffsetMismatch && re.Err.Offset != nil {
		return *re.Err.Offset, nil
	}
	if err != nil {
		return 0, fmt.Errorf("attachment %s: %w", sha, err)
	}
	if rep.Complete {
		return size, nil
	}
	return rep.Offset, nil
}
