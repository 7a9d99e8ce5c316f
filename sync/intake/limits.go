package intake

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// idleReader drops a request whose body sends nothing for idle: each read
// pushes the connection's read deadline idle ahead. A 64 kbit/s link
// delivers a segment every few hundred milliseconds; a stalled client
// holds its connection idle seconds, not the server's 30 minutes.
type idleReader struct {
	r    io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	off  bool // the connection does not support deadlines (tests' recorders)
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if !ir.off {
		if err := ir.rc.SetReadDeadline(time.Now().Add(ir.idle)); err != nil {
			ir.off = true
		}
	}
	return ir.r.Read(p)
}

func (ir *idleReader) Close() error { return ir.r.Close() }

// isDiskFull reports whether err says the disk (or the database's file
// system) is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100),
// or ENOSPC from a file write.
func isDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "SQLSTATE 53100") ||
		strings.Contains(msg, "No space left on device") || strings.Contains(msg, "(13)") && strings.Contains(msg, "SQLITE_FULL")
}

// NewHTTPServer returns the http.Server `sira intake serve` runs h on.
// Headers (sent before any authentication) must arrive within 15 s; a
// request body that sends nothing for the server's IdleRead is cut
// (idleReader); an idle keep-alive connection is closed after 2 minutes.
// The whole-request limits stay generous: a batch or a chunk may take
// minutes on a 64 kbit/s link.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 15 * time.Second, ReadTimeout: 30 * time.Minute,
		WriteTimeout: 30 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}
