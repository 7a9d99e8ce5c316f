package netproxy_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"sira/sync/e2e/netproxy"
)

// echo starts a TCP server that echoes what it reads.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, addr string, payload []byte) ([]byte, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { c.Write(payload); c.(*net.TCPConn).CloseWrite() }()
	return io.ReadAll(c)
}

func TestCountsAndShapes(t *testing.T) {
	p, err := netproxy.Start(echo(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const rate = 64 << 10
	p.SetLink(netproxy.Link{Rate: rate, RTT: 200 * time.Millisecond})
	payload := bytes.Repeat([]byte("sira"), 16<<10) // 64 KiB: one second each way at the rate
	t0 := time.Now()
	got, err := roundTrip(t, p.Addr(), payload)
	el := time.Since(t0)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("echo through the proxy: %d bytes back, %v", len(got), err)
	}
	up, down := p.Bytes()
	if up != int64(len(payload)) || down != int64(len(payload)) {
		t.Errorf("counted %d up, %d down; want %d each", up, down, len(payload))
	}
	// Each direction serializes 1 s of bytes; the echo overlaps them, so
	// the whole takes a little over 1 s plus the round trip, never less.
	if el < time.Second || el > 4*time.Second {
		t.Errorf("64 KiB each way at 64 KiB/s with 200 ms RTT took %v", el)
	}
}

func TestCutsWithinOffset(t *testing.T) {
	p, err := netproxy.Start(echo(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetFaults(netproxy.Faults{Cut: 1, CutWithin: 1000})
	payload := bytes.Repeat([]byte("x"), 64<<10)
	got, _ := roundTrip(t, p.Addr(), payload)
	if len(got) >= len(payload) {
		t.Errorf("got all %d bytes back through a cut connection", len(got))
	}
	if p.Cuts() != 1 {
		t.Errorf("%d cuts, want 1", p.Cuts())
	}
	if up, down := p.Bytes(); min(up, down) > 1000 {
		t.Errorf("%d up, %d down: the cut came after its offset", up, down)
	}
}
