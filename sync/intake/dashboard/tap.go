package dashboard

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"sira/sync/intake"
	"sira/sync/wire"
)

// Tap wraps the intake server's handler to record, per device token, the
// time of its last successful sync request (offer or downstream) and the
// drafts count a laptop reports in its offer ("drafts", optional). It
// changes nothing of the request or the response.
func (d *Dashboard) Tap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != wire.PathOffer && r.URL.Path != wire.PathDownstream) {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		drafts := int64(-1)
		if r.URL.Path == wire.PathOffer {
			// The offer is buffered (the intake reads it whole anyway) to
			// read the optional drafts count; an oversized body is left to
			// the intake's own limit.
			const limit = 32 << 20
			orig := r.Body
			body, err := io.ReadAll(io.LimitReader(orig, limit+1))
			// The intake reads what was buffered, then the rest, and
			// applies its own limits as if nothing had been read.
			r.Body = readCloser{io.MultiReader(bytes.NewReader(body), orig), orig}
			if err == nil && len(body) <= limit {
				var off struct {
					Drafts *int64 `json:"drafts"`
				}
				if json.Unmarshal(body, &off) == nil && off.Drafts != nil && *off.Drafts >= 0 {
					drafts = *off.Drafts
				}
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status != http.StatusOK {
			return
		}
		ctx := r.Context()
		t, err := d.store.TokenByHash(ctx, intake.HashToken(strings.TrimSpace(secret)))
		if err != nil || !t.Revoked.IsZero() {
			return
		}
		now := stamp(d.now())
		_, err = d.db.ExecContext(ctx, `INSERT INTO dash_devices (token_id, enumerator, last_sync, drafts, drafts_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (token_id) DO UPDATE SET enumerator = excluded.enumerator, last_sync = excluded.last_sync,
				drafts = CASE WHEN excluded.drafts >= 0 THEN excluded.drafts ELSE dash_devices.drafts END,
				drafts_at = CASE WHEN excluded.drafts >= 0 THEN excluded.drafts_at ELSE dash_devices.drafts_at END`,
			t.ID, t.Enumerator, now, drafts, now)
		if err != nil {
			d.log.Error("dashboard: record device sync", "token", t.ID, "err", err)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type readCloser struct {
	io.Reader
	io.Closer
}
