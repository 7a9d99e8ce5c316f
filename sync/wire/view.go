package wire

import (
	"slices"
	"strconv"
	"time"

	"sira/survey"
)

// Decoding a version 2 record goes through a view: the answers are read
// into flat slices (one byte arena for all the values of the interview,
// one entry per value, level and repeat) and only then turned into the
// survey.Record maps. Because a record2 names its keys by their index in
// the codec's key table, the view can put every level in the order of the
// sorted paths with no string comparison (Codec.rank), and write from it
// the answers' JSON (for the content hash) and the storage encoding
// (MarshalInterview's) in one pass each: the sorts of Record.AppendJSON
// and of MarshalInterview were most of a batch's decoding.
//
// A record that names a path outside the key table (a literal key) is
// rare; its view is not in sorted order, and its JSON and storage encoding
// are computed from the decoded Record as before (view.literal).

// view is the decoded answers of one interview; a decoder reuses it from
// one interview of a frame to the next.
type view struct {
	arena   []byte   // the bytes of every value
	vals    []vval   // the values of each level, level after level
	levels  []vlevel // levels[0] is the root
	reps    []vrep   // the repeats of each level, level after level
	insts   []int32  // repeat instances: level indices, -1 for a nil instance
	lits    []string // literal keys
	literal bool     // some key is a literal: the view is not sorted
	tmp     []vval   // scratch of sortView
	slot    []int32  // scratch of sortView, by key rank; all zero between uses
}

// vval is one answer: key is a key table index, or ^i for lits[i]; the
// value is arena[lo:hi].
type vval struct {
	key    int32
	plain  bool // the value needs no JSON escaping (typed answers)
	lo, hi int
}

// vlevel is one level (a Record): its values are vals[vals:vals+nvals],
// its repeats reps[reps:reps+nreps].
type vlevel struct {
	vals, nvals int
	reps, nreps int
}

// vrep is one repeat of a level: key as vval's; n instances at
// insts[insts:insts+n], or n = -1 for a nil list.
type vrep struct {
	key   int32
	n     int
	insts int
}

func (v *view) reset() {
	v.arena = v.arena[:0]
	v.vals = v.vals[:0]
	v.levels = v.levels[:0]
	v.reps = v.reps[:0]
	v.insts = v.insts[:0]
	v.lits = v.lits[:0]
	v.literal = false
}

// keyOf turns what decoder.keyref returned into a vval key.
func (v *view) keyOf(k string, idx int) int32 {
	if idx >= 0 {
		return int32(idx)
	}
	v.literal = true
	v.lits = append(v.lits, k)
	return ^int32(len(v.lits) - 1)
}

// level2 reads an optional level2 into the view and returns its index,
// or -1 for an absent (nil) record.
func (d *decoder) level2(depth int, iv *survey.Interview) int {
	if d.byte1() == 0 || d.err != nil {
		return -1
	}
	if depth > maxDepth {
		d.fail("repeats nested too deep")
		return -1
	}
	v := d.v
	li := len(v.levels)
	v.levels = append(v.levels, vlevel{vals: len(v.vals)})
	n := d.count(d.uvarint())
	var prev uint64
	for i := 0; i < n && d.err == nil; i++ {
		k, idx := d.keyref(&prev)
		if d.err != nil {
			break
		}
		var ft *fieldType
		if idx >= 0 {
			ft = &d.c.types[idx]
		}
		key := v.keyOf(k, idx)
		lo := len(v.arena)
		plain := d.value(ft, iv)
		v.vals = append(v.vals, vval{key: key, plain: plain, lo: lo, hi: len(v.arena)})
	}
	v.levels[li].nvals = len(v.vals) - v.levels[li].vals
	m := d.count(d.uvarint())
	// The level's repeats are reserved before their instances, whose own
	// repeats come after them.
	rs := len(v.reps)
	v.reps = slices.Grow(v.reps, m)[:rs+m]
	v.levels[li].reps, v.levels[li].nreps = rs, m
	prev = 0
	for i := 0; i < m && d.err == nil; i++ {
		k, idx := d.keyref(&prev)
		key := v.keyOf(k, idx)
		c := d.uvarint()
		if c == 0 {
			v.reps[rs+i] = vrep{key: key, n: -1}
			continue
		}
		c1 := d.count(c - 1)
		is := len(v.insts)
		v.insts = slices.Grow(v.insts, c1)[:is+c1]
		for j := 0; j < c1 && d.err == nil; j++ {
			// level2 may grow v.insts: index it after the call, whatever
			// order the compiler evaluates the assignment's operands in.
			li := d.level2(depth+1, iv)
			v.insts[is+j] = int32(li)
		}
		v.reps[rs+i] = vrep{key: key, n: c1, insts: is}
	}
	return li
}

// sortView puts every level's values and repeats in the order of their
// paths (a view without literal keys only).
func (c *Codec) sortView(v *view) {
	if len(v.slot) < len(c.keys) {
		v.slot = make([]int32, len(c.keys))
	}
	for _, l := range v.levels {
		vals := v.vals[l.vals : l.vals+l.nvals]
		if len(vals) > 1 {
			// Counting sort by rank: ranks are distinct (a level names a
			// key at most once) and those of a level are close together
			// (the paths inside one repeat are adjacent in sorted order).
			v.tmp = append(v.tmp[:0], vals...)
			lo, hi := len(c.keys), 0
			for i, e := range v.tmp {
				r := int(c.rank[e.key])
				v.slot[r] = int32(i) + 1
				lo, hi = min(lo, r), max(hi, r)
			}
			j := 0
			for r := lo; r <= hi; r++ {
				if s := v.slot[r]; s != 0 {
					vals[j] = v.tmp[s-1]
					j++
					v.slot[r] = 0
				}
			}
		}
		reps := v.reps[l.reps : l.reps+l.nreps]
		// Few repeats per level: insertion sort.
		for i := 1; i < len(reps); i++ {
			for j := i; j > 0 && c.rank[reps[j].key] < c.rank[reps[j-1].key]; j-- {
				reps[j], reps[j-1] = reps[j-1], reps[j]
			}
		}
	}
}

// viewKey returns the path a vval or vrep key names.
func (d *decoder) viewKey(k int32) string {
	if k >= 0 {
		return d.keys[k]
	}
	return d.v.lits[^k]
}

// records builds the survey.Record of level li and of the levels under
// it, with values taken from s (the arena as a string: one allocation for
// every answer of the interview). recs holds one Record per level.
func (d *decoder) records(li int, s string, recs []survey.Record, lists []*survey.Record) *survey.Record {
	if li < 0 {
		return nil
	}
	v := d.v
	l := v.levels[li]
	r := &recs[li]
	if l.nvals > 0 {
		r.Values = make(map[string]string, l.nvals)
		for _, e := range v.vals[l.vals : l.vals+l.nvals] {
			r.Values[d.viewKey(e.key)] = s[e.lo:e.hi]
		}
	}
	if l.nreps > 0 {
		r.Repeats = make(map[string][]*survey.Record, l.nreps)
		for _, rp := range v.reps[l.reps : l.reps+l.nreps] {
			if rp.n < 0 {
				r.Repeats[d.viewKey(rp.key)] = nil
				continue
			}
			list := lists[rp.insts : rp.insts+rp.n : rp.insts+rp.n]
			for j, inst := range v.insts[rp.insts : rp.insts+rp.n] {
				list[j] = d.records(int(inst), s, recs, lists)
			}
			r.Repeats[d.viewKey(rp.key)] = list
		}
	}
	return r
}

// appendJSON appends the JSON of level li as Record.AppendJSON writes it
// (a sorted view only).
func (c *Codec) appendJSON(b []byte, v *view, s string, li int) []byte {
	if li < 0 {
		return append(b, "null"...)
	}
	l := v.levels[li]
	b = append(b, '{')
	if l.nvals > 0 {
		b = append(b, `"values":{`...)
		for i, e := range v.vals[l.vals : l.vals+l.nvals] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, c.jsonKeys[e.key]...)
			if e.plain {
				b = append(b, '"')
				b = append(b, s[e.lo:e.hi]...)
				b = append(b, '"')
			} else {
				b = survey.AppendJSONString(b, s[e.lo:e.hi])
			}
		}
		b = append(b, '}')
	}
	if l.nreps > 0 {
		if l.nvals > 0 {
			b = append(b, ',')
		}
		b = append(b, `"repeats":{`...)
		for i, rp := range v.reps[l.reps : l.reps+l.nreps] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, c.jsonKeys[rp.key]...)
			if rp.n < 0 {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for j, inst := range v.insts[rp.insts : rp.insts+rp.n] {
				if j > 0 {
					b = append(b, ',')
				}
				b = c.appendJSON(b, v, s, int(inst))
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendBody appends level li as encoder.optLevel writes it without a key
// table (MarshalInterview's layout; a sorted view only).
func (c *Codec) appendBody(e *encoder, v *view, li int) {
	if li < 0 {
		e.b = append(e.b, 0)
		return
	}
	l := v.levels[li]
	e.b = append(e.b, 1)
	e.uvarint(uint64(l.nvals))
	for _, x := range v.vals[l.vals : l.vals+l.nvals] {
		e.key(c.keys[x.key])
		e.uvarint(uint64(x.hi - x.lo))
		e.b = append(e.b, v.arena[x.lo:x.hi]...)
	}
	e.uvarint(uint64(l.nreps))
	for _, rp := range v.reps[l.reps : l.reps+l.nreps] {
		e.key(c.keys[rp.key])
		if rp.n < 0 {
			e.uvarint(0)
			continue
		}
		e.uvarint(uint64(rp.n) + 1)
		for _, inst := range v.insts[rp.insts : rp.insts+rp.n] {
			c.appendBody(e, v, int(inst))
		}
	}
}

// value reads what encoder.value wrote, onto the view's arena, and
// reports whether it is plain JSON text (numbers, dates, choices whose
// names need no escaping), so that appendJSON need not scan it.
func (d *decoder) value(ft *fieldType, iv *survey.Interview) bool {
	v := d.v
	if ft == nil || ft.kind == kindString {
		v.arena = append(v.arena, d.raw()...)
		return false
	}
	x := d.uvarint()
	if d.err != nil {
		return false
	}
	if x == 0 {
		v.arena = append(v.arena, d.raw()...)
		return false
	}
	base := iv.Started
	switch ft.kind {
	case kindDevice, kindUsername:
		if x != 1 {
			d.fail("bad own-value tag")
			return false
		}
		if ft.kind == kindUsername {
			v.arena = append(v.arena, iv.Enumerator...)
			return false
		}
		v.arena = append(v.arena, iv.DeviceID...)
		return false
	case kindEnd:
		if iv.Ended.IsZero() {
			d.fail("end relative to no end")
			return false
		}
		d.dateTime(x, iv.Ended)
		return true
	case kindSelectOne:
		if x-1 >= uint64(len(ft.choices)) {
			d.fail("choice index out of range")
			return false
		}
		v.arena = append(v.arena, ft.choices[x-1]...)
		return ft.plain[x-1]
	case kindSelectMulti:
		n := d.count(x)
		plain := true
		for i := 0; i < n && d.err == nil; i++ {
			k := d.uvarint()
			if k >= uint64(len(ft.choices)) {
				d.fail("choice index out of range")
				return false
			}
			if i > 0 {
				v.arena = append(v.arena, ' ')
			}
			v.arena = append(v.arena, ft.choices[k]...)
			plain = plain && ft.plain[k]
		}
		return plain
	case kindInteger:
		v.arena = strconv.AppendInt(v.arena, unzigzag(x-1), 10)
		return true
	case kindDecimal:
		u := x - 1
		v.arena = appendDecimal(v.arena, unzigzag(u>>3), int(u&7))
		return true
	case kindDate:
		days := unzigzag(x-1) + dayOf(base)
		if days < -25567 || days > 84000 { // 1900..2200
			d.fail("date out of range")
			return false
		}
		v.arena = appendDate(v.arena, time.Unix(days*86400, 0).UTC())
		return true
	case kindDateTime:
		d.dateTime(x, base)
		return true
	}
	d.fail("bad value kind")
	return false
}

func (d *decoder) dateTime(x uint64, base time.Time) {
	ms := unzigzag(x-1) + base.UnixMilli()
	t := time.UnixMilli(ms).UTC()
	if !nanoSafe(t) {
		d.fail("dateTime out of range")
		return
	}
	d.v.arena = appendDateTime(d.v.arena, t)
}

// appendDate appends t.Format(dateLayout) for a year of four digits.
func appendDate(b []byte, t time.Time) []byte {
	y, m, dd := t.Date()
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	return append2(b, dd)
}

// appendDateTime appends t.Format(dateTimeLayout) for a UTC t whose year
// has four digits.
func appendDateTime(b []byte, t time.Time) []byte {
	b = appendDate(b, t)
	h, mi, s := t.Clock()
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	b = append(b, '.')
	ms := t.Nanosecond() / 1e6
	b = append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendDecimal appends mantissa m with d (at most 7) digits after the
// point, as formatDecimal writes it.
func appendDecimal(b []byte, m int64, d int) []byte {
	u := uint64(m)
	if m < 0 {
		b = append(b, '-')
		u = -u
	}
	var buf [32]byte
	p := buf[:0]
	for range d + 1 - len(strconv.AppendUint(buf[:0], u, 10)) {
		p = append(p, '0')
	}
	p = strconv.AppendUint(p, u, 10)
	if d <= 0 {
		return append(b, p...)
	}
	b = append(b, p[:len(p)-d]...)
	b = append(b, '.')
	return append(b, p[len(p)-d:]...)
}
