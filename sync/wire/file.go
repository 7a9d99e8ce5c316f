package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FileMagic opens a batch file (`sira sync --out FILE`, carried on a USB
// stick). The file is FileMagic, a uint16 protocol version, six reserved
// zero bytes, then frames back to back until the end of the file:
// KindInterviews frames and KindAttachment frames for the files they
// reference. Frames are self-delimiting and checksummed, so a truncated
// file fails on its last frame, never silently.
var FileMagic = [8]byte{'S', 'I', 'R', 'A', 'B', 'A', 'T', 'C'}

// FileHeaderSize is the size of a batch file's header.
const FileHeaderSize = 16

// FileWriter writes a batch file.
type FileWriter struct {
	w   io.Writer
	err error
}

// NewFileWriter writes the file header to w and returns a writer for frames.
func NewFileWriter(w io.Writer) (*FileWriter, error) {
	var h [FileHeaderSize]byte
	copy(h[:8], FileMagic[:])
	binary.BigEndian.PutUint16(h[8:10], ProtocolVersion)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("write batch file header: %w", err)
	}
	return &FileWriter{w: w}, nil
}

// WriteFrame writes one encoded frame (as returned by Codec.Encode or
// AttachmentFrame).
func (fw *FileWriter) WriteFrame(frame []byte) error {
	if fw.err != nil {
		return fw.err
	}
	if _, err := fw.w.Write(frame); err != nil {
		fw.err = fmt.Errorf("write batch frame: %w", err)
	}
	return fw.err
}

// AttachmentFrame encodes one attachment file as a KindAttachment frame. Its
// bytes are stored as they are (media files are compressed already).
func AttachmentFrame(sha256 string, data []byte) ([]byte, error) {
	raw, err := parseHash("sha256:" + sha256)
	if err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	f := &Frame{Version: ProtocolVersion, Kind: KindAttachment, Subject: raw, Count: 1, DecodedLen: len(data), Payload: data}
	return f.Append(nil), nil
}

// FileReader reads the frames of a batch file.
type FileReader struct {
	r   io.Reader
	lim Limits
}

// NewFileReader checks the batch file header on r.
func NewFileReader(r io.Reader, lim Limits) (*FileReader, error) {
	var h [FileHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, Errorf(CodeCorrupt, "not a Sira batch file (too short)")
		}
		return nil, fmt.Errorf("read batch file header: %w", err)
	}
	if !bytes.Equal(h[:8], FileMagic[:]) {
		return nil, Errorf(CodeCorrupt, "not a Sira batch file (bad magic)")
	}
	if v := binary.BigEndian.Uint16(h[8:10]); v > ProtocolVersion || v < 1 {
		return nil, Errorf(CodeProtocolVersion, "batch file written with protocol version %d; this side speaks %d: update Sira", v, ProtocolVersion)
	}
	return &FileReader{r: r, lim: lim}, nil
}

// Next returns the next frame, or io.EOF after the last one.
func (fr *FileReader) Next() (*Frame, error) {
	return ReadFrame(fr.r, fr.lim)
}
