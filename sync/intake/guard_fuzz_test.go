package intake_test

import (
	"net/http"
	"net/netip"
	"testing"

	"sira/sync/intake"
)

// FuzzParseProxies: any --trusted-proxy value parses or errs, and the
// source of a request is then the peer or an address of its header.
func FuzzParseProxies(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "127.0.0.1", "::1,192.168.0.0/16", "", ",,", "300.1.1.1", "fe80::/10"} {
		f.Add(s, "203.0.113.9, 10.0.0.1")
	}
	f.Fuzz(func(t *testing.T, spec, xff string) {
		ps, err := intake.ParseProxies(spec)
		if err != nil {
			return
		}
		r := &http.Request{RemoteAddr: "127.0.0.1:5000", Header: http.Header{"X-Forwarded-For": {xff}}}
		src := ps.Source(r)
		if src == "127.0.0.1" {
			return
		}
		if _, err := netip.ParseAddr(src); err != nil {
			t.Errorf("source %q of %q behind %q is not an address", src, xff, spec)
		}
	})
}
