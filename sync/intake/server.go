package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"sira/forms"
	"sira/office"
	"sira/survey"
	"sira/sync/wire"
)

// Config configures a Server. Store is required; zero values elsewhere give
// the production defaults.
type Config struct {
	Store  Store
	Logger *slog.Logger     // slog.Default() when nil; answers are never logged
	Now    func() time.Time // time.Now when nil
	Limits wire.Limits      // wire.DefaultLimits when zero
	// MaxChunk caps one attachment chunk (default 8 MiB).
	MaxChunk int64
	// Validate checks an interview against its compiled form and returns the
	// problems (empty: valid). Nil uses EngineValidation();
	// StructureValidation() alone is the cheap alternative. It must only
	// read the interview: the body stored is the one decoded with it. It
	// is called from several goroutines at once.
	Validate func(f *forms.Form, iv *survey.Interview) []string
	// Builtin forms are known to every intake without being published (the
	// built-in returnee form); they are published into the store at start.
	Builtin []*forms.Form
	// MaxBatches bounds the batches decoded and stored at once (default 32),
	// and so the memory a crowd of clients can take; others wait their turn.
	MaxBatches int
	// OnSync, when set, is called after each answered offer and downstream
	// request of a device token: the dashboard records the device's last
	// sync and the drafts count its laptop reports (nil when it reports
	// none, and always nil for downstream). It must not block for long.
	OnSync func(ctx context.Context, tok *Token, drafts *int)
	// Office, when set, is the office domain: downstream rejections and
	// their withdrawals are its notices (instead of Store.Rejections), a
	// laptop's RejectionsAfter acknowledges them, and answers carry its
	// office id. Several servers on one office database then deliver each
	// notice once.
	Office office.Store

	// TokenRequests bounds the requests one token has in progress at once
	// (default 6); more are answered 429.
	TokenRequests int
	// TokenBytes bounds the bytes one token's requests may hold at once
	// (bodies and what decoding them takes; default 48 MiB).
	TokenBytes int64
	// Budget bounds those bytes for all clients together (default 192
	// MiB); past it requests are answered 503 with Retry-After.
	Budget int64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (`sira intake serve --trusted-proxy`).
	TrustedProxies Proxies
	// IdleRead is how long a request body may send nothing before the
	// connection is dropped (default 30s: a 64 kbit/s link sends
	// continuously, a stalled client does not).
	IdleRead time.Duration
	// AttachmentQuota bounds the bytes of unfinished uploads one token may
	// hold (default 2 GiB, the largest attachment); UploadTTL is how long
	// an unfinished upload untouched is kept (default 72h).
	AttachmentQuota int64
	UploadTTL       time.Duration
	// PostField names the answer holding an interview's post, which a
	// relay token scoped to posts is checked against (default
	// "border_post").
	PostField string
}

// Server is the intake HTTP server. It is an http.Handler; other packages
// mount more routes with Handle (the dashboard).
type Server struct {
	store    Store
	log      *slog.Logger
	now      func() time.Time
	lim      wire.Limits
	maxChunk int64
	validate func(*forms.Form, *survey.Interview) []string
	mux      *http.ServeMux

	mu     sync.Mutex
	codecs map[string]*formEntry // by form hash; "" is the generic codec

	onSync func(context.Context, *Token, *int)
	office office.Store

	notify  chan struct{} // a batch was stored (for the relay's forwarder)
	batches chan struct{} // semaphore of batches in progress

	guard     *guard
	proxies   Proxies
	idleRead  time.Duration
	uploads   *uploads
	postField string
}

type formEntry struct {
	form  *forms.Form // nil for the generic codec
	codec *wire.Codec
}

// New returns a Server on cfg.Store, publishing cfg.Builtin forms.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("intake: no store")
	}
	s := &Server{
		store: cfg.Store, log: cfg.Logger, now: cfg.Now, lim: cfg.Limits, maxChunk: cfg.MaxChunk,
		validate: cfg.Validate, onSync: cfg.OnSync, office: cfg.Office, mux: http.NewServeMux(), codecs: map[string]*formEntry{},
		notify: make(chan struct{}, 1),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.lim == (wire.Limits{}) {
		s.lim = wire.DefaultLimits
	}
	if s.maxChunk <= 0 {
		s.maxChunk = 8 << 20
	}
	if cfg.MaxBatches <= 0 {
		cfg.MaxBatches = 32
	}
	s.batches = make(chan struct{}, cfg.MaxBatches)
	s.guard = newGuard(cfg.TokenRequests, cfg.TokenBytes, cfg.Budget)
	s.proxies = cfg.TrustedProxies
	s.idleRead = cfg.IdleRead
	if s.idleRead <= 0 {
		s.idleRead = 30 * time.Second
	}
	s.uploads = newUploads(cfg.AttachmentQuota, cfg.UploadTTL)
	s.postField = cfg.PostField
	if s.postField == "" {
		s.postField = "border_post"
	}
	if s.validate == nil {
		s.validate = EngineValidation()
	}
	for _, f := range cfg.Builtin {
		if _, err := s.Publish(ctx, f); err != nil {
			return nil, fmt.Errorf("intake: builtin form %s: %w", f.ID, err)
		}
	}
	s.mux.Handle("POST "+wire.PathOfferV2, s.api(s.handleOfferV2))
	s.mux.Handle("POST "+wire.PathBatchV2, s.api(s.handleBatchV2))
	s.mux.Handle("HEAD "+wire.PathAttachment+"{sha}", s.api(s.handleAttachmentHead))
	s.mux.Handle("PUT "+wire.PathAttachment+"{sha}", s.api(s.handleAttachmentPut))
	s.mux.Handle("POST "+wire.PathDownstream, s.api(s.handleDownstream))
	s.mux.HandleFunc("GET "+PathHealth, s.handleHealth)
	s.mux.HandleFunc("GET "+PathReady, s.handleReady)
	s.mux.Handle("POST "+wire.PathEnrol, s.api(s.handleEnrol))
	s.mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request, _ *Token) error {
		return wire.Errorf(wire.CodeNotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
	}))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { withEncoding(s.mux, w, r) }

// Handle mounts h on the server's mux (Go 1.22 patterns: "GET /review/{id}").
// The /api/v1/ paths are the sync API's.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Store returns the server's store.
func (s *Server) Store() Store { return s.store }

// Stored returns a channel that receives (without blocking the server)
// after batches are committed: the relay's forwarder waits on it.
func (s *Server) Stored() <-chan struct{} { return s.notify }

func (s *Server) nudge() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// apiHandler is an authenticated API handler; errors become JSON bodies.
type apiHandler func(w http.ResponseWriter, r *http.Request, tok *Token) error

// api wraps h with the protocol check, bearer authentication and the error
// table: *wire.Error as its code's status, anything else as 500 "internal
// error" (logged, never shown).
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.HeaderProtocol, strconv.Itoa(wire.ProtocolVersion))
		err := s.checkProtocol(r)
		var tok *Token
		if err == nil {
			tok, err = s.authenticate(r)
		}
		if err == nil {
			var done func()
			if done, err = s.guard.enter(tok.ID); err == nil {
				r.Body = &idleReader{r: r.Body, rc: http.NewResponseController(w), idle: s.idleRead}
				err = h(w, r, tok)
				done()
			}
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) checkProtocol(r *http.Request) error {
	v := r.Header.Get(wire.HeaderProtocol)
	if v == "" {
		return nil // curl and health checks; frames carry their own version
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return wire.Errorf(wire.CodeBadRequest, "bad %s header %q", wire.HeaderProtocol, v)
	}
	if n > wire.ProtocolVersion {
		return wire.Errorf(wire.CodeProtocolVersion, "the client speaks sync protocol version %d; this intake server speaks %d: update the intake server", n, wire.ProtocolVersion)
	}
	return nil
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var we *wire.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &we):
	case errors.As(err, &mbe):
		we = wire.Errorf(wire.CodeTooLarge, "request body over the limit of %d bytes", mbe.Limit)
	case errors.Is(err, context.Canceled):
		we = wire.Errorf(wire.CodeUnavailable, "request cancelled")
	case isDiskFull(err):
		s.log.Error("intake: disk full", "method", r.Method, "path", r.URL.Path, "err", err)
		we = wire.Errorf(wire.CodeInsufficientStorage, "the intake server's disk is full: nothing was stored; the office must free space, then sync again")
	default:
		s.log.Error("intake request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		we = wire.Errorf(wire.CodeInternal, "internal error")
	}
	switch we.Code {
	case wire.CodeRateLimited, wire.CodeUnavailable:
		w.Header().Set("Retry-After", "5")
	case wire.CodeInsufficientStorage:
		w.Header().Set("Retry-After", "300")
	}
	writeJSON(w, wire.StatusOf(we.Code), wire.ErrorBody{Error: we})
}

// writeCompact writes a 200 answer in a compact binary layout (the
// client knows what it asked for). No Date, Content-Type or Sira-Protocol
// header: on a 64 kbit/s link every byte of every answer counts, and
// these answers are most of the round trips of a session.
func writeCompact(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = nil // nil, not absent: no sniffed type either
	h["Date"] = nil
	h.Del(wire.HeaderProtocol)
	if bw, ok := w.(*bufferedWriter); ok {
		bw.compact = true
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readBody reads a request body of at most limit (decoded) bytes, the
// buffer growing with the bytes that arrive. A body the client cut short
// (a dropped link, a killed laptop) is the client's doing: a quiet 400,
// not an internal error in the operator's log. Over the limit stays
// *http.MaxBytesError (413).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := openBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b := make([]byte, 0, min(limit, 64<<10))
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(max(cap(b), 64<<10), int(limit)+1-len(b)))
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, wire.Errorf(wire.CodeBadRequest, "request body cut short or undecodable (client closed?): %v", err)
		}
	}
}

// readJSON decodes a JSON request body of at most limit (decoded) bytes.
func readJSON(r *http.Request, w http.ResponseWriter, limit int64, v any) error {
	body, err := openBody(w, r, limit)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := json.NewDecoder(body).Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return wire.Errorf(wire.CodeBadRequest, "bad JSON body: %v", err)
	}
	return nil
}

// synced reports a device's answered sync request to Config.OnSync.
func (s *Server) synced(ctx context.Context, tok *Token, drafts *int) {
	if s.onSync != nil && tok != nil {
		s.onSync(ctx, tok, drafts)
	}
}
