package wire

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Compact negotiation messages (protocol version 2). An offer, its answer and
// a batch's receipts are mostly ids and hashes; in JSON they cost more than
// the interviews on a slow link. The compact forms carry ids and hashes as
// raw bytes, once, in the offer only: the server answers by position in the
// offer (one status byte per item, a `need` bitmap in effect) and receipts
// by position in the batch. Layouts are in PROTOCOL.md; the JSON messages
// of version 1 stay served for older clients.

// Content types of the compact messages.
const (
	ContentTypeOffer    = "application/vnd.sira.offer"    // OfferV2 request body
	ContentTypeStatuses = "application/vnd.sira.statuses" // offer answer and receipts
)

// Status codes of the compact answers: one byte per item.
const (
	codeNeed byte = iota // offer answer only: send it
	codeStored
	codeDuplicate
	codeUpdated
	codeSuperseded
	codeConflict
	codeInvalid
)

var statusCodes = map[ReceiptStatus]byte{
	Stored: codeStored, Duplicate: codeDuplicate, Updated: codeUpdated,
	Superseded: codeSuperseded, Conflict: codeConflict, Invalid: codeInvalid,
}

var codeStatuses = [...]ReceiptStatus{"", Stored, Duplicate, Updated, Superseded, Conflict, Invalid}

// maxMessageItems bounds the items of one compact message.
const maxMessageItems = 100000

// MarshalOffer encodes off in the compact layout: columns (form hashes,
// ids, revisions, hashes, form indices, attachments, drafts), so the
// columns that repeat (revisions, forms) vanish under content coding.
// Every Hash and FormHash must be "sha256:<hex>", every attachment 64 hex.
func MarshalOffer(off Offer) ([]byte, error) {
	var e encoder
	forms := map[string]int{}
	var formOrder []string
	for _, it := range off.Items {
		if _, ok := forms[it.FormHash]; !ok {
			forms[it.FormHash] = len(formOrder)
			formOrder = append(formOrder, it.FormHash)
		}
	}
	e.uvarint(uint64(len(formOrder)))
	for _, fh := range formOrder {
		raw, err := parseHash(fh)
		if err != nil {
			return nil, fmt.Errorf("offer: form %w", err)
		}
		e.b = append(e.b, raw[:]...)
	}
	e.uvarint(uint64(len(off.Items)))
	for _, it := range off.Items {
		e.id(it.ID)
	}
	for _, it := range off.Items {
		e.uvarint(uint64(max(it.Revision, 0)))
	}
	for _, it := range off.Items {
		raw, err := parseHash(it.Hash)
		if err != nil {
			return nil, fmt.Errorf("offer: interview %s: %w", it.ID, err)
		}
		e.b = append(e.b, raw[:]...)
	}
	for _, it := range off.Items {
		e.uvarint(uint64(forms[it.FormHash]))
	}
	e.uvarint(uint64(len(off.Attachments)))
	for _, a := range off.Attachments {
		raw, err := parseHash("sha256:" + a)
		if err != nil {
			return nil, fmt.Errorf("offer: attachment %w", err)
		}
		e.b = append(e.b, raw[:]...)
	}
	if off.Drafts == nil {
		e.uvarint(0)
	} else {
		e.uvarint(uint64(max(*off.Drafts, 0)) + 1)
	}
	return e.b, nil
}

// UnmarshalOffer decodes what MarshalOffer wrote. Errors are *Error
// (CodeBadRequest, CodeTooLarge).
func UnmarshalOffer(b []byte) (Offer, error) {
	d := decoder{b: b}
	var off Offer
	nf := d.count32(d.uvarint())
	formHashes := make([]string, 0, nf)
	for i := 0; i < nf && d.err == nil; i++ {
		formHashes = append(formHashes, d.raw32())
	}
	n := d.count(d.uvarint())
	if n > maxMessageItems {
		return off, Errorf(CodeTooLarge, "offer of %d items: at most %d", n, maxMessageItems)
	}
	off.Items = make([]Item, n)
	for i := 0; i < n && d.err == nil; i++ {
		off.Items[i].ID = d.id()
	}
	for i := 0; i < n && d.err == nil; i++ {
		off.Items[i].Revision = int(min(d.uvarint(), 1<<31))
	}
	for i := 0; i < n && d.err == nil; i++ {
		off.Items[i].Hash = d.raw32()
	}
	for i := 0; i < n && d.err == nil; i++ {
		k := d.uvarint()
		if k >= uint64(len(formHashes)) {
			d.fail("form index out of range")
			break
		}
		off.Items[i].FormHash = formHashes[k]
	}
	na := d.count32(d.uvarint())
	if na > maxMessageItems {
		return off, Errorf(CodeTooLarge, "offer of %d attachments: at most %d", na, maxMessageItems)
	}
	for i := 0; i < na && d.err == nil; i++ {
		off.Attachments = append(off.Attachments, strings.TrimPrefix(d.raw32(), "sha256:"))
	}
	if v := d.uvarint(); v > 0 && d.err == nil {
		dr := int(min(v-1, 1<<31))
		off.Drafts = &dr
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("bytes after the offer")
	}
	if d.err != nil {
		return Offer{}, Errorf(CodeBadRequest, "bad compact offer: %s", d.err.Message)
	}
	return off, nil
}

// MarshalOfferReply encodes rep as an answer to off, by position: one
// status byte per offered item (0: needed), the reasons of the invalid
// ones, then the missing attachments as (index in the offer, offset).
func MarshalOfferReply(off Offer, rep OfferReply) ([]byte, error) {
	pos := map[string]int{}
	for i, it := range off.Items {
		pos[it.ID+" "+it.Hash] = i
	}
	status := make([]byte, len(off.Items))
	reasons := make([]string, len(off.Items))
	for _, r := range rep.Receipts {
		i, ok := pos[r.ID+" "+r.Hash]
		if !ok {
			return nil, fmt.Errorf("offer reply: receipt for %s not offered", r.ID)
		}
		c, ok := statusCodes[r.Status]
		if !ok {
			return nil, fmt.Errorf("offer reply: unknown status %q", r.Status)
		}
		status[i], reasons[i] = c, r.Reason
	}
	var e encoder
	e.uvarint(uint64(len(status)))
	e.b = append(e.b, status...)
	for i, c := range status {
		if c == codeInvalid {
			e.str(reasons[i])
		}
	}
	apos := map[string]int{}
	for i, a := range off.Attachments {
		apos[a] = i
	}
	e.uvarint(uint64(len(rep.Attachments)))
	for _, a := range rep.Attachments {
		i, ok := apos[a.SHA256]
		if !ok {
			return nil, fmt.Errorf("offer reply: attachment %s not offered", a.SHA256)
		}
		e.uvarint(uint64(i))
		e.uvarint(uint64(max(a.Offset, 0)))
	}
	return e.b, nil
}

// UnmarshalOfferReply decodes the answer to off. Errors are *Error with
// CodeCorrupt (the caller treats them as a cut response and asks again).
func UnmarshalOfferReply(off Offer, b []byte) (*OfferReply, error) {
	d := decoder{b: b}
	rep := &OfferReply{Need: []Item{}, Receipts: []Receipt{}}
	statuses := d.statuses(len(off.Items))
	for i, c := range statuses {
		it := off.Items[i]
		if c == codeNeed {
			rep.Need = append(rep.Need, it)
			continue
		}
		rep.Receipts = append(rep.Receipts, Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash, Status: codeStatuses[c]})
	}
	for i := range rep.Receipts {
		if rep.Receipts[i].Status == Invalid {
			rep.Receipts[i].Reason = d.str()
		}
	}
	na := d.count(d.uvarint())
	for i := 0; i < na && d.err == nil; i++ {
		k, o := d.uvarint(), d.uvarint()
		if k >= uint64(len(off.Attachments)) || o > 1<<62 {
			d.fail("attachment index out of range")
			break
		}
		rep.Attachments = append(rep.Attachments, AttachmentState{SHA256: off.Attachments[k], Offset: int64(o)})
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("bytes after the offer reply")
	}
	if d.err != nil {
		return nil, d.err
	}
	return rep, nil
}

// MarshalReceipts encodes a batch's receipts by position: a count, one
// status byte each, then the reasons of the invalid ones.
func MarshalReceipts(rs []Receipt) ([]byte, error) {
	var e encoder
	e.uvarint(uint64(len(rs)))
	for _, r := range rs {
		c, ok := statusCodes[r.Status]
		if !ok {
			return nil, fmt.Errorf("receipts: unknown status %q", r.Status)
		}
		e.b = append(e.b, c)
	}
	for _, r := range rs {
		if r.Status == Invalid {
			e.str(r.Reason)
		}
	}
	return e.b, nil
}

// UnmarshalReceipts decodes the receipts of a batch of items, in batch
// order, filling in each item's identity. A count that is not len(items)
// is CodeCorrupt.
func UnmarshalReceipts(items []Item, b []byte) ([]Receipt, error) {
	d := decoder{b: b}
	statuses := d.statuses(len(items))
	rs := make([]Receipt, 0, len(statuses))
	for i, c := range statuses {
		if c == codeNeed {
			d.fail("receipt without a status")
			break
		}
		it := items[i]
		rs = append(rs, Receipt{ID: it.ID, Revision: it.Revision, Hash: it.Hash, Status: codeStatuses[c]})
	}
	for i := range rs {
		if rs[i].Status == Invalid {
			rs[i].Reason = d.str()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("bytes after the receipts")
	}
	if d.err != nil {
		return nil, d.err
	}
	return rs, nil
}

// statuses reads a count that must be n and n status bytes.
func (d *decoder) statuses(n int) []byte {
	if got := d.uvarint(); d.err == nil && got != uint64(n) {
		d.fail(fmt.Sprintf("%d statuses for %d items", got, n))
	}
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail("truncated statuses")
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	for _, c := range s {
		if int(c) >= len(codeStatuses) {
			d.fail("unknown status")
			return nil
		}
	}
	return s
}

// count32 is count for elements of 32 bytes.
func (d *decoder) count32(v uint64) int {
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.b)/32) {
		d.fail("count larger than the payload")
		return 0
	}
	return int(v)
}

// raw32 reads 32 raw bytes as "sha256:<hex>".
func (d *decoder) raw32() string {
	if d.err != nil {
		return ""
	}
	if len(d.b) < 32 {
		d.fail("truncated hash")
		return ""
	}
	var raw [32]byte
	copy(raw[:], d.b)
	d.b = d.b[32:]
	return "sha256:" + hex.EncodeToString(raw[:])
}

// id writes an interview id: 0 and 16 raw bytes for "uuid:" and a
// canonical lowercase UUID (what survey gives every interview), else the
// string's length + 1 and its bytes.
func (e *encoder) id(s string) {
	if raw, ok := parseUUID(s); ok {
		e.b = append(e.b, 0)
		e.b = append(e.b, raw[:]...)
		return
	}
	e.uvarint(uint64(len(s)) + 1)
	e.b = append(e.b, s...)
}

func (d *decoder) id() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n == 0 {
		if len(d.b) < 16 {
			d.fail("truncated id")
			return ""
		}
		s := formatUUID(d.b[:16])
		d.b = d.b[16:]
		return s
	}
	n--
	if n > uint64(len(d.b)) {
		d.fail("string longer than the payload")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// parseUUID returns the 16 bytes of "uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
// in lowercase hex; anything else (upper case included) is not ok, so
// formatUUID gives back exactly s.
func parseUUID(s string) ([16]byte, bool) {
	var raw [16]byte
	u, ok := strings.CutPrefix(s, "uuid:")
	if !ok || len(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' {
		return raw, false
	}
	hx := u[0:8] + u[9:13] + u[14:18] + u[19:23] + u[24:]
	for _, c := range hx {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return raw, false
		}
	}
	if _, err := hex.Decode(raw[:], []byte(hx)); err != nil {
		return raw, false
	}
	return raw, true
}

func formatUUID(b []byte) string {
	var buf [41]byte
	copy(buf[:], "uuid:")
	hex.Encode(buf[5:13], b[0:4])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[4:6])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[6:8])
	buf[23] = '-'
	hex.Encode(buf[24:28], b[8:10])
	buf[28] = '-'
	hex.Encode(buf[29:41], b[10:16])
	return string(buf[:])
}
