// Package netproxy is a TCP proxy on loopback for the sync tests and
// benchmarks: it counts every byte both ways, cuts connections at random
// byte offsets, delays and truncates responses (fault injection), and can
// shape the link to a bandwidth and a round-trip time with a token bucket
// and a delay line (no tc or network namespaces needed).
package netproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Faults configures fault injection; the zero value injects nothing.
type Faults struct {
	// Cut is the probability that a connection is cut: after a random
	// number of bytes in [0, CutWithin) in one direction, both sides are
	// closed. Cutting the response direction truncates the response.
	Cut       float64
	CutWithin int
	// Delay is the probability that a connection's first bytes wait a
	// random time in [0, DelayMax) before going through.
	Delay    float64
	DelayMax time.Duration
}

// Link shapes the proxied link; the zero value is an unshaped link.
type Link struct {
	Rate int           // bytes per second each way (0: unlimited)
	RTT  time.Duration // added round-trip time (half each way)
}

// Proxy is a running proxy. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target atomic.Pointer[string]
	up     atomic.Int64 // bytes client → server
	down   atomic.Int64 // bytes server → client
	cuts   atomic.Int64

	mu     sync.Mutex
	faults Faults
	link   Link
	rng    *rand.Rand
	conns  map[net.Conn]bool
	free   [2]time.Time // per direction: when the shaped link is next idle
	closed bool
	wg     sync.WaitGroup
}

// Start listens on 127.0.0.1:0 and forwards to target (host:port).
func Start(target string, seed uint64) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), conns: map[net.Conn]bool{}}
	p.target.Store(&target)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL is "http://" + Addr().
func (p *Proxy) URL() string { return "http://" + p.Addr() }

// SetTarget changes where new connections go (a restarted server).
func (p *Proxy) SetTarget(target string) { p.target.Store(&target) }

// SetFaults changes the fault injection for new connections.
func (p *Proxy) SetFaults(f Faults) { p.mu.Lock(); p.faults = f; p.mu.Unlock() }

// SetLink changes the link shaping.
func (p *Proxy) SetLink(l Link) { p.mu.Lock(); p.link = l; p.mu.Unlock() }

// Bytes returns the bytes carried so far: client to server and back.
func (p *Proxy) Bytes() (up, down int64) { return p.up.Load(), p.down.Load() }

// ResetBytes zeroes the counters.
func (p *Proxy) ResetBytes() { p.up.Store(0); p.down.Store(0) }

// Cuts returns the number of connections cut by fault injection.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

// DropAll closes every open connection (a network outage, a server crash
// seen from the client).
func (p *Proxy) DropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.DropAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, on bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on && p.closed {
		return false
	}
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// plan is one connection's faults, drawn when it opens.
type plan struct {
	cutDir   int // 0 up, 1 down, -1 none
	cutAfter int64
	delay    time.Duration
}

func (p *Proxy) draw() plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl := plan{cutDir: -1}
	f := p.faults
	if f.Cut > 0 && p.rng.Float64() < f.Cut {
		pl.cutDir = p.rng.IntN(2)
		pl.cutAfter = int64(p.rng.IntN(max(f.CutWithin, 1)))
	}
	if f.Delay > 0 && f.DelayMax > 0 && p.rng.Float64() < f.Delay {
		pl.delay = time.Duration(p.rng.Int64N(int64(f.DelayMax)))
	}
	return pl
}

func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	if !p.track(c, true) {
		return
	}
	defer p.track(c, false)
	s, err := net.DialTimeout("tcp", *p.target.Load(), 5*time.Second)
	if err != nil {
		return
	}
	defer s.Close()
	if !p.track(s, true) {
		return
	}
	defer p.track(s, false)
	pl := p.draw()
	var once sync.Once
	cut := func() {
		once.Do(func() { p.cuts.Add(1) })
		c.Close()
		s.Close()
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(s, c, 0, pl, cut, &p.up); done <- struct{}{} }()
	go func() { p.pipe(c, s, 1, pl, cut, &p.down); done <- struct{}{} }()
	<-done
	// One direction ended: let the other drain briefly (a response after
	// the request's half-close), then close both.
	t := time.NewTimer(30 * time.Second)
	ended := 1
	select {
	case <-done:
		ended++
	case <-t.C:
	}
	t.Stop()
	c.Close()
	s.Close()
	if ended < 2 {
		<-done
	}
}

type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst in direction dir, applying the plan and the link.
func (p *Proxy) pipe(dst, src net.Conn, dir int, pl plan, cut func(), count *atomic.Int64) {
	ch := make(chan chunk, 64)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 4096)
			n, err := src.Read(b)
			if n > 0 {
				ch <- chunk{b[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	var passed int64
	first := true
	defer func() {
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		for range ch { // unblock the reader
		}
	}()
	for k := range ch {
		if first && pl.delay > 0 {
			time.Sleep(pl.delay)
		}
		first = false
		b := k.b
		if pl.cutDir == dir && passed+int64(len(b)) > pl.cutAfter {
			b = b[:pl.cutAfter-passed]
			if len(b) > 0 {
				p.shape(dir, k.at, len(b))
				n, _ := dst.Write(b)
				count.Add(int64(n))
			}
			cut()
			return
		}
		p.shape(dir, k.at, len(b))
		n, err := dst.Write(b)
		count.Add(int64(n))
		passed += int64(n)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				src.Close()
			}
			return
		}
	}
}

// shape waits until n bytes that arrived at `at` have crossed the shaped
// link: serialized at Rate behind what the link already carries, then
// delayed by half the RTT.
func (p *Proxy) shape(dir int, at time.Time, n int) {
	p.mu.Lock()
	l := p.link
	if l.Rate <= 0 && l.RTT <= 0 {
		p.mu.Unlock()
		return
	}
	start := at
	if p.free[dir].After(start) {
		start = p.free[dir]
	}
	done := start
	if l.Rate > 0 {
		done = start.Add(time.Duration(n) * time.Second / time.Duration(l.Rate))
	}
	p.free[dir] = done
	p.mu.Unlock()
	if d := time.Until(done.Add(l.RTT / 2)); d > 0 {
		time.Sleep(d)
	}
}
