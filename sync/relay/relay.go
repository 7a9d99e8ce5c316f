// Package relay forwards what a supervisor's intake server stored to the
// central intake server with the laptop protocol (offer, attachments,
// batches, receipts), so a relay is just another laptop to the central
// office: identity and content hashes are unchanged end to end and the
// central server dedupes interviews arriving by several paths. It
// implements intake.Forwarder for `sira intake serve --upstream`.
package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"

	"sira/forms"
	"sira/survey"
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/wire"
)

// Forwarder sends a relay's stored submissions upstream. A submission is
// marked forwarded only from the upstream's receipt (or its offer saying it
// already holds that content), so a relay restarted mid-way resends at
// most what was in flight, which the upstream answers as duplicates.
type Forwarder struct {
	cl    *client.Client
	log   *slog.Logger
	page  int
	batch int

	mu     sync.Mutex
	noDict map[string]bool // forms whose batches go without the dictionary
}

var _ intake.Forwarder = (*Forwarder)(nil)

// Options configure a Forwarder; zero values give the defaults.
type Options struct {
	Logger *slog.Logger
	Page   int // submissions read from the outbox at a time (default 1000)
	Batch  int // interviews per upstream batch (default 100)
}

// New returns a Forwarder sending through cl (the upstream's URL and this
// relay's device token).
func New(cl *client.Client, opts Options) *Forwarder {
	f := &Forwarder{cl: cl, log: opts.Logger, page: opts.Page, batch: opts.Batch, noDict: map[string]bool{}}
	if f.log == nil {
		f.log = slog.Default()
	}
	if f.page <= 0 {
		f.page = 1000
	}
	if f.batch <= 0 {
		f.batch = 100
	}
	return f
}

// Forward implements intake.Forwarder: it publishes the upstream's new
// form versions locally (so laptops syncing with the relay get them), then
// forwards the outbox page by page, once through. Errors: as
// client.Client's calls; a submission the upstream refuses as invalid is
// logged and taken out of the outbox (resending it unchanged cannot help),
// except for a form version the upstream does not know yet: that waits in
// the outbox, and the pass goes on past it, so any number of waiting
// interviews never hold back the others. If some are still waiting at the
// end, Forward says so with an error, and the forwarder retries them with
// backoff.
func (f *Forwarder) Forward(ctx context.Context, s *intake.Server) error {
	if err := f.pullForms(ctx, s); err != nil {
		return err
	}
	var after int64
	waiting := 0
	for {
		subs, err := s.Store().Unforwarded(ctx, after, f.page)
		if err != nil {
			return fmt.Errorf("relay: outbox: %w", err)
		}
		if len(subs) == 0 {
			break
		}
		after = subs[len(subs)-1].Seq
		done, err := f.forwardPage(ctx, s, subs)
		if len(done) > 0 {
			if merr := s.Store().MarkForwarded(ctx, done); merr != nil {
				return fmt.Errorf("relay: mark forwarded: %w", merr)
			}
		}
		if err != nil {
			return err
		}
		waiting += len(subs) - len(done)
	}
	if waiting > 0 {
		return fmt.Errorf("relay: %d interviews wait in the outbox (a form version the upstream does not know yet)", waiting)
	}
	return nil
}

// pullForms publishes the upstream's form versions the relay lacks.
func (f *Forwarder) pullForms(ctx context.Context, s *intake.Server) error {
	pfs, err := s.Store().Forms(ctx)
	if err != nil {
		return fmt.Errorf("relay: forms: %w", err)
	}
	req := wire.DownstreamRequest{Forms: make([]string, 0, len(pfs)), RejectionsAfter: math.MaxInt64}
	for _, pf := range pfs {
		req.Forms = append(req.Forms, pf.Hash)
	}
	d, err := f.cl.Downstream(ctx, req)
	if err != nil {
		return fmt.Errorf("relay: downstream: %w", err)
	}
	for _, fv := range d.Forms {
		fm, err := forms.Load(fv.Form)
		if err != nil || fm.Hash != fv.Hash {
			f.log.Warn("relay: unreadable form from upstream; skipped", "form", fv.FormID, "version", fv.Version, "err", err)
			continue
		}
		if _, err := s.Publish(ctx, fm); err != nil {
			return fmt.Errorf("relay: %w", err)
		}
	}
	return nil
}

type entry struct {
	seq int64
	iv  *survey.Interview
	it  wire.Item
}

type key struct{ id, hash string }

// forwardPage forwards one page of the outbox and returns the seqs the
// upstream acknowledged (or refused for good).
func (f *Forwarder) forwardPage(ctx context.Context, s *intake.Server, subs []intake.StoredInterview) ([]int64, error) {
	byKey := map[key][]*entry{}
	var off wire.Offer
	sizes := map[string]int64{}
	var done []int64
	for _, sub := range subs {
		iv, err := sub.Interview()
		if err != nil {
			f.log.Error("relay: undecodable stored submission; not forwarded", "seq", sub.Seq, "id", sub.ID, "err", err)
			done = append(done, sub.Seq)
			continue
		}
		e := &entry{seq: sub.Seq, iv: iv, it: wire.Item{ID: sub.ID, Revision: sub.Revision, Hash: sub.Hash, FormHash: sub.FormHash}}
		k := key{sub.ID, sub.Hash}
		if _, seen := byKey[k]; !seen {
			off.Items = append(off.Items, e.it)
		}
		byKey[k] = append(byKey[k], e)
		for _, a := range iv.Attachments {
			if _, ok := sizes[a.SHA256]; !ok {
				sizes[a.SHA256] = a.Size
				off.Attachments = append(off.Attachments, a.SHA256)
			}
		}
	}
	// An offer refuses only for a form version the upstream does not
	// know yet: not a verdict on the interview. It stays in the outbox
	// until the upstream publishes that version (a relay upgraded before
	// the central office, a version published on the relay); taking it
	// out would mean it never reaches the office.
	waiting := 0
	settle := func(rs []wire.Receipt, offer bool) {
		for _, r := range rs {
			k := key{r.ID, r.Hash}
			if offer && !r.Status.Acknowledged() {
				if waiting == 0 {
					f.log.Warn("relay: the upstream does not know a form version yet; its interviews wait in the outbox", "id", r.ID, "reason", r.Reason)
				}
				waiting++
				delete(byKey, k)
				continue
			}
			for _, e := range byKey[k] {
				if !r.Status.Acknowledged() {
					f.log.Error("relay: upstream refused a submission; left on the relay only", "id", r.ID, "revision", r.Revision, "reason", r.Reason)
				}
				done = append(done, e.seq)
			}
			delete(byKey, k)
		}
	}
	if len(off.Items) == 0 {
		return done, nil
	}
	rep, err := f.cl.Offer(ctx, off)
	if err != nil {
		return done, fmt.Errorf("relay: offer: %w", err)
	}
	settle(rep.Receipts, true)

	missing := map[string]bool{}
	open := func(ctx context.Context, sha string) (io.ReadCloser, error) {
		b, err := s.Store().Attachment(ctx, sha)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	for _, a := range rep.Attachments {
		size, ok := sizes[a.SHA256]
		if !ok {
			continue
		}
		if _, err := f.cl.Upload(ctx, open, a.SHA256, size, a.Offset); err != nil {
			var re *client.ResponseError
			if errors.As(err, &re) && !re.Retryable() || errors.Is(err, intake.ErrNotFound) {
				f.log.Warn("relay: attachment not forwarded; interviews citing it wait", "sha256", a.SHA256, "err", err)
				missing[a.SHA256] = true
				continue
			}
			return done, fmt.Errorf("relay: %w", err)
		}
	}

	var order []string
	groups := map[string][]*entry{}
	for _, it := range rep.Need {
		es := byKey[key{it.ID, it.Hash}]
		if len(es) == 0 || cites(es[0].iv, missing) {
			continue
		}
		if _, ok := groups[it.FormHash]; !ok {
			order = append(order, it.FormHash)
		}
		groups[it.FormHash] = append(groups[it.FormHash], es[0])
	}
	var frame []byte
	for _, fh := range order {
		codec, err := s.Codec(fh)
		if err != nil {
			return done, fmt.Errorf("relay: form %s: %w", fh, err)
		}
		es := groups[fh]
		for i := 0; i < len(es); i += f.batch {
			part := es[i:min(i+f.batch, len(es))]
			rs, err := f.send(ctx, fh, codec, part, &frame)
			settle(rs, false) // the halves acknowledged before a refusal
			if err != nil {
				return done, err
			}
		}
	}
	return done, nil
}

// send posts part as one batch; a batch the upstream refuses as a whole is
// split until the refused interview is alone, which then gets an invalid
// receipt of our own making, but only when the refusal is about that
// content (too large, a content hash the upstream decodes differently).
// Any other refusal (damage in transit, a proxy's error page) is returned
// as an error: the interview stays in the outbox and is sent again later,
// where an invalid receipt would take it out for good.
func (f *Forwarder) send(ctx context.Context, fh string, codec *wire.Codec, part []*entry, frame *[]byte) ([]wire.Receipt, error) {
	ivs := make([]*survey.Interview, len(part))
	for i, e := range part {
		ivs[i] = e.iv
	}
	encode := codec.Encode
	if f.plain(fh, false) {
		encode = codec.EncodeNoDict
	}
	var err error
	if *frame, err = encode((*frame)[:0], ivs); err != nil {
		return nil, fmt.Errorf("relay: encode: %w", err)
	}
	items := make([]wire.Item, len(part))
	for i, e := range part {
		items[i] = e.it
	}
	rs, _, err := f.cl.SendFrame(ctx, *frame, items)
	if err == nil {
		return rs, nil
	}
	var re *client.ResponseError
	// An unknown form is the upstream's state, not the content's: the
	// batch waits in the outbox (see forwardPage).
	if !errors.As(err, &re) || re.Retryable() || re.Err.Code == wire.CodeUnauthorized || re.Err.Code == wire.CodeProtocolVersion ||
		re.Err.Code == wire.CodeUnknownForm {
		return nil, fmt.Errorf("relay: batch: %w", err)
	}
	if re.Err.Code == wire.CodeDictionary && !f.plain(fh, false) {
		// Another Sira version upstream derives another dictionary: this
		// form's batches go without it from now on.
		f.log.Warn("relay: the upstream derives another compression dictionary; sending without", "form", fh)
		f.plain(fh, true)
		return f.send(ctx, fh, codec, part, frame)
	}
	if len(part) == 1 {
		if re.Err.Code != wire.CodeTooLarge && re.Err.Code != wire.CodeHashMismatch {
			return nil, fmt.Errorf("relay: batch of %s: %w", part[0].it.ID, err)
		}
		e := part[0]
		return []wire.Receipt{{ID: e.it.ID, Revision: e.it.Revision, Hash: e.it.Hash, Status: wire.Invalid, Reason: re.Err.Error()}}, nil
	}
	h := len(part) / 2
	a, err := f.send(ctx, fh, codec, part[:h], frame)
	if err != nil {
		return a, err
	}
	b, err := f.send(ctx, fh, codec, part[h:], frame)
	return append(a, b...), err
}

// plain reports whether form fh's batches go without the dictionary; set
// makes it so.
func (f *Forwarder) plain(fh string, set bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if set {
		f.noDict[fh] = true
	}
	return f.noDict[fh]
}

func cites(iv *survey.Interview, missing map[string]bool) bool {
	for _, a := range iv.Attachments {
		if missing[a.SHA256] {
			return true
		}
	}
	return false
}
