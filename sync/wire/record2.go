package wire

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"sira/survey"
)

// The record layout of protocol version 2 (frames of version 2; version 1
// frames are still read). It differs from version 1 in the header and in
// the answers:
//
//	record2  = flags hashref id [form_id form_version form_hash]
//	           [enumerator device_id status] started2 ended updated revision comment data2 attachments paradata
//	flags    = bit 0: the form is the codec's (form fields omitted); bit 1: enumerator,
//	           device and status are the previous record's (omitted); bit 2: hashref
//	           is the first HashPrefixLen bytes of the sha256 content hash (else a
//	           string); bit 3: id is a canonical "uuid:…" as 16 bytes (else a string)
//	started2 = uvarint: 0 zero | 2+2×seconds since 2020 | 3+2×ms since 2020 | 1 absolute
//	updated  = relative to ended when there is one
//	data2    = 0 | 1 level2
//	level2   = uvarint(n) n×(keyref value) uvarint(m) m×(keyref list2)
//	keyref   = uvarint(k - previous k) ≥ 1 for key table entries, in table
//	           order | 0 string for literal paths, after them, sorted
//	value    = the field's typed answer (typed.go) | string for untyped fields
//
// The full content hash travels in the offer; the server recomputes it from
// the decoded content and compares its first 8 bytes with the record's
// (with the frame's CRC-32C against corruption in transit). A mismatch is
// hash_mismatch and nothing is stored.

// HashPrefixLen is the bytes of the content hash a version 2 record
// carries (PROTOCOL.md, "Integrity", says why that is enough).
const HashPrefixLen = 6

// Record flags.
const (
	flagSameForm   = 1 << 0 // form id, version and hash are the codec's: omitted
	flagSamePeople = 1 << 1 // enumerator, device and status are the previous record's: omitted
	flagHashPrefix = 1 << 2 // the hash is a sha256 prefix of HashPrefixLen bytes (else a string)
	flagUUID       = 1 << 3 // the id is a canonical "uuid:…" as 16 bytes (else a string)
)

// updatedBase is what a record2's Updated is written relative to: the end
// when there is one (they are usually equal), else the start.
func updatedBase(iv *survey.Interview) time.Time {
	if !iv.Ended.IsZero() {
		return iv.Ended
	}
	return iv.Started
}

// header2 writes the head of a record2 and reports whether the enumerator,
// device and status are omitted (flagSamePeople).
func (e *encoder) header2(iv *survey.Interview, hash string) bool {
	same := e.c.formHash != "" && iv.FormHash == e.c.formHash && iv.FormID == e.c.formID && iv.FormVersion == e.c.formVersion
	people := e.prev != nil && e.prev.Enumerator == iv.Enumerator && e.prev.DeviceID == iv.DeviceID && e.prev.Status == iv.Status
	raw, prefix := canonicalHash(hash)
	uid, isUUID := parseUUID(iv.ID)
	var flags byte
	if same {
		flags |= flagSameForm
	}
	if people {
		flags |= flagSamePeople
	}
	if prefix {
		flags |= flagHashPrefix
	}
	if isUUID {
		flags |= flagUUID
	}
	e.b = append(e.b, flags)
	if prefix {
		e.b = append(e.b, raw[:HashPrefixLen]...)
	} else {
		e.str(hash)
	}
	if isUUID {
		e.b = append(e.b, uid[:]...)
	} else {
		e.str(iv.ID)
	}
	if !same {
		e.str(iv.FormID)
		e.str(iv.FormVersion)
		e.str(iv.FormHash)
	}
	return people
}

// header2 reads the head of a version 2 record; the hash it returns is
// "prefix:<hex>" for a hash prefix, to be checked by hashMatches.
func (d *decoder) header2(iv *survey.Interview) (string, bool) {
	if d.err != nil || len(d.b) == 0 {
		d.fail("unexpected end")
		return "", false
	}
	flags := d.b[0]
	d.b = d.b[1:]
	if flags&^(flagSameForm|flagSamePeople|flagHashPrefix|flagUUID) != 0 {
		d.fail("unknown record flags")
		return "", false
	}
	var hash string
	if flags&flagHashPrefix != 0 {
		if len(d.b) < HashPrefixLen {
			d.fail("truncated hash")
			return "", false
		}
		hash = prefixMark + hex.EncodeToString(d.b[:HashPrefixLen])
		d.b = d.b[HashPrefixLen:]
	} else {
		hash = d.str()
	}
	if flags&flagUUID != 0 {
		if len(d.b) < 16 {
			d.fail("truncated id")
			return "", false
		}
		iv.ID = formatUUID(d.b[:16])
		d.b = d.b[16:]
	} else {
		iv.ID = d.str()
	}
	if flags&flagSameForm != 0 {
		if d.c.formHash == "" {
			d.fail("record of the codec's form in a generic frame")
			return "", false
		}
		iv.FormID, iv.FormVersion, iv.FormHash = d.c.formID, d.c.formVersion, d.c.formHash
	} else {
		iv.FormID, iv.FormVersion, iv.FormHash = d.str(), d.str(), d.str()
	}
	return hash, flags&flagSamePeople != 0
}

const prefixMark = "prefix:"

// hashMatches reports whether the recomputed content hash got agrees with
// what the record carried (a prefix, or the whole hash).
func hashMatches(got, carried string) bool {
	if p, ok := strings.CutPrefix(carried, prefixMark); ok {
		raw, err := parseHash(got)
		var hx [2 * HashPrefixLen]byte
		hex.Encode(hx[:], raw[:HashPrefixLen])
		return err == nil && string(hx[:]) == p
	}
	return got == carried
}

// orderedKeys returns m's keys in the record2 order: key table entries by
// index, then literal paths sorted.
func (e *encoder) orderedKeys(keys []string) []string {
	slices.SortFunc(keys, func(a, b string) int {
		ia, oka := e.index[a]
		ib, okb := e.index[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

func (e *encoder) keyref(k string, prev *int) {
	if i, ok := e.index[k]; ok {
		e.uvarint(uint64(i + 1 - *prev))
		*prev = i + 1
		return
	}
	e.uvarint(0)
	e.str(k)
}

func (d *decoder) keyref(prev *uint64) (string, int) {
	k := d.uvarint()
	if d.err != nil {
		return "", -1
	}
	if k == 0 {
		return d.str(), -1
	}
	*prev += k
	if *prev > uint64(len(d.keys)) || *prev < k {
		d.fail("key index out of range")
		return "", -1
	}
	return d.keys[*prev-1], int(*prev - 1)
}

func (e *encoder) optLevel2(r *survey.Record, iv *survey.Interview) {
	if r == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	keys := e.orderedKeys(sortedKeys(r.Values))
	e.uvarint(uint64(len(keys)))
	prev := 0
	for _, k := range keys {
		e.keyref(k, &prev)
		var ft *fieldType
		if i, ok := e.index[k]; ok {
			ft = &e.c.types[i]
		}
		e.value(ft, r.Values[k], iv)
	}
	rkeys := e.orderedKeys(sortedKeys(r.Repeats))
	e.uvarint(uint64(len(rkeys)))
	prev = 0
	for _, k := range rkeys {
		e.keyref(k, &prev)
		list := r.Repeats[k]
		if list == nil {
			e.uvarint(0)
			continue
		}
		e.uvarint(uint64(len(list)) + 1)
		for _, sub := range list {
			e.optLevel2(sub, iv)
		}
	}
}

// epoch2020 is what record2 start times count from (2020-01-01 UTC).
var epoch2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// time2 writes a start time: uvarint 0 zero; 2+2s for a whole second s
// after epoch2020; 3+2ms for a whole millisecond; 1 then the absolute
// form of time (seconds, nanoseconds) for anything else.
func (e *encoder) time2(t time.Time) {
	switch {
	case t.IsZero():
		e.uvarint(0)
	case !t.Before(epoch2020) && nanoSafe(t) && t.Nanosecond() == 0:
		e.uvarint(2 + 2*uint64(t.Unix()-epoch2020.Unix()))
	case !t.Before(epoch2020) && nanoSafe(t) && t.Nanosecond()%1e6 == 0:
		e.uvarint(3 + 2*uint64(t.UnixMilli()-epoch2020.UnixMilli()))
	default:
		e.uvarint(1)
		e.varint(t.Unix())
		e.uvarint(uint64(t.Nanosecond()))
	}
}

func (d *decoder) time2() time.Time {
	x := d.uvarint()
	switch {
	case d.err != nil || x == 0:
		return time.Time{}
	case x == 1:
		sec, ns := d.varint(), d.uvarint()
		if ns >= 1e9 {
			d.fail("bad nanoseconds")
			return time.Time{}
		}
		return time.Unix(sec, int64(ns)).UTC()
	case x > 1<<50:
		d.fail("time out of range")
		return time.Time{}
	case x%2 == 0:
		return time.Unix(epoch2020.Unix()+int64((x-2)/2), 0).UTC()
	}
	return time.UnixMilli(epoch2020.UnixMilli() + int64((x-3)/2)).UTC()
}
