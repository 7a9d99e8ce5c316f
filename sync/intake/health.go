package intake

import (
	"context"
	"net/http"
	"time"
)

// Paths of the load balancer's probes.
const (
	PathHealth = "/healthz" // the process answers
	PathReady  = "/readyz"  // the database answers and its schema is current
)

// readyTimeout bounds one readiness check.
const readyTimeout = 3 * time.Second

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReady answers 200 when the intake store answers (it reads the
// published forms, a small table) and, with an office, when the office
// database answers with its schema current; 503 otherwise, without the
// cause (it is logged).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	_, err := s.store.Forms(ctx)
	if err == nil && s.office != nil {
		err = s.office.Ping(ctx)
	}
	if err != nil {
		s.log.Warn("intake: not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
