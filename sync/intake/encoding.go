package intake

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"

	"sira/sync/wire"
)

// JSON messages of the sync API (offers, receipts) are mostly ids and
// hashes in hex; on a 64 kbit/s link they would cost more than the
// interviews. So the API speaks HTTP content coding zstd: a request body
// with "Content-Encoding: zstd" is decoded (handlers' size limits apply to
// the decoded bytes), and a JSON reply is compressed when the request
// says "Accept-Encoding: zstd". Batch frames and attachments are sent as
// they are (compressed already). Added by sync/client; see PROTOCOL.md.

// minCompress is the smallest reply worth compressing.
const minCompress = 256

// minCompactCompress is the smallest compact answer worth trying to
// compress: below it the zstd frame and the header cost more than it saves.
const minCompactCompress = 48

var zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))

// withEncoding wraps the API with request decoding and reply compression.
func withEncoding(h http.Handler, w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		h.ServeHTTP(w, r)
		return
	}
	switch ce := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "zstd":
		if !codedPath(r) {
			// Frames and attachment chunks are compressed already or
			// stored as sent: a content coding there only multiplies
			// what a few bytes on the wire can make the server hold.
			writeJSON(w, http.StatusUnsupportedMediaType, wire.ErrorBody{Error: wire.Errorf(wire.CodeBadRequest, "content encoding %q not accepted on %s: batches and attachments are sent as they are", ce, r.URL.Path)})
			return
		}
		// Decoded by the handler, once the token is known and the
		// memory reserved (openBody).
	default:
		writeJSON(w, http.StatusUnsupportedMediaType, wire.ErrorBody{Error: wire.Errorf(wire.CodeBadRequest, "content encoding %q not supported (zstd is)", ce)})
		return
	}
	if r.Method == http.MethodHead || !strings.Contains(strings.ToLower(r.Header.Get("Accept-Encoding")), "zstd") {
		h.ServeHTTP(w, r)
		return
	}
	bw := &bufferedWriter{w: w, status: http.StatusOK}
	h.ServeHTTP(bw, r)
	bw.flush()
}

// codedPath reports whether r's path accepts a content-coded body: the
// offer, the downstream request and the enrolment, nothing else.
func codedPath(r *http.Request) bool {
	return r.URL.Path == wire.PathOfferV2 || r.URL.Path == wire.PathDownstream || r.URL.Path == wire.PathEnrol
}

// maxCodingRatio bounds how much a content-coded body may decode to per
// byte on the wire: offers are mostly hashes (1.5×), downstream requests
// a list of hashes.
const maxCodingRatio = 64

// coded reports whether r's body is zstd content-coded (withEncoding let
// only zstd through, and only on codedPath).
func coded(r *http.Request) bool {
	return strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "zstd")
}

// bodyCap is the most bytes a handler reads of r's (decoded) body, at most
// limit: a coded body of n bytes on the wire decodes to at most
// maxCodingRatio×n + 64 KiB, so a few kilobytes cannot become megabytes.
func bodyCap(r *http.Request, limit int64) int64 {
	switch {
	case coded(r) && r.ContentLength >= 0:
		return min(limit, maxCodingRatio*r.ContentLength+64<<10)
	case coded(r):
		return limit
	case r.ContentLength >= 0:
		return min(limit, r.ContentLength)
	}
	return limit
}

// codingCost is the memory the zstd decoder of a coded body of at most
// limit decoded bytes may take: its window and its buffers.
func codingCost(r *http.Request, limit int64) int64 {
	if !coded(r) {
		return 0
	}
	return 2*max(limit, 1<<10) + 256<<10
}

// openBody returns r's body decoded, capped at limit decoded bytes (over
// it: *http.MaxBytesError). A zstd body is streamed through a decoder
// whose window and memory are capped at limit too, so the frame header of
// a bomb is refused before anything is allocated for it.
func openBody(w http.ResponseWriter, r *http.Request, limit int64) (io.ReadCloser, error) {
	if !coded(r) {
		return http.MaxBytesReader(w, r.Body, limit), nil
	}
	win := uint64(max(limit, 1<<10))
	d, err := zstd.NewReader(r.Body, zstd.WithDecoderMaxMemory(win), zstd.WithDecoderMaxWindow(win),
		zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, wire.Errorf(wire.CodeBadRequest, "bad zstd body: %v", err)
	}
	return &decodedBody{ReadCloser: http.MaxBytesReader(w, io.NopCloser(d), limit), d: d}, nil
}

type decodedBody struct {
	io.ReadCloser
	d *zstd.Decoder
}

func (b *decodedBody) Close() error {
	b.d.Close()
	return b.ReadCloser.Close()
}

// bufferedWriter holds a reply (API replies are small JSON) to compress it
// whole with a Content-Length.
type bufferedWriter struct {
	w       http.ResponseWriter
	status  int
	wrote   bool
	compact bool // a compact binary answer (writeCompact)
	buf     bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.w.Header() }
func (b *bufferedWriter) WriteHeader(s int) {
	if !b.wrote {
		b.status, b.wrote = s, true
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wrote = true
	return b.buf.Write(p)
}

func (b *bufferedWriter) flush() {
	h := b.w.Header()
	body := b.buf.Bytes()
	if b.buf.Len() >= minCompress && strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		body = zenc.EncodeAll(body, nil)
		h.Set("Content-Encoding", "zstd")
		h.Add("Vary", "Accept-Encoding")
	} else if b.compact && b.buf.Len() >= minCompactCompress {
		// Status bytes by position are runs ("all needed", "all stored"):
		// compressed only when that saves bytes.
		if z := zenc.EncodeAll(body, nil); len(z) < len(body) {
			body = z
			h.Set("Content-Encoding", "zstd")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	b.w.WriteHeader(b.status)
	b.w.Write(body)
}
