package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
)

// Magic opens every frame.
var Magic = [4]byte{'S', 'I', 'R', 'B'}

// HeaderSize is the fixed size of a frame header.
const HeaderSize = 56

// Kind is what a frame carries.
type Kind uint8

// Frame kinds.
const (
	// KindInterviews: Count interviews in the canonical record encoding;
	// Subject is the sha256 of the compiled form whose dictionary and key
	// table the payload uses (all zero: no form, generic dictionary).
	KindInterviews Kind = 1
	// KindAttachment: one attachment file, whole; Subject is its sha256.
	// Used in batch files (USB), where there is no chunked upload.
	KindAttachment Kind = 2
)

// Frame flags.
const (
	FlagZstd uint8 = 1 << 0 // payload is a zstd frame
	FlagDict uint8 = 1 << 1 // compressed with the Subject form's dictionary
)

// Limits bound what a decoder accepts, so a hostile or broken sender cannot
// make the receiver allocate without bound (decompression bombs included).
type Limits struct {
	MaxPayload int // bytes of (compressed) payload in one frame
	MaxDecoded int // bytes of decoded payload in one frame
	MaxCount   int // interviews in one frame
}

// DefaultLimits are the server's defaults: far above a batch of a few
// hundred interviews, far below what would hurt a laptop.
var DefaultLimits = Limits{MaxPayload: 16 << 20, MaxDecoded: 64 << 20, MaxCount: 10000}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame is one decoded frame header with its (still compressed) payload.
//
// Layout, big-endian:
//
//	0  magic "SIRB"        4
//	4  protocol version    2
//	6  kind                1
//	7  flags               1
//	8  subject             32  (form sha256 or attachment sha256)
//	40 count               4
//	44 decoded length      4
//	48 payload length      4
//	52 CRC-32C             4   over bytes 0..51 and the payload
//	56 payload
type Frame struct {
	Version    int
	Kind       Kind
	Flags      uint8
	Subject    [32]byte
	Count      int
	DecodedLen int
	Payload    []byte
}

// Size is the encoded size of the frame.
func (f *Frame) Size() int { return HeaderSize + len(f.Payload) }

// Append appends the encoded frame to b.
func (f *Frame) Append(b []byte) []byte {
	start := len(b)
	var h [HeaderSize]byte
	copy(h[0:4], Magic[:])
	binary.BigEndian.PutUint16(h[4:6], uint16(f.Version))
	h[6] = byte(f.Kind)
	h[7] = f.Flags
	copy(h[8:40], f.Subject[:])
	binary.BigEndian.PutUint32(h[40:44], uint32(f.Count))
	binary.BigEndian.PutUint32(h[44:48], uint32(f.DecodedLen))
	binary.BigEndian.PutUint32(h[48:52], uint32(len(f.Payload)))
	b = append(b, h[:]...)
	b = append(b, f.Payload...)
	crc := crc32.Update(crc32.Checksum(b[start:start+52], castagnoli), castagnoli, f.Payload)
	binary.BigEndian.PutUint32(b[start+52:start+56], crc)
	return b
}

// ParseFrame decodes exactly one frame from b; trailing bytes are an error.
// It checks the magic, the protocol version, the limits and the checksum,
// and returns a *Error (CodeCorrupt, CodeTooLarge, CodeProtocolVersion).
func ParseFrame(b []byte, lim Limits) (*Frame, error) {
	f, err := ReadFrame(bytes.NewReader(b), lim)
	if err == io.EOF {
		return nil, Errorf(CodeCorrupt, "empty batch")
	}
	if err != nil {
		return nil, err
	}
	if f.Size() != len(b) {
		return nil, Errorf(CodeCorrupt, "%d bytes after the frame", len(b)-f.Size())
	}
	return f, nil
}

// ReadFrame reads one frame from r. At a clean end of input it returns
// io.EOF; a partial frame is CodeCorrupt ("truncated").
func ReadFrame(r io.Reader, lim Limits) (*Frame, error) {
	return ReadFrameFunc(r, lim, nil)
}

// ReadFrameFunc is ReadFrame with a hook: once the header is read and
// within lim, before any payload byte is read, before (when not nil) is
// called with the header (Payload still nil) and the payload's length; an
// error from it is returned as is. A server reserves memory there.
func ReadFrameFunc(r io.Reader, lim Limits, before func(f *Frame, payload int) error) (*Frame, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, Errorf(CodeCorrupt, "truncated frame header")
		}
		return nil, fmt.Errorf("read frame header: %w", err)
	}
	if !bytes.Equal(h[0:4], Magic[:]) {
		return nil, Errorf(CodeCorrupt, "not a Sira batch frame (bad magic)")
	}
	f := &Frame{
		Version:    int(binary.BigEndian.Uint16(h[4:6])),
		Kind:       Kind(h[6]),
		Flags:      h[7],
		Count:      int(binary.BigEndian.Uint32(h[40:44])),
		DecodedLen: int(binary.BigEndian.Uint32(h[44:48])),
	}
	copy(f.Subject[:], h[8:40])
	if f.Version > ProtocolVersion || f.Version < 1 {
		return nil, Errorf(CodeProtocolVersion, "frame speaks protocol version %d; this side speaks %d: update Sira", f.Version, ProtocolVersion)
	}
	if f.Kind != KindInterviews && f.Kind != KindAttachment {
		return nil, Errorf(CodeCorrupt, "unknown frame kind %d", f.Kind)
	}
	n := int(binary.BigEndian.Uint32(h[48:52]))
	if n > lim.MaxPayload {
		return nil, Errorf(CodeTooLarge, "frame payload of %d bytes over the limit of %d", n, lim.MaxPayload)
	}
	if f.DecodedLen > lim.MaxDecoded {
		return nil, Errorf(CodeTooLarge, "decoded payload of %d bytes over the limit of %d", f.DecodedLen, lim.MaxDecoded)
	}
	if f.Count > lim.MaxCount {
		return nil, Errorf(CodeTooLarge, "%d interviews in one frame, over the limit of %d", f.Count, lim.MaxCount)
	}
	if before != nil {
		if err := before(f, n); err != nil {
			return nil, err
		}
	}
	// The payload grows with the bytes that arrive, never to the declared
	// length upfront: a header declaring 16 MiB followed by nothing costs
	// nothing.
	p, err := readPayload(r, n)
	if err != nil {
		return nil, err
	}
	f.Payload = p
	crc := crc32.Update(crc32.Checksum(h[0:52], castagnoli), castagnoli, f.Payload)
	if crc != binary.BigEndian.Uint32(h[52:56]) {
		return nil, Errorf(CodeCorrupt, "frame checksum mismatch")
	}
	return f, nil
}

// payloadStep is the most a payload buffer grows by before its bytes arrive.
const payloadStep = 256 << 10

// readPayload reads exactly n bytes from r, in steps of at most
// payloadStep, so the buffer holds what was sent rather than what was
// declared. A bytes.Reader's remaining length is checked first.
func readPayload(r io.Reader, n int) ([]byte, error) {
	if br, ok := r.(*bytes.Reader); ok && br.Len() < n {
		return nil, Errorf(CodeCorrupt, "truncated frame: payload shorter than its %d bytes", n)
	}
	b := make([]byte, 0, min(n, payloadStep))
	for len(b) < n {
		step := min(n-len(b), max(len(b), payloadStep))
		b = slices.Grow(b, step)
		m, err := io.ReadFull(r, b[len(b):len(b)+step])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, Errorf(CodeCorrupt, "truncated frame: payload shorter than its %d bytes", n)
			}
			return nil, fmt.Errorf("read frame payload: %w", err)
		}
	}
	return b, nil
}
