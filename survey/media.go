package survey

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"sira/forms"
)

// CheckAttachment reports whether a file (its name and its first bytes,
// 512 are enough) fits media question n: an image for image questions
// (signature and draw appearances included), audio for audio, video for
// video; a file question takes any file, or those its "accept" parameter
// or body::accept column lists (".pdf,.docx" or media types). The content
// is sniffed as browsers do; the extension decides where sniffing cannot
// tell (audio and video containers, formats it does not know). A text or
// an image where a recording is expected is refused.
func CheckAttachment(n *forms.Node, name string, head []byte) error {
	want := ""
	switch n.Type {
	case forms.TypeImage:
		want = "image/"
	case forms.TypeAudio, forms.TypeBackgroundAudio:
		want = "audio/"
	case forms.TypeVideo:
		want = "video/"
	case forms.TypeFile:
		return checkAccept(n, name)
	default:
		return fmt.Errorf("%s is not a media question", n.Name)
	}
	sniffed := http.DetectContentType(head)
	ext := strings.ToLower(filepath.Ext(name))
	byExt := mediaExt[ext]
	if byExt == "" {
		byExt = mime.TypeByExtension(ext)
	}
	switch {
	case strings.HasPrefix(sniffed, want):
		return nil
	case sniffed == "application/octet-stream" && strings.HasPrefix(byExt, want):
		return nil // content sniffing cannot tell (HEIC, raw formats): the extension decides
	case want == "audio/" && (sniffed == "application/ogg" || strings.HasPrefix(byExt, "audio/")) && !strings.HasPrefix(sniffed, "image/") && !strings.HasPrefix(sniffed, "text/"):
		return nil
	case want == "video/" && strings.HasPrefix(byExt, "video/") && !strings.HasPrefix(sniffed, "image/") && !strings.HasPrefix(sniffed, "text/"):
		return nil
	}
	what := map[string]string{"image/": "an image", "audio/": "a sound recording", "video/": "a video"}[want]
	return fmt.Errorf("%s is not %s (it looks like %s)", filepath.Base(name), what, sniffed)
}

// mediaExt names the media types of the recordings phones and laptops
// make, which the system's tables (and Go's) may not know.
var mediaExt = map[string]string{
	".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
	".wav": "audio/wav", ".amr": "audio/amr", ".aac": "audio/aac", ".flac": "audio/flac", ".3ga": "audio/3gpp",
	".mp4": "video/mp4", ".3gp": "video/3gpp", ".webm": "video/webm", ".mov": "video/quicktime", ".mkv": "video/x-matroska", ".avi": "video/x-msvideo",
}

// checkAccept applies a file question's accepted extensions or types.
func checkAccept(n *forms.Node, name string) error {
	acc := n.Parameters["accept"]
	if acc == "" {
		acc = n.Extra["body::accept"]
	}
	if acc == "" {
		return nil
	}
	ext := strings.ToLower(filepath.Ext(name))
	typ := mime.TypeByExtension(ext)
	for _, a := range strings.Split(acc, ",") {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "" || a == "*" || a == "*/*":
			return nil
		case strings.HasPrefix(a, ".") && a == ext:
			return nil
		case strings.HasSuffix(a, "/*") && strings.HasPrefix(typ, strings.TrimSuffix(a, "*")):
			return nil
		case a == strings.SplitN(typ, ";", 2)[0]:
			return nil
		}
	}
	return fmt.Errorf("%s is not among the files %s accepts (%s)", filepath.Base(name), n.Name, acc)
}

// SampleMedia is a small valid file of each media kind, for simulated
// interviews: a 2×2 JPEG photo, a 2×2 PNG (signatures and drawings), a
// tenth of a second of silent WAV, an MP4 holding only its file-type box
// (sniffed as video/mp4; not playable), a one-page PDF.
type SampleMedia struct {
	Name, Type, SHA256 string
	Data               []byte
}

var sampleMedia = sync.OnceValue(func() map[string]*SampleMedia {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		img.Set(i%2, i/2, color.RGBA{R: uint8(60 * i), G: 120, B: 200, A: 255})
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		panic(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		panic(err)
	}
	// WAV: 8 kHz, 8-bit mono, 800 samples of silence (128).
	pcm := bytes.Repeat([]byte{128}, 800)
	var wb bytes.Buffer
	wb.WriteString("RIFF")
	binary.Write(&wb, binary.LittleEndian, uint32(36+len(pcm)))
	wb.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)} {
		binary.Write(&wb, binary.LittleEndian, v)
	}
	wb.WriteString("data")
	binary.Write(&wb, binary.LittleEndian, uint32(len(pcm)))
	wb.Write(pcm)
	mp4 := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	out := map[string]*SampleMedia{}
	for k, m := range map[string]*SampleMedia{
		"image":     {Name: "sim-photo.jpg", Type: "image/jpeg", Data: jb.Bytes()},
		"signature": {Name: "sim-signature.png", Type: "image/png", Data: pb.Bytes()},
		"audio":     {Name: "sim-audio.wav", Type: "audio/wav", Data: wb.Bytes()},
		"video":     {Name: "sim-video.mp4", Type: "video/mp4", Data: mp4},
		"file":      {Name: "sim-document.pdf", Type: "application/pdf", Data: pdf},
	} {
		sum := sha256.Sum256(m.Data)
		m.SHA256 = hex.EncodeToString(sum[:])
		out[k] = m
	}
	return out
})

// SampleMediaFor returns the sample file a simulated interview attaches to
// media question n (nil for other types).
func SampleMediaFor(n *forms.Node) *SampleMedia {
	m := sampleMedia()
	switch n.Type {
	case forms.TypeImage:
		for _, a := range strings.Fields(n.Appearance) {
			if a == "signature" || a == "draw" || a == "annotate" {
				return m["signature"]
			}
		}
		return m["image"]
	case forms.TypeAudio:
		return m["audio"]
	case forms.TypeVideo:
		return m["video"]
	case forms.TypeFile:
		return m["file"]
	}
	return nil
}

// SampleMediaFiles lists every sample file, for a store that must hold
// their contents before simulated interviews refer to them.
func SampleMediaFiles() []*SampleMedia {
	m := sampleMedia()
	return []*SampleMedia{m["image"], m["signature"], m["audio"], m["video"], m["file"]}
}

// mediaAnswer answers media question x with a sample file (SimOptions.Media),
// named uniquely within the interview.
func (s *simulator) mediaAnswer(x *elem) (string, bool) {
	m := SampleMediaFor(x.ni.node)
	if !s.opts.Media || m == nil {
		return "", false
	}
	if s.media == nil {
		s.media = map[string]*SampleMedia{}
	}
	name := fmt.Sprintf("%d-%s", len(s.media)+1, m.Name)
	s.media[name] = m
	return name, true
}

// attachMedia lists the sample files the finalized answers refer to.
func (s *simulator) attachMedia() {
	if len(s.media) == 0 {
		return
	}
	var walk func(r *Record)
	walk = func(r *Record) {
		for _, p := range sortedKeys(r.Values) {
			if m := s.media[r.Values[p]]; m != nil {
				s.e.iv.Attachments = append(s.e.iv.Attachments, Attachment{Field: p, Name: r.Values[p], SHA256: m.SHA256, Size: int64(len(m.Data)), Type: m.Type})
			}
		}
		for _, p := range sortedKeys(r.Repeats) {
			for _, in := range r.Repeats[p] {
				walk(in)
			}
		}
	}
	walk(s.e.iv.Data)
	sort.Slice(s.e.iv.Attachments, func(i, j int) bool {
		a, b := s.e.iv.Attachments[i], s.e.iv.Attachments[j]
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Name < b.Name
	})
}
