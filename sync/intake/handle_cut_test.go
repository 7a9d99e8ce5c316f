package intake_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"sira/sync/intake"
	"sira/sync/wire"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCutBody: a request body the client cuts short (it half-closes the
// connection before the declared length) is a quiet 400, never an
// internal error in the operator's log, on every endpoint that reads one.
func TestCutBody(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, intake.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	frame := e.frame(e.interviews(3, 1))
	e.offer(wire.Offer{Items: []wire.Item{}, Attachments: []string{strings.Repeat("ab", 32)}})
	for _, tt := range []struct{ method, path string }{
		{"POST", wire.PathBatchV2},
		{"POST", wire.PathOfferV2},
		{"PUT", wire.PathAttachment + strings.Repeat("ab", 32) + "?offset=0&size=5000"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.http.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
				tt.method, tt.path, e.token, len(frame)+1000)
			conn.Write(frame[:len(frame)/2])
			conn.(*net.TCPConn).CloseWrite()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a cut body was logged as an error:\n%s", logs.String())
	}
}
