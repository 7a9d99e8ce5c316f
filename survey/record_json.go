package survey

import (
	"encoding/json"
	"slices"
	"strconv"
)

// AppendJSON appends r's JSON encoding to b and returns the result. The bytes
// are exactly those of json.Marshal(r) (sorted map keys, omitempty, HTML and
// U+2028/U+2029 escaping), so stored answers and ContentHash do not depend
// on which of the two wrote them; it exists because reflection and key
// sorting through encoding/json dominated bulk inserts (sira simulate).
func (r *Record) AppendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if len(r.Values) > 0 {
		b = append(b, `"values":{`...)
		keys := make([]string, 0, len(r.Values))
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
		keys := make([]string, 0, len(r.Repeats))
		for k := range r.Repeats {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
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
				b = inst.AppendJSON(b)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONString appends s as encoding/json quotes it. Plain text (ASCII
// letters, digits, spaces and punctuation other than " \ < > &) is copied;
// anything else goes through encoding/json itself, so the escaping rules
// are never re-implemented.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
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
// encoding (AppendJSON), passed in so a caller that stores it too encodes
// it once.
func (iv *Interview) appendContent(b, data []byte) []byte {
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
	b = appendJSONString(b, stamp(iv.Started))
	b = append(b, `,"ended":`...)
	b = appendJSONString(b, stamp(iv.Ended))
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(iv.Revision), 10)
	b = append(b, `,"data":`...)
	b = append(b, data...)
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
