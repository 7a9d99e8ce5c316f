// Package syncbench measures Sira's sync against ODK Collect's way of
// submitting (one OpenRosa multipart POST per interview, XML instance) and
// against the compression limit, the intake server's ingest rate, and a
// session over a shaped slow link. See bench/README.md.
package syncbench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// ODKInstance returns the XML instance ODK Collect would submit for iv, as
// pyxform lays it out: the root element named after the form id with id
// and version attributes, groups as nested elements, each repeat instance
// as a repeated element, every field (answered or not) as an element, and
// meta/instanceID.
func ODKInstance(f *forms.Form, iv *survey.Interview) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0' ?>")
	fmt.Fprintf(&b, `<%s id="%s" version="%s" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms">`,
		f.ID, esc(f.ID), esc(f.Version))
	hasMeta := false
	for _, c := range f.Root.Children {
		if c.Name == "meta" {
			hasMeta = true
		}
		writeNode(&b, c, iv.Data, iv)
	}
	if !hasMeta {
		fmt.Fprintf(&b, "<meta><instanceID>%s</instanceID></meta>", esc(iv.ID))
	}
	fmt.Fprintf(&b, "</%s>", f.ID)
	return b.Bytes()
}

func writeNode(b *bytes.Buffer, n *forms.Node, rec *survey.Record, iv *survey.Interview) {
	switch n.Type {
	case forms.TypeGroup:
		fmt.Fprintf(b, "<%s>", n.Name)
		for _, c := range n.Children {
			writeNode(b, c, rec, iv)
		}
		fmt.Fprintf(b, "</%s>", n.Name)
		return
	case forms.TypeRepeat:
		var inst []*survey.Record
		if rec != nil {
			inst = rec.Repeats[n.Path]
		}
		for _, r := range inst {
			fmt.Fprintf(b, "<%s>", n.Name)
			for _, c := range n.Children {
				writeNode(b, c, r, iv)
			}
			fmt.Fprintf(b, "</%s>", n.Name)
		}
		return
	}
	v := ""
	if rec != nil {
		v = rec.Values[n.Path]
	}
	if n.Name == "instanceID" && v == "" {
		v = iv.ID
	}
	if v == "" {
		fmt.Fprintf(b, "<%s/>", n.Name)
		return
	}
	fmt.Fprintf(b, "<%s>%s</%s>", n.Name, esc(v), n.Name)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// ODKSubmit posts one instance the way ODK Collect does: multipart/form-data
// with the part xml_submission_file, OpenRosa headers.
func ODKSubmit(hc *http.Client, url string, instanceName string, instance []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="xml_submission_file"; filename="%s.xml"`, instanceName))
	h.Set("Content-Type", "text/xml; charset=UTF-8")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	w.Write(instance)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, url+"/submission", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-OpenRosa-Version", "1.0")
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("User-Agent", "Dalvik/2.1.0 (Linux; U; Android 11; SM-T505 Build/RP1A.200720.012) org.odk.collect.android/v2024.2.4")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("ODK submission: HTTP %d", resp.StatusCode)
	}
	return nil
}

// ODKServer answers submissions as ODK Central does: 201 with an
// OpenRosaResponse. It counts the instances it received.
type ODKServer struct{ Received int }

func (s *ODKServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, _, err := r.FormFile("xml_submission_file"); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.Received++
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("X-OpenRosa-Version", "1.0")
	w.Header().Set("X-OpenRosa-Accept-Content-Length", "104857600")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0"><message nature="">full submission upload was successful!</message></OpenRosaResponse>`)
}
