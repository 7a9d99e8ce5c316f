package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"sira/forms"
	"sira/survey"
)

// Codec encodes and decodes interview frames for one compiled form: its key
// table (the form's node paths) and its zstd dictionary, both derived
// deterministically from the form, so both ends build the same ones without
// exchanging them. A Codec is safe for concurrent use; build it once per
// form and keep it (building the zstd tables costs milliseconds).
type Codec struct {
	formHash    string
	formID      string
	formVersion string
	subject     [32]byte
	keys        []string
	types       []fieldType // typing of each key (record2)
	index       map[string]int
	rank        []int32  // position of each key among the keys sorted (view.go)
	jsonKeys    []string // each key as Record.AppendJSON writes it, with its colon
	dict        []byte
	dictID      uint32
	enc         *zstd.Encoder
	dec         *zstd.Decoder
}

// NewCodec returns the codec of the compiled form f. With f nil it returns
// the generic codec (no key table, a dictionary of the protocol's own
// words), whose frames have an all-zero Subject. f.Hash must be
// "sha256:<64 hex>".
func NewCodec(f *forms.Form) (*Codec, error) {
	c := &Codec{index: map[string]int{}}
	if f != nil {
		raw, err := parseHash(f.Hash)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", f.ID, err)
		}
		c.formHash, c.formID, c.formVersion = f.Hash, f.ID, f.Version
		c.subject = raw
		walk(f.Root, func(n *forms.Node) {
			if n.Path == "" {
				return
			}
			if _, dup := c.index[n.Path]; !dup {
				c.index[n.Path] = len(c.keys)
				c.keys = append(c.keys, n.Path)
				c.types = append(c.types, fieldTypeOf(f, n))
			}
		})
		c.sortKeys()
	}
	c.dict = derivedDict(c, f)
	// The dictionary's id is a hash of its bytes and every zstd frame
	// names it: a binary that derives a different dictionary from the same
	// form fails with "unknown dictionary" instead of misreading the batch
	// (raw dictionaries need a non-zero id).
	sum := sha256.Sum256(c.dict)
	c.dictID = binary.BigEndian.Uint32(sum[:4]) | 1
	id := c.dictID
	var err error
	c.enc, err = zstd.NewWriter(nil,
		zstd.WithEncoderDictRaw(id, c.dict),
		zstd.WithEncoderCRC(false), // the frame has its own CRC-32C
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	c.dec, err = zstd.NewReader(nil,
		zstd.WithDecoderDictRaw(id, c.dict),
		zstd.WithDecoderMaxMemory(uint64(DefaultLimits.MaxDecoded)),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderConcurrency(0),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return c, nil
}

// sortKeys derives from the key table what decoding writes the answers
// with in sorted order (view.go).
func (c *Codec) sortKeys() {
	order := make([]int32, len(c.keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(c.keys[a], c.keys[b]) })
	c.rank = make([]int32, len(c.keys))
	for r, i := range order {
		c.rank[i] = int32(r)
	}
	c.jsonKeys = make([]string, len(c.keys))
	for i, k := range c.keys {
		c.jsonKeys[i] = string(append(survey.AppendJSONString(nil, k), ':'))
	}
}

// FormHash returns the hash of the codec's form ("" for the generic codec).
func (c *Codec) FormHash() string { return c.formHash }

// Dict returns the zstd raw dictionary (for tests and measurements).
func (c *Codec) Dict() []byte { return c.dict }

func walk(n *forms.Node, fn func(*forms.Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, ch := range n.Children {
		walk(ch, fn)
	}
}

// parseHash turns "sha256:<hex>" into its 32 bytes.
func parseHash(h string) ([32]byte, error) {
	var raw [32]byte
	hx, ok := strings.CutPrefix(h, "sha256:")
	if !ok || len(hx) != 64 {
		return raw, fmt.Errorf("hash %q is not sha256:<64 hex digits>", h)
	}
	for i := range raw {
		hi, lo := unhexFold(hx[2*i]), unhexFold(hx[2*i+1])
		if hi > 15 || lo > 15 {
			// hex.Decode only to word the error as it always was.
			_, err := hex.Decode(raw[:], []byte(hx))
			return raw, fmt.Errorf("hash %q: %w", h, err)
		}
		raw[i] = hi<<4 | lo
	}
	return raw, nil
}

// canonicalHash returns the 32 bytes of h when h is "sha256:" and 64
// lowercase hex digits, not all zero: exactly the hashes SubjectHash gives
// back, which an encoding may store as raw bytes.
func canonicalHash(h string) ([32]byte, bool) {
	var raw [32]byte
	hx, ok := strings.CutPrefix(h, "sha256:")
	if !ok || len(hx) != 64 {
		return raw, false
	}
	for i := range raw {
		hi, lo := unhex(hx[2*i]), unhex(hx[2*i+1])
		if hi > 15 || lo > 15 {
			return raw, false
		}
		raw[i] = hi<<4 | lo
	}
	return raw, raw != [32]byte{}
}

// unhex is the value of a lowercase hex digit, 255 for anything else.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

// unhexFold is unhex for a hex digit in either case.
func unhexFold(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c - 'A' + 10
	}
	return unhex(c)
}

// SubjectHash renders a frame subject as "sha256:<hex>" ("" if all zero).
func SubjectHash(s [32]byte) string {
	if s == ([32]byte{}) {
		return ""
	}
	return "sha256:" + hex.EncodeToString(s[:])
}

// buildDict derives the raw zstd dictionary from the form: what recurs in
// encoded interviews of that form. zstd finds matches anywhere in the
// dictionary but references near its end are cheapest, so the most
// frequent material goes last: words of the protocol, then every path
// (paradata names fields by path), every choice name, and finally a
// synthetic interview encoded exactly as real ones are, with every field
// holding a typical value.
func (c *Codec) buildDict(f *forms.Form) []byte {
	var b bytes.Buffer
	for _, w := range []string{
		"enter", "leave", "change", "language", "finalize", "resume", "constraint", "required",
		"draft", "finalized", "sent", "acknowledged", "rejected",
		"uuid:", "sha256:", "image/jpeg", "audio/mpeg", "audio/ogg", "video/mp4", "application/pdf",
		"yes", "no", "other", "none", "dont_know", "refused", "true", "false",
		"0", "1", "2", "3", "4", "5", "10", "2026-", "2027-", "T00:00:00.000Z",
	} {
		b.WriteString(w)
		b.WriteByte(0)
	}
	if f == nil {
		return b.Bytes()
	}
	var choices []string
	var sample survey.Record
	walk(f.Root, func(n *forms.Node) {
		b.WriteString(n.Path)
		b.WriteByte(0)
		if n.List != nil || (f.Lists != nil && f.Lists[n.TypeArg] != nil) {
			l := n.List
			if l == nil {
				l = f.Lists[n.TypeArg]
			}
			for _, ch := range l.Choices {
				choices = append(choices, ch.Name)
			}
		}
		if v := typical(f, n); v != "" {
			if sample.Values == nil {
				sample.Values = map[string]string{}
			}
			sample.Values[n.Path] = v
		}
	})
	for _, name := range sortedKeys(f.Lists) {
		for _, ch := range f.Lists[name].Choices {
			b.WriteString(ch.Name)
			b.WriteByte(' ')
		}
	}
	for _, ch := range choices {
		b.WriteString(ch)
		b.WriteByte(' ')
	}
	e := encoder{index: c.index, c: c}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	iv := &survey.Interview{
		FormID: f.ID, FormVersion: f.Version, FormHash: f.Hash, Started: start,
		Ended: start.Add(10 * time.Minute), Updated: start.Add(10 * time.Minute),
		Status: survey.StatusFinalized, Revision: 1, Data: &sample,
	}
	at := start
	for _, k := range c.keys {
		iv.Paradata = append(iv.Paradata,
			survey.Event{At: at, Kind: "enter", Field: k},
			survey.Event{At: at.Add(5 * time.Second), Kind: "leave", Field: k})
		at = at.Add(5 * time.Second)
	}
	e.interview(iv, "sha256:")
	b.Write(e.b)
	// Last and cheapest to reference: interviews generated from the form
	// with a fixed seed (dictsim.go, frozen), in the record layout, so the
	// answers' shapes (which fields are present, their tags and typical
	// sizes) are what a batch of real ones repeats. The dictionary id in
	// every zstd frame catches two versions that derive differently.
	b.Write(c.simulated(f))
	return b.Bytes()
}

// derived memoizes dictionaries by form hash: deriving one generates
// dictSamples interviews, and a laptop or a server
// builds the codec of the same form again and again. The memo holds only
// what the form determines, so it cannot change behaviour; it is bounded.
var derived = struct {
	sync.Mutex
	m map[string][]byte
}{m: map[string][]byte{}}

func derivedDict(c *Codec, f *forms.Form) []byte {
	if f == nil {
		return c.buildDict(nil)
	}
	derived.Lock()
	d, ok := derived.m[f.Hash]
	derived.Unlock()
	if ok {
		return d
	}
	d = c.buildDict(f)
	derived.Lock()
	if len(derived.m) >= 64 {
		clear(derived.m)
	}
	derived.m[f.Hash] = d
	derived.Unlock()
	return d
}

// DictID returns the id of the codec's zstd dictionary, which every
// compressed frame names (a hash of the dictionary's bytes).
func (c *Codec) DictID() uint32 { return c.dictID }

// dictSamples is how many simulated interviews end the dictionary.
const dictSamples = 64

// simulated returns dictSample's interviews of f encoded as version 2
// records.
func (c *Codec) simulated(f *forms.Form) []byte {
	e := encoder{index: c.index, c: c}
	for _, iv := range dictSample(f) {
		e.interview(iv, iv.ContentHash())
	}
	return e.b
}

// typical is a plausible answer for n, for the dictionary's sample.
func typical(f *forms.Form, n *forms.Node) string {
	switch n.Type {
	case forms.TypeInteger, forms.TypeRange:
		return "1"
	case forms.TypeDecimal:
		return "1.5"
	case forms.TypeDate, forms.TypeToday:
		return "2026-01-01"
	case forms.TypeDateTime, forms.TypeStart, forms.TypeEnd:
		return "2026-01-01T00:00:00.000Z"
	case forms.TypeSelectOne, forms.TypeSelectMulti:
		l := n.List
		if l == nil && f.Lists != nil {
			l = f.Lists[n.TypeArg]
		}
		if l != nil && len(l.Choices) > 0 {
			return l.Choices[0].Name
		}
	case forms.TypeGeopoint:
		return "14.0 -4.0 300 5"
	case forms.TypeText:
		return "a"
	}
	return ""
}

// Encode encodes interviews (all of this codec's form, or any form for the
// generic codec) as one KindInterviews frame, appended to dst. It computes
// each interview's ContentHash for the receiver to verify.
func (c *Codec) Encode(dst []byte, ivs []*survey.Interview) ([]byte, error) {
	return c.encode(dst, ivs, true)
}

// EncodeNoDict is Encode without the zstd dictionary: what a sender falls
// back to when the receiver answers CodeDictionary (it derives another
// dictionary from the same form: another Sira version). It costs bytes,
// never correctness: the record layout and the hashes are the same.
func (c *Codec) EncodeNoDict(dst []byte, ivs []*survey.Interview) ([]byte, error) {
	return c.encode(dst, ivs, false)
}

var plainEnc = sync.OnceValue(func() *zstd.Encoder {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderCRC(false), zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	return enc
})

func (c *Codec) encode(dst []byte, ivs []*survey.Interview, dict bool) ([]byte, error) {
	e := encoder{index: c.index, c: c}
	for _, iv := range ivs {
		if c.formHash != "" && iv.FormHash != c.formHash {
			return dst, fmt.Errorf("encode %s: form hash %s is not the codec's %s", iv.ID, iv.FormHash, c.formHash)
		}
		e.interview(iv, iv.ContentHash())
	}
	f := &Frame{
		Version: ProtocolVersion, Kind: KindInterviews, Flags: FlagZstd | FlagDict,
		Subject: c.subject, Count: len(ivs), DecodedLen: len(e.b),
	}
	if dict {
		f.Payload = c.enc.EncodeAll(e.b, nil)
	} else {
		f.Flags = FlagZstd
		f.Payload = plainEnc().EncodeAll(e.b, nil)
	}
	return f.Append(dst), nil
}

// Decoded is one interview read from a frame, with its verified hash and
// the share of the frame it took (encoded bytes, before compression).
type Decoded struct {
	Interview *survey.Interview
	Hash      string
	Size      int
	// Body is the interview in MarshalInterview's encoding, exactly
	// MarshalInterviewHash(Interview, Hash): what the intake stores. Only
	// DecodeBodies and DecodeFrameBodies set it. It describes the
	// interview as decoded: a caller that changes the interview must
	// marshal it again.
	Body []byte
}

// Decode decodes a KindInterviews frame made with this codec. It enforces
// lim (decoded size, count) and verifies every interview's content hash
// and form hash; any failure rejects the whole frame with a *Error.
func (c *Codec) Decode(f *Frame, lim Limits) ([]Decoded, error) {
	return c.decode(f, lim, false)
}

// DecodeBodies is Decode that also sets each Decoded's Body. For the
// answers of a version 2 frame it writes the body in the same pass as the
// JSON it hashes, so it costs a fraction of MarshalInterviewHash.
func (c *Codec) DecodeBodies(f *Frame, lim Limits) ([]Decoded, error) {
	return c.decode(f, lim, true)
}

func (c *Codec) decode(f *Frame, lim Limits, bodies bool) ([]Decoded, error) {
	if f.Kind != KindInterviews {
		return nil, Errorf(CodeCorrupt, "frame kind %d is not an interview batch", f.Kind)
	}
	if f.Subject != c.subject {
		return nil, Errorf(CodeCorrupt, "frame of form %s given to the codec of %s", SubjectHash(f.Subject), c.formHash)
	}
	if f.DecodedLen > lim.MaxDecoded {
		return nil, Errorf(CodeTooLarge, "decoded payload of %d bytes over the limit of %d", f.DecodedLen, lim.MaxDecoded)
	}
	if f.Count > lim.MaxCount {
		return nil, Errorf(CodeTooLarge, "%d interviews in one frame, over the limit of %d", f.Count, lim.MaxCount)
	}
	raw := f.Payload
	if f.Flags&FlagZstd != 0 {
		// WithDecodeAllCapLimit stops the decoder at dst's capacity. The
		// first try is sized by the payload, not by the declared length
		// (a header may declare 64 MiB for 100 bytes); only a payload that
		// really decodes past it gets the declared length, at most
		// MaxDecoded, which the caller has budgeted for.
		out, err := c.dec.DecodeAll(f.Payload, make([]byte, 0, min(f.DecodedLen, firstDecodeCap(len(f.Payload)))))
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) && cap(out) < f.DecodedLen {
			out, err = c.dec.DecodeAll(f.Payload, make([]byte, 0, f.DecodedLen))
		}
		if err != nil {
			if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
				return nil, Errorf(CodeTooLarge, "payload decodes to more than its declared %d bytes", f.DecodedLen)
			}
			if errors.Is(err, zstd.ErrUnknownDictionary) {
				return nil, Errorf(CodeDictionary, "batch compressed with a dictionary this side does not derive from form %s (Sira versions differ): send it without the dictionary", c.formHash)
			}
			return nil, Errorf(CodeCorrupt, "undecodable batch payload: %v", err)
		}
		raw = out
	}
	if len(raw) != f.DecodedLen {
		return nil, Errorf(CodeCorrupt, "payload decodes to %d bytes, header says %d", len(raw), f.DecodedLen)
	}
	d := decoder{b: raw, keys: c.keys}
	if f.Version >= 2 {
		d.c, d.v = c, &view{}
	}
	out := make([]Decoded, 0, min(f.Count, len(raw)))
	// The bodies of a frame share one buffer, sized after the first one
	// (a body is several times its record2, how many depends on the form).
	var js, bodyBuf []byte
	for i := 0; i < f.Count; i++ {
		before := len(d.b)
		iv, carried := d.interview()
		if d.err != nil {
			return nil, d.err
		}
		// A record2 without literal keys is written in sorted order from
		// its view; anything else from the Record, as it always was.
		fast := d.v != nil && !d.v.literal
		var hash string
		if fast {
			c.sortView(d.v)
			js = c.appendJSON(js[:0], d.v, d.vals, d.root)
			hash = iv.ContentHashData(js)
		} else {
			hash = iv.ContentHash()
		}
		if !hashMatches(hash, carried) {
			return nil, Errorf(CodeHashMismatch, "interview %s: content hash %s, sender said %s", iv.ID, hash, carried)
		}
		if c.formHash != "" && iv.FormHash != c.formHash {
			return nil, Errorf(CodeCorrupt, "interview %s of form %s in a batch of form %s", iv.ID, iv.FormHash, c.formHash)
		}
		dec := Decoded{Interview: iv, Hash: hash, Size: before - len(d.b)}
		if bodies {
			start := len(bodyBuf)
			e := encoder{b: append(bodyBuf, bodyFront), front: true} // MarshalInterviewHash's layout
			if fast {
				e.head(iv, hash)
				c.appendBody(&e, d.v, d.root)
				e.tail(iv)
			} else {
				e.interview(iv, hash)
			}
			bodyBuf = e.b
			// Capped, so that appending to one body cannot overwrite the next.
			dec.Body = bodyBuf[start:len(bodyBuf):len(bodyBuf)]
			if i == 0 && len(d.b) > 0 {
				bodyBuf = slices.Grow(bodyBuf, bodyRoom(len(bodyBuf), len(raw)-len(d.b), len(d.b)))
			}
		}
		out = append(out, dec)
	}
	if len(d.b) != 0 {
		return nil, Errorf(CodeCorrupt, "%d bytes after the last interview", len(d.b))
	}
	return out, nil
}

// firstDecodeCap is the decoded size first allowed for a payload of n
// bytes: far above what records compress to (8–10×), far below a bomb's.
func firstDecodeCap(n int) int { return 32*n + 64<<10 }

// bodyRoom is the room to make for the bodies of the payload left (rest
// bytes) after the first interview, whose record took first bytes and its
// body body bytes: in proportion, but at most twice rest. A small first
// interview has a high body to record ratio, long free text after it
// nearly 1, and the sender chooses the order; append grows the buffer
// past the estimate when it is short.
func bodyRoom(body, first, rest int) int {
	want := float64(body) / float64(max(first, 1)) * float64(rest) * 1.1
	return int(min(want, 2*float64(rest)))
}

// CodecSource finds the codec for a form hash ("" asks for the generic
// codec). It returns a *Error with CodeUnknownForm when the form is not
// known. The intake server backs it with its published forms, the client
// with the laptop's.
type CodecSource interface {
	Codec(formHash string) (*Codec, error)
}

// DecodeBatch parses one frame from b, picks its codec from src by the
// frame's subject and decodes it. Errors are *Error.
func DecodeBatch(b []byte, lim Limits, src CodecSource) ([]Decoded, error) {
	f, err := ParseFrame(b, lim)
	if err != nil {
		return nil, err
	}
	return DecodeFrame(f, lim, src)
}

// DecodeFrame is DecodeBatch for a frame already parsed.
func DecodeFrame(f *Frame, lim Limits, src CodecSource) ([]Decoded, error) {
	if f.Kind != KindInterviews {
		return nil, Errorf(CodeCorrupt, "frame kind %d is not an interview batch", f.Kind)
	}
	c, err := src.Codec(SubjectHash(f.Subject))
	if err != nil {
		return nil, err
	}
	return c.Decode(f, lim)
}

// DecodeFrameBodies is DecodeFrame with Codec.DecodeBodies: each Decoded
// also carries its stored body.
func DecodeFrameBodies(f *Frame, lim Limits, src CodecSource) ([]Decoded, error) {
	if f.Kind != KindInterviews {
		return nil, Errorf(CodeCorrupt, "frame kind %d is not an interview batch", f.Kind)
	}
	c, err := src.Codec(SubjectHash(f.Subject))
	if err != nil {
		return nil, err
	}
	return c.DecodeBodies(f, lim)
}
