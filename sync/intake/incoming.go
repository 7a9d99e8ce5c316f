package intake

import (
	"fmt"
	"slices"

	"sira/forms"
	"sira/survey"
)

// Text limits checked on intake, before validation: whatever a laptop
// sends, what the office stores and shows stays small.
const (
	maxIDLen        = 64   // "uuid:" + 36
	maxDeviceLen    = 128  // a device id
	maxFormIDLen    = 256  // form id and version
	maxCommentLen   = 8192 // the supervisor's comment the laptop carries back
	maxShortAnswer  = 256  // any answer this long or shorter passes without looking at its type
	maxChoiceAnswer = 4096 // select_one, select_multiple, rank
	maxNumberAnswer = 64   // integer, decimal, date, time, dateTime, range
	maxTextAnswer   = 16 << 10
	maxLongAnswer   = 256 << 10 // geotrace, geoshape
	maxEventText    = 512       // a paradata event's kind, field and note
	maxAttachments  = 1000
	// maxFirstRevision bounds the revision of an id the office does not
	// hold yet: an interview is reopened a handful of times, and an id
	// taken at revision 2^31−1 would leave its real holder "superseded".
	maxFirstRevision = 64
)

// answerLimit returns the longest answer accepted for a question of type t.
func answerLimit(t forms.Type) int {
	switch t {
	case forms.TypeInteger, forms.TypeDecimal, forms.TypeDate, forms.TypeTime, forms.TypeDateTime, forms.TypeRange,
		forms.TypeStart, forms.TypeEnd, forms.TypeToday:
		return maxNumberAnswer
	case forms.TypeSelectOne, forms.TypeSelectMulti, forms.TypeSelectFile, forms.TypeSelectMultiFile, forms.TypeRank,
		forms.TypeAcknowledge, forms.TypeDeviceID, forms.TypeUsername, forms.TypeImage, forms.TypeAudio,
		forms.TypeVideo, forms.TypeFile, forms.TypeGeopoint:
		return maxChoiceAnswer
	case forms.TypeGeotrace, forms.TypeGeoshape:
		return maxLongAnswer
	}
	return maxTextAnswer
}

// checkIncoming returns why iv, sent with tok, is refused before
// validation ("" when it is not): the interview id must be a uuid, every
// text within its limit, and the interview the token's to send: a device
// token's enumerator's, or within a relay token's posts. f is the
// interview's form (nil when unknown).
func (s *Server) checkIncoming(tok *Token, f *forms.Form, iv *survey.Interview) string {
	if _, ok := parseUUIDID(iv.ID); !ok {
		return "interview id is not of the form uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (lower case)"
	}
	switch {
	case iv.Enumerator == "" || len(iv.Enumerator) > maxNameLen:
		return fmt.Sprintf("enumerator id of %d bytes: 1 to %d", len(iv.Enumerator), maxNameLen)
	case len(iv.DeviceID) > maxDeviceLen:
		return fmt.Sprintf("device id of %d bytes: at most %d", len(iv.DeviceID), maxDeviceLen)
	case len(iv.FormID) > maxFormIDLen || len(iv.FormVersion) > maxFormIDLen:
		return fmt.Sprintf("form id or version over %d bytes", maxFormIDLen)
	case len(iv.Comment) > maxCommentLen:
		return fmt.Sprintf("comment of %d bytes: at most %d", len(iv.Comment), maxCommentLen)
	case len(iv.Attachments) > maxAttachments:
		return fmt.Sprintf("%d attachments: at most %d", len(iv.Attachments), maxAttachments)
	}
	if tok != nil {
		if why := s.inScope(tok, iv); why != "" {
			return why
		}
	}
	for _, a := range iv.Attachments {
		if len(a.Name) > maxEventText || len(a.Field) > maxEventText || len(a.Type) > maxEventText || a.Size < 0 || a.Size > maxAttachment {
			return fmt.Sprintf("attachment %.64q: name, field or type over %d bytes, or size out of range", a.Name, maxEventText)
		}
	}
	for _, e := range iv.Paradata {
		if len(e.Kind) > maxEventText || len(e.Field) > maxEventText || len(e.Note) > maxEventText {
			return fmt.Sprintf("paradata event with a text over %d bytes", maxEventText)
		}
	}
	if iv.Data != nil {
		return checkAnswers(f, iv.Data, 0)
	}
	return ""
}

// checkAnswers checks the length of every answer of rec (and its repeats)
// against its question's type; an answer short enough for any type is not
// looked up.
func checkAnswers(f *forms.Form, rec *survey.Record, depth int) string {
	if depth > forms.MaxNesting+1 {
		return "repeats nested deeper than any form"
	}
	for path, v := range rec.Values {
		if len(path) > maxEventText {
			return fmt.Sprintf("answer key of %d bytes", len(path))
		}
		if len(v) <= maxShortAnswer {
			continue
		}
		limit := maxTextAnswer
		if f != nil {
			if n := f.Node(path); n != nil {
				limit = answerLimit(n.Type)
			}
		}
		if len(v) > limit {
			return fmt.Sprintf("answer to %.128s of %d bytes: at most %d for its type", path, len(v), limit)
		}
	}
	for path, insts := range rec.Repeats {
		if len(path) > maxEventText {
			return fmt.Sprintf("repeat key of %d bytes", len(path))
		}
		for _, r := range insts {
			if r == nil {
				continue
			}
			if why := checkAnswers(f, r, depth+1); why != "" {
				return why
			}
		}
	}
	return ""
}

// inScope returns why tok may not send iv ("" when it may).
func (s *Server) inScope(tok *Token, iv *survey.Interview) string {
	if !tok.IsRelay() {
		if iv.Enumerator != tok.Enumerator {
			return fmt.Sprintf("interview of enumerator %.64q sent with a device token of %.64q: a device token sends only its own enumerator's interviews", iv.Enumerator, tok.Enumerator)
		}
		return ""
	}
	if len(tok.Posts) == 0 {
		return ""
	}
	post := ""
	if iv.Data != nil {
		post = iv.Data.Values[s.postField]
		if post == "" {
			// The field's path: "/data/<name>" or deeper.
			for k, v := range iv.Data.Values {
				if pathName(k) == s.postField {
					post = v
					break
				}
			}
		}
	}
	if !slices.Contains(tok.Posts, post) {
		return fmt.Sprintf("interview of post %.64q forwarded by relay %.64q, which forwards only for posts %v", post, tok.Relay, tok.Posts)
	}
	return ""
}

func pathName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// parseUUIDID reports whether id is "uuid:" and a canonical lowercase UUID.
func parseUUIDID(id string) (string, bool) {
	if len(id) != 41 || id[:5] != "uuid:" {
		return "", false
	}
	u := id[5:]
	for i := 0; i < 36; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return "", false
			}
		}
	}
	return u, true
}

// HolderProblem is the rule both stores apply inside their transaction,
// after a duplicate was ruled out: why iv may not be stored given what is
// held for its id ("" when it may). held says whether any submission of
// the id is stored; owner is the enumerator of its first submission and
// maxRev the highest revision held. An id belongs to the enumerator who
// first stored it (on whichever device); revisions advance by one at a
// time, from 1; a lower revision than held (a late relay) is accepted
// from the owner.
func HolderProblem(iv *survey.Interview, held bool, owner string, maxRev int) string {
	if !held {
		// A first revision the office has not seen may be late (revision 1
		// still on its way through a relay), but never far ahead.
		if iv.Revision < 1 || iv.Revision > maxFirstRevision {
			return fmt.Sprintf("revision %d of an interview the office does not hold: from 1 to %d", iv.Revision, maxFirstRevision)
		}
		return ""
	}
	if iv.Enumerator != owner {
		return fmt.Sprintf("interview %s belongs to enumerator %.64q: another enumerator cannot replace it", iv.ID, owner)
	}
	if iv.Revision > maxRev+1 {
		return fmt.Sprintf("revision %d skips ahead: the office holds revision %d, the next is %d", iv.Revision, maxRev, maxRev+1)
	}
	if iv.Revision < 1 {
		return fmt.Sprintf("revision %d: revisions start at 1", iv.Revision)
	}
	return ""
}
