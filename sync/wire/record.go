package wire

import (
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"sira/survey"
)

// The canonical record encoding of one interview, before compression.
// Integers are (u)varints, strings are a uvarint length and the bytes,
// maps are written in sorted key order so equal interviews encode equally.
// Keys (field and repeat paths) are a uvarint: k ≥ 1 names the schema's
// key k-1 (the compiled form's node paths in form order, so a key costs a
// byte or two); 0 is followed by the literal path, for fields the form does
// not know. Nil and empty slices are told apart (n+1, 0 for nil) because
// the content hash tells them apart.
//
//	record     = (1 [32]byte | 0 string) id form_id form_version form_hash enumerator device_id
//	             started ended updated status (ended, updated: 0 zero | 1 delta(after started) | 2 absolute) revision comment
//	             data attachments paradata
//	time       = 0 | 1 varint(unix seconds) uvarint(nanoseconds)
//	data       = 0 | 1 level
//	level      = uvarint(n) n×(key string) uvarint(m) m×(key list)
//	list       = uvarint(n+1 | 0) n×(0 | 1 level)
//	attachments= uvarint(n+1 | 0) n×(key name sha256 varint(size) type)
//	paradata   = uvarint(n+1 | 0) n×(delta(since previous, or started) kind key note)
//	delta      = varint(ms×2) if whole milliseconds, else varint(ns×2+1)

// maxDepth bounds nesting of repeats in decoded input.
const maxDepth = 32

type encoder struct {
	b     []byte
	index map[string]int
	c     *Codec            // set: the compact layout of protocol version 2 (record2)
	prev  *survey.Interview // record2: the previous record of the frame
	front bool              // keys front-coded against last (a stored body, body.go)
	last  string            // front: the key written before
}

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *encoder) key(s string) {
	if e.front {
		p := sharedPrefix(e.last, s)
		e.uvarint(uint64(p))
		e.str(s[p:])
		e.last = s
		return
	}
	if i, ok := e.index[s]; ok {
		e.uvarint(uint64(i + 1))
		return
	}
	e.uvarint(0)
	e.str(s)
}
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

// hash writes a content hash: 1 and 32 raw bytes for "sha256:<hex>",
// 0 and the string otherwise.
func (e *encoder) hash(h string) {
	if raw, ok := canonicalHash(h); ok {
		e.b = append(e.b, 1)
		e.b = append(e.b, raw[:]...)
		return
	}
	e.b = append(e.b, 0)
	e.str(h)
}

// timeRel writes t relative to base (nanoseconds), as most timestamps of an
// interview are minutes apart.
func (e *encoder) timeRel(t, base time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	if !nanoSafe(t) || !nanoSafe(base) {
		e.b = append(e.b, 2)
		e.varint(t.Unix())
		e.uvarint(uint64(t.Nanosecond()))
		return
	}
	e.b = append(e.b, 1)
	e.delta(t.UnixNano() - base.UnixNano())
}

// delta writes a nanosecond interval, in milliseconds when exact (the
// common case: a byte or two instead of five).
func (e *encoder) delta(ns int64) {
	if ns%1e6 == 0 {
		e.varint(ns / 1e6 * 2)
		return
	}
	e.varint(ns*2 + 1)
}

// nanoSafe reports whether t's UnixNano is exact (and far from overflow).
func nanoSafe(t time.Time) bool {
	y := t.Year()
	return y >= 1900 && y <= 2200
}

func (e *encoder) interview(iv *survey.Interview, hash string) {
	e.head(iv, hash)
	if e.c != nil {
		e.optLevel2(iv.Data, iv)
	} else {
		e.optLevel(iv.Data)
	}
	e.tail(iv)
}

// head writes a record up to its answers.
func (e *encoder) head(iv *survey.Interview, hash string) {
	if e.c != nil {
		same := e.header2(iv, hash)
		e.prev = iv
		if !same {
			e.str(iv.Enumerator)
			e.str(iv.DeviceID)
			e.str(string(iv.Status))
		}
		e.time2(iv.Started)
		e.timeRel(iv.Ended, iv.Started)
		e.timeRel(iv.Updated, updatedBase(iv))
	} else {
		e.hash(hash)
		e.str(iv.ID)
		e.str(iv.FormID)
		e.str(iv.FormVersion)
		e.str(iv.FormHash)
		e.str(iv.Enumerator)
		e.str(iv.DeviceID)
		e.time(iv.Started)
		e.timeRel(iv.Ended, iv.Started)
		e.timeRel(iv.Updated, iv.Started)
		e.str(string(iv.Status))
	}
	e.varint(int64(iv.Revision))
	e.str(iv.Comment)
}

// tail writes a record's attachments and paradata, after its answers.
func (e *encoder) tail(iv *survey.Interview) {
	if iv.Attachments == nil {
		e.uvarint(0)
	} else {
		e.uvarint(uint64(len(iv.Attachments)) + 1)
		for _, a := range iv.Attachments {
			e.key(a.Field)
			e.str(a.Name)
			e.str(a.SHA256)
			e.varint(a.Size)
			e.str(a.Type)
		}
	}
	if iv.Paradata == nil {
		e.uvarint(0)
	} else {
		e.uvarint(uint64(len(iv.Paradata)) + 1)
		var prev int64
		if nanoSafe(iv.Started) {
			prev = iv.Started.UnixNano()
		}
		for _, ev := range iv.Paradata {
			ns := ev.At.UnixNano()
			e.delta(ns - prev)
			prev = ns
			e.str(ev.Kind)
			e.key(ev.Field)
			e.str(ev.Note)
		}
	}
}

func (e *encoder) optLevel(r *survey.Record) {
	e.optLevelKV(r, nil)
}

// optLevelKV is optLevel with kv as scratch space for sorting; it returns
// the scratch, grown, for the caller to reuse.
func (e *encoder) optLevelKV(r *survey.Record, kv [][2]string) [][2]string {
	if r == nil {
		e.b = append(e.b, 0)
		return kv
	}
	e.b = append(e.b, 1)
	// The level's answers are sorted with their keys; the levels under it
	// reuse the scratch once they are written.
	kv = kv[:0]
	for k, v := range r.Values {
		kv = append(kv, [2]string{k, v})
	}
	slices.SortFunc(kv, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	e.uvarint(uint64(len(kv)))
	for _, x := range kv {
		e.key(x[0])
		e.str(x[1])
	}
	var scratch [4]string
	rkeys := scratch[:0]
	for k := range r.Repeats {
		rkeys = append(rkeys, k)
	}
	slices.Sort(rkeys)
	e.uvarint(uint64(len(rkeys)))
	for _, k := range rkeys {
		e.key(k)
		list := r.Repeats[k]
		if list == nil {
			e.uvarint(0)
			continue
		}
		e.uvarint(uint64(len(list)) + 1)
		for _, sub := range list {
			kv = e.optLevelKV(sub, kv)
		}
	}
	return kv
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decoder reads the record encoding; every failure is CodeCorrupt.
type decoder struct {
	b     []byte
	keys  []string
	front bool   // keys front-coded against last (a stored body, body.go)
	last  string // front: the key read before
	err   *Error
	c     *Codec            // set: the compact layout of protocol version 2 (record2)
	prev  *survey.Interview // record2: the previous record of the frame
	v     *view             // record2: the answers of the current record (view.go)
	root  int               // record2: the view's level of the answers (-1: nil)
	vals  string            // record2: the view's arena, as the answers' strings share it
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = Errorf(CodeCorrupt, "undecodable batch payload: %s", what)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) delta() int64 {
	v := d.varint()
	if v&1 == 0 {
		return v / 2 * 1e6
	}
	return (v - 1) / 2
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	if c > 1 {
		d.fail("bad presence byte")
	}
	return c
}

func (d *decoder) str() string {
	return string(d.raw())
}

// raw reads a string's bytes without copying them.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("string longer than the payload")
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// kind reads a paradata event kind; the usual ones cost no allocation.
func (d *decoder) kind() string {
	switch b := d.raw(); string(b) {
	case "enter":
		return "enter"
	case "leave":
		return "leave"
	case "focus":
		return "focus"
	case "change":
		return "change"
	case "language":
		return "language"
	case "finalize":
		return "finalize"
	case "resume":
		return "resume"
	default:
		return string(b)
	}
}

// count reads an element count and checks it against the bytes left (every
// element takes at least one byte), so a forged count cannot allocate.
func (d *decoder) count(v uint64) int {
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.b)) {
		d.fail("count larger than the payload")
		return 0
	}
	return int(v)
}

func (d *decoder) key() string {
	if d.front {
		return d.frontKey()
	}
	k := d.uvarint()
	if d.err != nil {
		return ""
	}
	if k == 0 {
		return d.str()
	}
	if k > uint64(len(d.keys)) {
		d.fail("key index out of range")
		return ""
	}
	return d.keys[k-1]
}

func (d *decoder) time() time.Time {
	if d.byte1() == 0 || d.err != nil {
		return time.Time{}
	}
	sec := d.varint()
	ns := d.uvarint()
	if ns >= 1e9 {
		d.fail("bad nanoseconds")
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *decoder) hash() string {
	if d.byte1() == 0 {
		return d.str()
	}
	if len(d.b) < 32 {
		d.fail("truncated hash")
		return ""
	}
	var raw [32]byte
	copy(raw[:], d.b)
	d.b = d.b[32:]
	return SubjectHash(raw)
}

func (d *decoder) timeRel(base time.Time) time.Time {
	if d.err != nil || len(d.b) == 0 {
		d.fail("unexpected end")
		return time.Time{}
	}
	c := d.b[0]
	d.b = d.b[1:]
	switch {
	case c == 0:
		return time.Time{}
	case c == 1 && nanoSafe(base):
		return time.Unix(0, base.UnixNano()+d.delta()).UTC()
	case c == 2:
		sec, ns := d.varint(), d.uvarint()
		if ns >= 1e9 {
			d.fail("bad nanoseconds")
		}
		return time.Unix(sec, int64(ns)).UTC()
	}
	d.fail("bad time")
	return time.Time{}
}

func (d *decoder) interview() (*survey.Interview, string) {
	var hash string
	iv := &survey.Interview{}
	if d.c != nil {
		var same bool
		hash, same = d.header2(iv)
		if same {
			if d.prev == nil {
				d.fail("first record of a frame refers to a previous one")
				return iv, ""
			}
			iv.Enumerator, iv.DeviceID, iv.Status = d.prev.Enumerator, d.prev.DeviceID, d.prev.Status
		} else {
			iv.Enumerator, iv.DeviceID, iv.Status = d.str(), d.str(), survey.Status(d.str())
		}
		d.prev = iv
		iv.Started = d.time2()
		iv.Ended = d.timeRel(iv.Started)
		iv.Updated = d.timeRel(updatedBase(iv))
	} else {
		hash = d.hash()
		iv.ID, iv.FormID, iv.FormVersion, iv.FormHash = d.str(), d.str(), d.str(), d.str()
		iv.Enumerator, iv.DeviceID = d.str(), d.str()
		iv.Started = d.time()
		iv.Ended = d.timeRel(iv.Started)
		iv.Updated = d.timeRel(iv.Started)
		iv.Status = survey.Status(d.str())
	}
	iv.Revision = int(d.varint())
	iv.Comment = d.str()
	if d.c != nil {
		d.v.reset()
		d.root = d.level2(0, iv)
	} else {
		iv.Data = d.optLevel(0)
	}
	if n := d.uvarint(); n > 0 {
		n := d.count(n - 1)
		iv.Attachments = make([]survey.Attachment, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			iv.Attachments = append(iv.Attachments, survey.Attachment{
				Field: d.key(), Name: d.str(), SHA256: d.str(), Size: d.varint(), Type: d.str(),
			})
		}
	}
	if n := d.uvarint(); n > 0 {
		n := d.count(n - 1)
		iv.Paradata = make([]survey.Event, 0, n)
		var prev int64
		if nanoSafe(iv.Started) {
			prev = iv.Started.UnixNano()
		}
		for i := 0; i < n && d.err == nil; i++ {
			prev += d.delta()
			iv.Paradata = append(iv.Paradata, survey.Event{
				At: time.Unix(0, prev).UTC(), Kind: d.kind(), Field: d.key(), Note: d.str(),
			})
		}
	}
	if d.c != nil && d.err == nil {
		// Every answer of the interview shares one string.
		d.vals = string(d.v.arena)
		iv.Data = d.records(d.root, d.vals, make([]survey.Record, len(d.v.levels)), make([]*survey.Record, len(d.v.insts)))
	}
	return iv, hash
}

func (d *decoder) optLevel(depth int) *survey.Record {
	if d.byte1() == 0 || d.err != nil {
		return nil
	}
	if depth > maxDepth {
		d.fail("repeats nested too deep")
		return nil
	}
	r := &survey.Record{}
	if n := d.count(d.uvarint()); n > 0 {
		r.Values = make(map[string]string, n)
		for i := 0; i < n && d.err == nil; i++ {
			k := d.key()
			r.Values[k] = d.str()
		}
	}
	if n := d.count(d.uvarint()); n > 0 {
		r.Repeats = make(map[string][]*survey.Record, n)
		for i := 0; i < n && d.err == nil; i++ {
			k := d.key()
			m := d.uvarint()
			if m == 0 {
				r.Repeats[k] = nil
				continue
			}
			m1 := d.count(m - 1)
			list := make([]*survey.Record, 0, m1)
			for j := 0; j < m1 && d.err == nil; j++ {
				list = append(list, d.optLevel(depth+1))
			}
			r.Repeats[k] = list
		}
	}
	return r
}
