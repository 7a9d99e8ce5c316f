package wire

import "sira/survey"

// MarshalInterview encodes one interview, whole (paradata and lifecycle
// included), in the canonical record encoding without a key table: a
// compact, self-contained form for storage (the intake stores submissions
// so). It is several times faster to write and read than JSON.
//
// A body opens with bodyFront and then writes every key front-coded: the
// length it shares with the key before it, and the rest. Keys come in
// sorted order, so "/data/interview/demographics/household/household_size"
// after "..._head" costs 6 bytes instead of 53: the paths were two thirds
// of a body, and every byte stored is written twice (WAL, checkpoint).
// Bodies of earlier versions open with the hash's tag (0 or 1) and write
// keys whole; UnmarshalInterview reads both.
func MarshalInterview(iv *survey.Interview) []byte {
	return MarshalInterviewHash(iv, iv.ContentHash())
}

// MarshalInterviewHash is MarshalInterview with the content hash already
// computed (it is stored in the encoding).
func MarshalInterviewHash(iv *survey.Interview, hash string) []byte {
	var kv [128][2]string
	e := encoder{b: make([]byte, 0, bodySize(iv)), front: true}
	e.b = append(e.b, bodyFront)
	e.head(iv, hash)
	e.optLevelKV(iv.Data, kv[:0])
	e.tail(iv)
	return e.b
}

// bodyFront opens a body whose keys are front-coded. The bodies before it
// open with 0 or 1 (encoder.hash's tag).
const bodyFront = 2

// sharedPrefix is the length of the longest common prefix of a and b.
func sharedPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// frontKey reads a front-coded key: the bytes shared with the previous
// key, then the rest.
func (d *decoder) frontKey() string {
	p := d.uvarint()
	rest := d.raw()
	if d.err != nil {
		return ""
	}
	if p > uint64(len(d.last)) {
		d.fail("key shares more than the previous key holds")
		return ""
	}
	if p == uint64(len(d.last)) && len(rest) == 0 {
		return d.last
	}
	k := d.last[:p] + string(rest)
	d.last = k
	return k
}

// bodySize is about the size of iv's body, so that it is written with one
// allocation.
func bodySize(iv *survey.Interview) int {
	n := 256 + len(iv.ID) + len(iv.FormID) + len(iv.FormVersion) + len(iv.FormHash) +
		len(iv.Enumerator) + len(iv.DeviceID) + len(iv.Comment) + recordSize(iv.Data)
	for _, a := range iv.Attachments {
		n += 16 + len(a.Field) + len(a.Name) + len(a.SHA256) + len(a.Type)
	}
	for _, ev := range iv.Paradata {
		n += 12 + len(ev.Kind) + len(ev.Field) + len(ev.Note)
	}
	return n
}

func recordSize(r *survey.Record) int {
	if r == nil {
		return 1
	}
	n := 8
	for k, v := range r.Values {
		n += 6 + len(k) + len(v)
	}
	for k, list := range r.Repeats {
		n += 8 + len(k)
		for _, sub := range list {
			n += recordSize(sub)
		}
	}
	return n
}

// UnmarshalInterview decodes what MarshalInterview wrote and returns the
// interview and the content hash recorded with it (not recomputed). Errors
// are *Error with CodeCorrupt.
func UnmarshalInterview(b []byte) (*survey.Interview, string, error) {
	d := decoder{b: b}
	if len(b) > 0 && b[0] == bodyFront {
		d.b, d.front = b[1:], true
	}
	iv, h := d.interview()
	if d.err != nil {
		return nil, "", d.err
	}
	if len(d.b) != 0 {
		return nil, "", Errorf(CodeCorrupt, "%d bytes after the interview", len(d.b))
	}
	return iv, h, nil
}
