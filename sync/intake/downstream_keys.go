package intake

import (
	"context"
	"errors"

	"sira/sync/wire"
)

// downstreamKeys adds to a downstream answer the office's current
// recipient (so a rotation reaches the laptop) and the PIN reset packages
// made for the asking device, when the token's enumerator is enrolled on
// it.
func (s *Server) downstreamKeys(ctx context.Context, tok *Token, req *wire.DownstreamRequest, out *wire.Downstream) error {
	keys, err := OfficeKeys(ctx, s.store, s.now())
	if err != nil {
		return err
	}
	out.Office, out.Recipient = OfficeID(keys), keys[0].Recipient
	if req.Device == "" || !validID(req.Device) {
		return nil
	}
	d, err := s.store.Device(ctx, req.Device)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !d.Revoked.IsZero() || !d.Enrolled(tok.Enumerator) {
		return nil
	}
	if err := s.store.TouchDevice(ctx, d.ID, s.now()); err != nil {
		return err
	}
	for _, e := range d.Enumerators {
		rs, err := s.store.PINResets(ctx, e, req.PINResetsAfter)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Device == d.ID {
				out.PINResets = append(out.PINResets, wire.PINReset{Seq: r.Seq, Enumerator: r.Enumerator, Package: r.Package})
			}
		}
	}
	return nil
}
