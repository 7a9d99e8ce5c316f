package wire

import "sira/survey"

// MarshalInterview encodes one interview, whole (paradata and lifecycle
// included), in the canonical record encoding without a key table: a
// compact, self-contained form for storage (the intake stores submissions
// so). It is several times faster to write and read than JSON.
func MarshalInterview(iv *survey.Interview) []byte {
	e := encoder{}
	e.interview(iv, iv.ContentHash())
	return e.b
}

// MarshalInterviewHash is MarshalInterview with the content hash already
// computed (it is stored in the encoding).
func MarshalInterviewHash(iv *survey.Interview, hash string) []byte {
	e := encoder{}
	e.interview(iv, hash)
	return e.b
}

// UnmarshalInterview decodes what MarshalInterview wrote and returns the
// interview and the content hash recorded with it (not recomputed). Errors
// are *Error with CodeCorrupt.
func UnmarshalInterview(b []byte) (*survey.Interview, string, error) {
	d := decoder{b: b}
	iv, h := d.interview()
	if d.err != nil {
		return nil, "", d.err
	}
	if len(d.b) != 0 {
		return nil, "", Errorf(CodeCorrupt, "%d bytes after the interview", len(d.b))
	}
	return iv, h, nil
}
