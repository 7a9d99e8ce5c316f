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
		d, err := zstd.NewReader(r.Body, zstd.WithDecoderMaxMemory(uint64(wire.DefaultLimits.MaxDecoded)), zstd.WithDecoderConcurrency(1))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, wire.ErrorBody{Error: wire.Errorf(wire.CodeBadRequest, "bad zstd body: %v", err)})
			return
		}
		defer d.Close()
		r.Body = io.NopCloser(d)
		r.Header.Del("Content-Encoding")
		r.ContentLength = -1
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
