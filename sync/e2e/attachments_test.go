package e2e_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"sira/survey"
	"sira/sync/client"
	"sira/sync/e2e/netproxy"
)

// TestAttachmentsOnceResumable: two interviews cite the same photo; it
// travels once, in chunks, through a link that cuts connections, resuming
// at the server's offset, and arrives verified byte for byte.
func TestAttachmentsOnceResumable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	f := builtinForm(t)
	var field string
	for _, n := range f.Nodes() {
		if n.Name == "certificate_scan" {
			field = n.Path
		}
	}
	if field == "" {
		t.Fatal("the built-in form has no certificate_scan question")
	}
	// Interviews where the photo question is relevant.
	var withPhoto []*survey.Interview
	for _, iv := range simulated(t, 300, 6, "photo") {
		if hasValue(iv.Data, "certificate_obtained", "yes") {
			withPhoto = append(withPhoto, iv)
		}
		if len(withPhoto) == 2 {
			break
		}
	}
	if len(withPhoto) < 2 {
		t.Skip("fewer than two simulated interviews with a certificate")
	}
	l := newLaptop(t, dir, "photo", nil)
	photo := make([]byte, 300<<10) // incompressible, as a JPEG is
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range photo {
		photo[i] = byte(rng.Uint32())
	}
	for _, iv := range withPhoto {
		iv.Status = survey.StatusDraft
		iv.Ended = time.Time{}
		iv.Data.Values[field] = "cert.jpg"
		if err := l.store.Create(ctx, iv); err != nil {
			t.Fatal(err)
		}
		if _, err := l.store.PutAttachment(ctx, iv.ID, survey.Attachment{Field: field, Name: "cert.jpg", Type: "image/jpeg"}, bytes.NewReader(photo)); err != nil {
			t.Fatal(err)
		}
		if err := l.store.Finalize(ctx, iv.ID, iv.Started.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	px, err := netproxy.Start(c.addr(), 5)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	px.SetFaults(netproxy.Faults{Cut: 0.7, CutWithin: 40 << 10})
	cl, err := client.New(client.Config{URL: px.URL(), Token: c.token(t, "photo"), Retry: fastRetry, ChunkSize: 32 << 10,
		HTTP: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var uploaded int64
	for _, r := range syncUntilDone(t, ctx, cl, l, 50) {
		uploaded += r.AttachBytes
	}
	if uploaded != int64(len(photo)) {
		t.Errorf("uploaded %d attachment bytes for one %d-byte photo cited twice: want each byte once", uploaded, len(photo))
	}
	got, err := c.store.Attachment(ctx, sha256hex(photo))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, photo) {
		t.Error("the stored photo differs from the laptop's")
	}
	ids := map[string]bool{withPhoto[0].ID: true, withPhoto[1].ID: true}
	verifyCentral(t, c.store, ids)
	if px.Cuts() < 2 {
		t.Errorf("only %d connections cut: the resumption was not exercised", px.Cuts())
	}
	t.Logf("%d connections cut", px.Cuts())
}

func hasValue(r *survey.Record, name, v string) bool {
	if r == nil {
		return false
	}
	for k, x := range r.Values {
		if x == v && (k == name || len(k) > len(name) && k[len(k)-len(name)-1:] == "/"+name) {
			return true
		}
	}
	for _, insts := range r.Repeats {
		for _, in := range insts {
			if hasValue(in, name, v) {
				return true
			}
		}
	}
	return false
}
