package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"sira/forms"
	"sira/survey"
	"sira/sync/wire"
)

// Settings keys the client keeps in the laptop store.
const (
	// SettingServer and SettingToken remember the last server and its token.
	SettingServer = "sync.server"
	SettingToken  = "sync.token"
	// SettingFingerprint remembers the pinned certificate fingerprint of
	// the last server ("" when none is pinned).
	SettingFingerprint = "sync.fingerprint"
	// settingRejections + server URL: the highest rejection Seq applied from
	// that server (sequence numbers are per server).
	settingRejections = "sync.rejections_after "
	// settingOffice + server URL: the office id that server named; the
	// cursor is then kept under settingRejections + "office:" + id, shared
	// by every address of one office, so a notice arrives once.
	settingOffice = "sync.office "
	// settingInvalid + id + " " + hash: the server's reason for refusing
	// that exact content; it is not sent again unchanged.
	settingInvalid = "sync.invalid "
)

// Result is what one session did.
type Result struct {
	Offered       int           `json:"offered"`      // unacknowledged interviews offered
	Sent          int           `json:"sent"`         // interviews uploaded in batches
	Acknowledged  int           `json:"acknowledged"` // marked acknowledged from receipts (offer and batch)
	Duplicates    int           `json:"duplicates"`   // of which the server already held
	Quarantined   []Quarantined `json:"quarantined,omitempty"`
	Batches       int           `json:"batches"`
	Attachments   int           `json:"attachments"`      // attachment files completed
	AttachBytes   int64         `json:"attachment_bytes"` // attachment bytes uploaded
	Forms         int           `json:"forms"`            // form versions received
	Rejections    int           `json:"rejections"`       // rejected interviews received
	Withdrawals   int           `json:"withdrawals"`      // rejections withdrawn by the office (back to acknowledged)
	BytesSent     int64         `json:"bytes_sent"`       // request bodies
	BytesReceived int64         `json:"bytes_received"`   // response bodies
	Retries       int64         `json:"retries"`
	Elapsed       time.Duration `json:"elapsed_ns"`
}

// Quarantined is an interview the server refused as invalid: it stays on
// the laptop (finalized or sent) and is not sent again unchanged.
type Quarantined struct {
	ID       string `json:"id"`
	Revision int    `json:"revision"`
	Hash     string `json:"hash"`
	Reason   string `json:"reason"`
}

// pending is an interview of the session with what sending it needs.
type pending struct {
	item wire.Item
	iv   *survey.Interview
}

// session is the state of one Sync.
type session struct {
	cl     *Client
	st     survey.Store
	res    *Result
	codecs map[string]*wire.Codec
	byID   map[string]*pending
	start  int64 // traffic counters at the start
	startR int64
	startT int64
	total  int
	done   int
	ceil   int // largest batch size allowed: BatchPolicy.Max, lowered by a 413
}

// Sync runs one session against st: offer, attachments, batches,
// downstream. It returns what it did, and an error if it stopped before
// the end (the next Sync resumes: acknowledged interviews are never
// offered again). Errors: *ResponseError (CodeUnauthorized,
// CodeProtocolVersion: fatal; others per request), ErrGaveUp, ctx's error.
func (cl *Client) Sync(ctx context.Context, st survey.Store) (*Result, error) {
	t0 := time.Now()
	s := &session{cl: cl, st: st, res: &Result{}, codecs: map[string]*wire.Codec{}, byID: map[string]*pending{}, ceil: cl.batch.Max}
	s.start, s.startR, s.startT = cl.Traffic()
	err := s.run(ctx)
	sent, recv, retries := cl.Traffic()
	s.res.BytesSent, s.res.BytesReceived, s.res.Retries = sent-s.start, recv-s.startR, retries-s.startT
	s.res.Elapsed = time.Since(t0)
	s.report("done", 0)
	return s.res, err
}

func (s *session) report(phase string, toSend int64) {
	if s.cl.progress == nil {
		return
	}
	sent, recv, _ := s.cl.Traffic()
	s.cl.progress(Progress{Phase: phase, Interviews: s.done, Total: s.total, Bytes: sent - s.start + recv - s.startR, ToSend: toSend})
}

func (s *session) run(ctx context.Context) error {
	if _, err := s.cl.Enrol(ctx, s.st); errors.Is(err, ErrOtherOffice) {
		// A relay (or another office) the laptop is not enrolled with:
		// the interviews still travel; the enrolment stays the laptop's.
		s.cl.log.Warn("sync: the server is not this laptop's office; enrolment unchanged", "err", err)
	} else if err != nil {
		return err
	}
	items, err := s.load(ctx)
	if err != nil {
		return err
	}
	if err := s.offerAndSend(ctx, items); err != nil {
		return err
	}
	return s.downstream(ctx)
}

// load reads the unacknowledged interviews and their offer items.
func (s *session) load(ctx context.Context) ([]*pending, error) {
	pend, err := s.st.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync: pending interviews: %w", err)
	}
	out := make([]*pending, 0, len(pend))
	for _, p := range pend {
		iv, err := s.st.Get(ctx, p.ID)
		if errors.Is(err, survey.ErrLocked) {
			// Another enumerator's, sealed under their key: sent when they sync.
			s.cl.log.Info("sync: interview of an enumerator not signed in; not sent now", "id", p.ID)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sync: interview %s: %w", p.ID, err)
		}
		if iv.Revision != p.Revision {
			continue // changed under us (a rejection applied): next sync
		}
		// The hash recorded at Finalize is what the server must see. The
		// server answers batches by position, so the client acknowledges
		// the hash it holds: content that no longer matches it (a damaged
		// store) is not offered at all.
		if h := iv.ContentHash(); h != p.Hash {
			s.cl.log.Warn("sync: interview content does not match its recorded hash; not sent", "id", p.ID, "revision", p.Revision)
			continue
		}
		it := wire.Item{ID: p.ID, Revision: p.Revision, Hash: p.Hash, FormHash: iv.FormHash}
		pd := &pending{item: it, iv: iv}
		s.byID[p.ID] = pd
		out = append(out, pd)
	}
	s.total = len(out)
	s.res.Offered = len(out)
	return out, nil
}

// offerResult is an offer on its way.
type offerResult struct {
	off   wire.Offer
	sizes map[string]int64
	rep   *wire.OfferReply
	err   error
}

// offerAndSend offers items in chunks and, for each, applies the offer's
// receipts, uploads the attachments the server lacks and sends the needed
// interviews in batches. The next chunk's offer travels while the current
// chunk's batches upload, so on a slow link negotiating costs bytes but
// no idle time.
func (s *session) offerAndSend(ctx context.Context, items []*pending) error {
	s.report("offer", 0)
	// The first offer tells the office how many drafts wait on this laptop
	// (its dashboard shows who has unfinished work); with nothing to send,
	// an empty offer still carries that count when there is one.
	drafts, err := s.drafts(ctx)
	if err != nil {
		return fmt.Errorf("sync: count drafts: %w", err)
	}
	if len(items) == 0 {
		if drafts == 0 {
			return nil
		}
		if _, err := s.cl.Offer(ctx, wire.Offer{Drafts: &drafts}); err != nil {
			return fmt.Errorf("sync: offer: %w", err)
		}
		return nil
	}
	chunk := s.cl.offerChunk
	first := true
	start := func(part []*pending) chan *offerResult {
		o := &offerResult{off: wire.Offer{Items: make([]wire.Item, len(part))}, sizes: map[string]int64{}}
		if first {
			o.off.Drafts, first = &drafts, false
		}
		for i, p := range part {
			o.off.Items[i] = p.item
			for _, a := range p.iv.Attachments {
				if _, ok := o.sizes[a.SHA256]; !ok {
					o.sizes[a.SHA256] = a.Size
					o.off.Attachments = append(o.off.Attachments, a.SHA256)
				}
			}
		}
		ch := make(chan *offerResult, 1)
		go func() {
			o.rep, o.err = s.cl.Offer(ctx, o.off)
			ch <- o
		}()
		return ch
	}
	size := s.cl.batch.Start
	next := start(items[:min(chunk, len(items))])
	for i := 0; i < len(items); i += chunk {
		o := <-next
		if j := i + chunk; j < len(items) {
			next = start(items[j:min(j+chunk, len(items))])
		} else {
			next = nil
		}
		if o.err != nil {
			if next != nil {
				<-next // bounded by the request's own deadline and retries
			}
			return fmt.Errorf("sync: offer: %w", o.err)
		}
		var err error
		if size, err = s.sendOffered(ctx, o.rep, o.sizes, size); err != nil {
			if next != nil {
				<-next
			}
			return err
		}
	}
	return nil
}

// sendOffered acts on one offer's reply and returns the batch size reached.
func (s *session) sendOffered(ctx context.Context, rep *wire.OfferReply, sizes map[string]int64, size int) (int, error) {
	// An offer refuses only for an unknown form version, which the
	// server may learn later: not remembered.
	if err := s.applyReceipts(ctx, rep.Receipts, false); err != nil {
		return size, err
	}

	// Attachments first: an interview goes only once the server holds
	// every file it cites.
	s.report("attachments", 0)
	missing := map[string]bool{}
	for _, a := range rep.Attachments {
		fsize, ok := sizes[a.SHA256]
		if !ok {
			continue
		}
		n, err := s.cl.Upload(ctx, s.st.OpenAttachment, a.SHA256, fsize, a.Offset)
		s.res.AttachBytes += n
		if err != nil {
			var re *ResponseError
			if errors.As(err, &re) && !re.Retryable() && re.Err.Code != wire.CodeUnauthorized {
				s.cl.log.Warn("sync: attachment refused; interviews citing it wait", "sha256", a.SHA256, "err", err)
				missing[a.SHA256] = true
				continue
			}
			return size, fmt.Errorf("sync: %w", err)
		}
		s.res.Attachments++
	}

	// Needed interviews, grouped by form in offer order; quarantined
	// content and interviews waiting for an attachment are held back.
	var order []string
	groups := map[string][]*pending{}
	for _, it := range rep.Need {
		p := s.byID[it.ID]
		if p == nil || p.item.Hash != it.Hash {
			continue
		}
		if reason, err := s.st.Setting(ctx, settingInvalid+it.ID+" "+it.Hash); err == nil {
			s.quarantine(ctx, p, reason, false)
			continue
		}
		if citesMissing(p.iv, missing) {
			continue
		}
		fh := p.item.FormHash
		if _, ok := groups[fh]; !ok {
			order = append(order, fh)
		}
		groups[fh] = append(groups[fh], p)
	}
	for _, fh := range order {
		var err error
		if size, err = s.sendForm(ctx, fh, groups[fh], size); err != nil {
			return size, err
		}
	}
	return size, nil
}

func citesMissing(iv *survey.Interview, missing map[string]bool) bool {
	for _, a := range iv.Attachments {
		if missing[a.SHA256] {
			return true
		}
	}
	return false
}

// flight is one batch on its way to the server.
type flight struct {
	batch     []*pending
	dict      bool // encoded with the form's dictionary
	receipts  []wire.Receipt
	transient int
	elapsed   time.Duration
	err       error
}

// sendForm sends one form's needed interviews in adaptive batches, with up
// to BatchPolicy.Window batches in flight so the link never idles while a
// receipt crosses back (on a 600 ms round trip that is most of the gain),
// and returns the batch size reached, for the next form.
func (s *session) sendForm(ctx context.Context, formHash string, ps []*pending, size int) (int, error) {
	codec, err := s.codec(ctx, formHash)
	if err != nil {
		for _, p := range ps {
			s.quarantine(ctx, p, err.Error(), false)
		}
		return size, nil
	}
	bp := s.cl.batch
	results := make(chan *flight, bp.Window)
	inflight := 0
	var redo [][]*pending // refused batches, split, sent before new work
	var stop error        // set: launch nothing more, drain, return it
	next := 0
	formDead := false
	noDict := false // the server derives another dictionary: send without
	for {
		// Launch while the window has room.
		for stop == nil && !formDead && inflight < bp.Window && (len(redo) > 0 || next < len(ps)) {
			var batch []*pending
			if len(redo) > 0 {
				batch, redo = redo[0], redo[1:]
			} else {
				n := min(size, len(ps)-next)
				batch = ps[next : next+n]
				next += n
			}
			ivs := make([]*survey.Interview, len(batch))
			items := make([]wire.Item, len(batch))
			for j, p := range batch {
				ivs[j] = p.iv
				items[j] = p.item
			}
			encode := codec.Encode
			if noDict {
				encode = codec.EncodeNoDict
			}
			frame, err := encode(nil, ivs)
			if err != nil {
				stop = fmt.Errorf("sync: encode batch: %w", err)
				break
			}
			s.report("batches", int64(len(frame)))
			inflight++
			go func(f *flight) {
				t0 := time.Now()
				f.receipts, f.transient, f.err = s.cl.SendFrame(ctx, frame, items)
				f.elapsed = time.Since(t0)
				results <- f
			}(&flight{batch: batch, dict: !noDict})
		}
		if inflight == 0 {
			if formDead {
				for _, p := range ps[next:] {
					s.quarantine(ctx, p, "unknown form version "+formHash, false)
				}
				for _, b := range redo {
					for _, p := range b {
						s.quarantine(ctx, p, "unknown form version "+formHash, false)
					}
				}
			}
			return size, stop
		}
		f := <-results
		inflight--
		n := len(f.batch)
		if f.err != nil {
			var re *ResponseError
			if !errors.As(f.err, &re) || re.Retryable() {
				// Outcome unknown: the server may hold them. "Sent" tells
				// the enumerator so; the next offer settles it.
				for _, p := range f.batch {
					if err := s.st.MarkSent(ctx, p.item.ID, p.item.Revision, p.item.Hash); err != nil && !errors.Is(err, survey.ErrConflict) && stop == nil {
						stop = fmt.Errorf("sync: mark %s sent: %w", p.item.ID, err)
					}
				}
				if stop == nil {
					stop = fmt.Errorf("sync: batch: %w", f.err)
				}
				continue
			}
			switch re.Err.Code {
			case wire.CodeUnauthorized, wire.CodeProtocolVersion:
				if stop == nil {
					stop = fmt.Errorf("sync: %w", f.err)
				}
				continue
			case wire.CodeDictionary:
				if f.dict {
					// Another Sira version on the server: the same batch
					// without the dictionary, and all that follow.
					if !noDict {
						s.cl.log.Warn("sync: the server derives another compression dictionary; sending without", "form", formHash)
					}
					noDict = true
					redo = append(redo, f.batch)
					continue
				}
			case wire.CodeUnknownForm:
				// Not remembered: publishing the form on the server
				// lets the next sync send them.
				formDead = true
				for _, p := range f.batch {
					s.quarantine(ctx, p, re.Err.Message, false)
				}
				continue
			}
			// Too large, corrupt, hash mismatch, bad request: narrow it
			// down by halving; a single interview refused is quarantined.
			if re.Err.Code == wire.CodeTooLarge {
				s.ceil = max(n/2, 1) // the server's limit: never grow past it again
				size = min(size, s.ceil)
			}
			if n > 1 {
				redo = append(redo, f.batch[:n/2], f.batch[n/2:])
				continue
			}
			// Remembered only when the verdict is about the content
			// itself; damage in transit (corrupt: the CRC caught it) or
			// a proxy's error page says nothing about it, and
			// remembering would hold a finalized interview back for
			// ever: lost to the office. Not remembering costs one more
			// refusal per session.
			s.quarantine(ctx, f.batch[0], re.Err.Error(), contentVerdict(re.Err.Code))
			continue
		}
		s.res.Batches++
		s.res.Sent += n
		if err := s.applyReceipts(ctx, f.receipts, true); err != nil && stop == nil {
			stop = err
		}
		switch {
		case f.transient > 0 || f.elapsed > 2*bp.Target:
			size = max(n/2, bp.Min)
		case f.elapsed < bp.Target/2 && n >= size:
			size = min(2*size, s.ceil)
		}
	}
}

// contentVerdict reports whether a refusal of a batch of one interview
// would refuse that content again, whatever the link: it is too large for
// the server, or the server decodes it to another content hash.
func contentVerdict(code wire.Code) bool {
	return code == wire.CodeTooLarge || code == wire.CodeHashMismatch
}

// codec returns the codec of a form the laptop holds.
func (s *session) codec(ctx context.Context, formHash string) (*wire.Codec, error) {
	if c, ok := s.codecs[formHash]; ok {
		return c, nil
	}
	c, err := codecFor(ctx, s.st, formHash)
	if err != nil {
		return nil, err
	}
	s.codecs[formHash] = c
	return c, nil
}

func codecFor(ctx context.Context, st survey.Store, formHash string) (*wire.Codec, error) {
	js, err := st.GetForm(ctx, formHash)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", formHash, err)
	}
	f, err := forms.Load(js)
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", formHash, err)
	}
	return wire.NewCodec(f)
}

// applyReceipts marks acknowledged what the server holds and quarantines
// what it refused. A receipt is applied only to the exact revision and
// content it names.
func (s *session) applyReceipts(ctx context.Context, rs []wire.Receipt, remember bool) error {
	for _, r := range rs {
		p := s.byID[r.ID]
		if p == nil || p.item.Hash != r.Hash || p.item.Revision != r.Revision {
			continue
		}
		if !r.Status.Acknowledged() {
			s.quarantine(ctx, p, r.Reason, remember)
			continue
		}
		err := s.st.MarkAcknowledged(ctx, r.ID, r.Revision, r.Hash)
		if err != nil && !errors.Is(err, survey.ErrConflict) && !errors.Is(err, survey.ErrNotFound) {
			return fmt.Errorf("sync: acknowledge %s: %w", r.ID, err)
		}
		delete(s.byID, r.ID) // a receipt is applied once
		s.res.Acknowledged++
		if r.Status == wire.Duplicate {
			s.res.Duplicates++
		}
		s.done++
	}
	s.report("batches", 0)
	return nil
}

// quarantine records the server's refusal of p's content; remember makes
// later sessions hold it back without asking.
func (s *session) quarantine(ctx context.Context, p *pending, reason string, remember bool) {
	if _, ok := s.byID[p.item.ID]; !ok {
		return
	}
	delete(s.byID, p.item.ID)
	s.done++
	s.res.Quarantined = append(s.res.Quarantined, Quarantined{ID: p.item.ID, Revision: p.item.Revision, Hash: p.item.Hash, Reason: reason})
	if remember {
		// Best effort: failing to remember costs one more refusal next time.
		_ = s.st.SetSetting(ctx, settingInvalid+p.item.ID+" "+p.item.Hash, reason)
	}
}

// downstream fetches new form versions and notices (rejections and their
// withdrawals), page by page. The cursor (the highest notice Seq applied)
// is kept per office when the server names it, else per address. After
// applying notices it asks once more with the new cursor, which tells the
// office the laptop has them (a rejection acknowledged can no longer be
// withdrawn).
func (s *session) downstream(ctx context.Context) error {
	s.report("downstream", 0)
	key := settingRejections + s.cl.c.base
	if off, err := s.st.Setting(ctx, settingOffice+s.cl.c.base); err == nil && off != "" {
		key = settingRejections + "office:" + off
	}
	cursor := func(k string) int64 {
		v, err := s.st.Setting(ctx, k)
		if err != nil {
			return 0
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	after := cursor(key)
	resetKey := settingPINResets + s.cl.c.base
	device, err := s.st.DeviceID(ctx)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	for page := 0; page < 1000; page++ {
		fis, err := s.st.Forms(ctx)
		if err != nil {
			return fmt.Errorf("sync: forms: %w", err)
		}
		req := wire.DownstreamRequest{Forms: make([]string, 0, len(fis)), RejectionsAfter: after}
		for _, fi := range fis {
			req.Forms = append(req.Forms, fi.Hash)
		}
		req.Device = device
		if v, err := s.st.Setting(ctx, resetKey); err == nil {
			req.PINResetsAfter, _ = strconv.ParseInt(v, 10, 64)
		}
		d, err := s.cl.Downstream(ctx, req)
		if err != nil {
			return fmt.Errorf("sync: downstream: %w", err)
		}
		if err := applyRecipient(ctx, s.st, d.Office, d.Recipient); err != nil {
			return err
		}
		if err := storePINResets(ctx, s.st, d.PINResets); err != nil {
			return err
		}
		for _, r := range d.PINResets {
			if r.Seq > req.PINResetsAfter {
				req.PINResetsAfter = r.Seq
			}
		}
		if len(d.PINResets) > 0 {
			if err := s.st.SetSetting(ctx, resetKey, strconv.FormatInt(req.PINResetsAfter, 10)); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
		}
		for _, fv := range d.Forms {
			f, err := forms.Load(fv.Form)
			if err != nil || f.Hash != fv.Hash {
				s.cl.log.Warn("sync: unreadable form from the server; skipped", "form", fv.FormID, "version", fv.Version, "err", err)
				continue
			}
			if err := s.st.PutForm(ctx, fv.FormID, fv.Version, fv.Hash, fv.Form); err != nil {
				return fmt.Errorf("sync: store form %s %s: %w", fv.FormID, fv.Version, err)
			}
			s.res.Forms++
		}
		if d.Office != "" && key != settingRejections+"office:"+d.Office {
			// This address names its office for the first time: from now
			// on the cursor is the office's, and what another address of
			// it already delivered is not applied again.
			key = settingRejections + "office:" + d.Office
			after = max(after, cursor(key))
			if err := s.st.SetSetting(ctx, key, strconv.FormatInt(after, 10)); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
			if err := s.st.SetSetting(ctx, settingOffice+s.cl.c.base, d.Office); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
		}
		applied := 0
		for _, r := range d.Rejections {
			if r.Seq <= after {
				continue
			}
			withdraw, err := applyRejection(ctx, s.st, s.cl.log, r)
			if err != nil {
				return err
			}
			if withdraw {
				s.res.Withdrawals++
			} else {
				s.res.Rejections++
			}
			applied++
			after = r.Seq
			// Stored after each one: a cut session never applies one twice
			// nor skips one.
			if err := s.st.SetSetting(ctx, key, strconv.FormatInt(after, 10)); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
		}
		if (!d.More || len(d.Rejections) == 0) && applied == 0 {
			return nil
		}
	}
	return nil
}

// applyRejection applies one notice. A rejection turns the laptop's copy of
// the interview into a rejected one with the supervisor's comments, or
// stores the server's copy when the laptop does not hold it (a replaced
// laptop); a rejection of a revision the laptop has moved past, or of
// other content at that revision (another laptop's copy, kept as a
// conflict at the office), is ignored. A withdrawal returns a rejected
// interview to acknowledged; one the enumerator already reopened stays a
// draft (the office then receives its next revision). withdraw reports
// which kind it was.
func applyRejection(ctx context.Context, st survey.Store, log *slog.Logger, r wire.Rejection) (withdraw bool, err error) {
	switch r.Kind {
	case "":
	case wire.RejectionWithdraw:
		err := st.WithdrawRejection(ctx, r.ID, r.Revision, r.Hash)
		switch {
		case err == nil:
			return true, survey.SetRejectionQuestions(ctx, st, r.ID, nil)
		case errors.Is(err, survey.ErrConflict), errors.Is(err, survey.ErrNotFound):
			return true, nil
		}
		return true, fmt.Errorf("sync: withdraw the rejection of %s: %w", r.ID, err)
	default:
		log.Warn("sync: a notice of an unknown kind from the server; skipped", "kind", r.Kind, "id", r.ID)
		return false, nil
	}
	err = st.Reject(ctx, r.ID, r.Comment, r.Revision, r.Hash)
	switch {
	case err == nil:
		return false, survey.SetRejectionQuestions(ctx, st, r.ID, r.Questions)
	case errors.Is(err, survey.ErrConflict):
		return false, nil
	case errors.Is(err, survey.ErrLocked):
		// An enumerator with no key on this laptop: nothing to seal it for.
		log.Warn("sync: rejection for an enumerator with no key on this laptop; not stored here", "id", r.ID)
		return false, nil
	case errors.Is(err, survey.ErrNotFound) && r.Interview != nil:
		iv := *r.Interview
		iv.Status = survey.StatusRejected
		iv.Comment = r.Comment
		err := st.Insert(ctx, []*survey.Interview{&iv})
		if errors.Is(err, survey.ErrLocked) {
			log.Warn("sync: rejected interview of an enumerator with no key on this laptop; not stored here", "id", r.ID, "revision", r.Revision)
			return false, nil
		}
		if errors.Is(err, survey.ErrNotFound) {
			// It cites an attachment this laptop never held (made on
			// another one): the copy cannot be stored here. Failing
			// would stop this rejection, and every later one, at each
			// session; the laptop holding the files applies it.
			log.Warn("sync: rejected interview cites files this laptop lacks; not stored here", "id", r.ID, "revision", r.Revision)
			return false, nil
		}
		if err != nil && !errors.Is(err, survey.ErrExists) {
			return false, fmt.Errorf("sync: store rejected interview %s: %w", r.ID, err)
		}
		return false, survey.SetRejectionQuestions(ctx, st, r.ID, r.Questions)
	case errors.Is(err, survey.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("sync: reject %s: %w", r.ID, err)
}

// drafts counts the laptop's interviews still in draft, over every form.
func (s *session) drafts(ctx context.Context) (int, error) {
	counts, err := s.st.Counts(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, byStatus := range counts {
		n += byStatus[survey.StatusDraft]
	}
	return n, nil
}
