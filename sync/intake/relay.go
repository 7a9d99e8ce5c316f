package intake

import (
	"context"
	"math/rand/v2"
	"time"
)

// Forwarder sends what a relay stored to its upstream intake server. The
// sync client implements it: it reads s.Store()'s outbox (Unforwarded),
// offers and sends batches upstream with the same protocol, calls
// MarkForwarded for what the upstream acknowledged by receipt, and may
// Publish the forms the upstream sends downstream. Forward returns when the
// outbox is empty or on error; identity and content hashes are unchanged,
// so the upstream dedupes end to end.
type Forwarder interface {
	Forward(ctx context.Context, s *Server) error
}

// RunForwarder calls fw.Forward after every stored batch and at least every
// interval, backing off exponentially with jitter (up to 5 minutes) while it
// fails. It returns when ctx is done.
func (s *Server) RunForwarder(ctx context.Context, fw Forwarder, interval time.Duration) {
	backoff := time.Duration(0)
	for {
		err := fw.Forward(ctx, s)
		wait := interval
		if err != nil && ctx.Err() == nil {
			backoff = min(max(2*backoff, time.Second), 5*time.Minute)
			wait = backoff/2 + rand.N(backoff/2+1)
			s.log.Warn("relay: forwarding upstream failed; will retry", "err", err, "in", wait)
		} else {
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.notify:
			if err == nil {
				t.Stop()
				continue
			}
			select { // failing: keep the backoff
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		case <-t.C:
		}
	}
}
