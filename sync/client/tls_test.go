package client_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/wire"
)

// TestTLSModes: a pinned certificate is trusted whatever its dates (this
// one expired ten years ago: field laptops' clocks drift), a wrong pin
// and the system roots refuse it, and a CA file trusts the certificate it
// holds while checking its dates.
func TestTLSModes(t *testing.T) {
	certPEM, keyPEM, fp, err := intake.SelfSigned([]string{"127.0.0.1", "localhost"}, time.Now().AddDate(-20, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	offer := wire.Offer{Items: []wire.Item{}}
	answer, _ := wire.MarshalOfferReply(offer, wire.OfferReply{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(answer) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := "SHA256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name string
		tls  client.TLS
		ok   bool
		msg  string
	}{
		{"PinnedExpired", client.TLS{Fingerprint: fp}, true, ""},
		{"PinnedLowerCaseWithColons", client.TLS{Fingerprint: "sha256:" + colons(strings.TrimPrefix(fp, "SHA256:"))}, true, ""},
		{"WrongPin", client.TLS{Fingerprint: wrong}, false, "is not the pinned"},
		{"SystemRoots", client.TLS{}, false, "certificate"},
		{"CAFileChecksDates", client.TLS{CAFile: ca}, false, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := client.New(client.Config{URL: srv.URL, Token: "tok", TLS: tc.tls, Retry: fast})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Offer(context.Background(), offer)
			if tc.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("offer over TLS: %v (want ok=%v, %q)", err, tc.ok, tc.msg)
			}
		})
	}
	if client.Plaintext("http://127.0.0.1:8080") || client.Plaintext("http://localhost:8080") || client.Plaintext("https://intake.example") ||
		!client.Plaintext("http://192.168.1.10:8080") || !client.Plaintext("http://intake.example") {
		t.Error("Plaintext misjudges loopback, https or LAN addresses")
	}
}

func colons(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
