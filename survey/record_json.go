package survey

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// AppendJSON appends r's JSON encoding to b and returns the result. The bytes
// are exactly those of json.Marshal(r) (sorted map keys, omitempty, HTML and
// U+2028/U+2029 escaping), so stored answers and ContentHash do not depend
// on which of the two wrote them; it exists because reflection and key
// sorting through encoding/json dominated bulk inserts (sira simulate).
func (r *Record) AppendJSON(b []byte) []byte {
	// The keys of every level are sorted in one scratch slice, on the
	// stack for the usual form.
	var scratch [128]string
	b, _ = r.appendJSON(b, scratch[:0])
	return b
}

// appendJSON is AppendJSON with keys as scratch space for sorting; it
// returns the scratch, grown, for the caller to reuse.
func (r *Record) appendJSON(b []byte, keys []string) ([]byte, []string) {
	if r == nil {
		return append(b, "null"...), keys
	}
	b = append(b, '{')
	if len(r.Values) > 0 {
		b = append(b, `"values":{`...)
		keys = keys[:0]
		for k := range r.Values {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, r.Values[k])
		}
		b = append(b, '}')
	}
	if len(r.Repeats) > 0 {
		if len(r.Values) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"repeats":{`...)
		// The repeat keys are held across the instances, which reuse
		// keys: they get their own (small) slice.
		var rscratch [4]string
		rkeys := rscratch[:0]
		for k := range r.Repeats {
			rkeys = append(rkeys, k)
		}
		slices.Sort(rkeys)
		for i, k := range rkeys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			insts := r.Repeats[k]
			if insts == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for j, inst := range insts {
				if j > 0 {
					b = append(b, ',')
				}
				b, keys = inst.appendJSON(b, keys)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}'), keys
}

// jsonPlain marks the bytes encoding/json copies into a string as they
// are: printable ASCII other than " \ < > &. It is never written to.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendJSONString appends s quoted as encoding/json quotes a string (HTML
// and U+2028/U+2029 escaping, invalid UTF-8 replaced), the way AppendJSON
// writes keys and answers: for a caller that writes a Record's encoding
// itself (sync/wire, when it decodes a record in key order).
func AppendJSONString(b []byte, s string) []byte {
	return appendJSONString(b, s)
}

// appendJSONString appends s as encoding/json quotes it. Plain text (ASCII
// letters, digits, spaces and punctuation other than " \ < > &) is copied;
// anything else goes through encoding/json itself, so the escaping rules
// are never re-implemented.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			q, err := json.Marshal(s)
			if err != nil {
				// A Go string always marshals.
				panic("survey: marshal string: " + err.Error())
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendContent appends the JSON ContentHash hashes; data is iv.Data's
// encoding (AppendJSON).
func (iv *Interview) appendContent(b, data []byte) []byte {
	b = iv.appendHead(b)
	b = append(b, data...)
	return iv.appendTail(b)
}

// appendHead appends the content JSON up to the answers (`..."data":`).
func (iv *Interview) appendHead(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, iv.ID)
	b = append(b, `,"form_id":`...)
	b = appendJSONString(b, iv.FormID)
	b = append(b, `,"form_version":`...)
	b = appendJSONString(b, iv.FormVersion)
	b = append(b, `,"form_hash":`...)
	b = appendJSONString(b, iv.FormHash)
	b = append(b, `,"enumerator":`...)
	b = appendJSONString(b, iv.Enumerator)
	b = append(b, `,"device_id":`...)
	b = appendJSONString(b, iv.DeviceID)
	b = append(b, `,"started":`...)
	b = appendStamp(b, iv.Started)
	b = append(b, `,"ended":`...)
	b = appendStamp(b, iv.Ended)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(iv.Revision), 10)
	return append(b, `,"data":`...)
}

// appendStamp appends stamp(t) as a JSON string. RFC 3339 text is plain
// (digits, "-:.TZ+"): appendJSONString would copy it as it is.
func appendStamp(b []byte, t time.Time) []byte {
	b = append(b, '"')
	if !t.IsZero() {
		b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	return append(b, '"')
}

// appendTail appends the content JSON after the answers.
func (iv *Interview) appendTail(b []byte) []byte {
	b = append(b, `,"attachments":`...)
	if iv.Attachments == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, a := range iv.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = appendJSONString(b, a.Field)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, a.Name)
			b = append(b, `,"sha256":`...)
			b = appendJSONString(b, a.SHA256)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, a.Size, 10)
			if a.Type != "" {
				b = append(b, `,"type":`...)
				b = appendJSONString(b, a.Type)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
