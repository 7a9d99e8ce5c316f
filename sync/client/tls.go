package client

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// TLS is how the client trusts the intake server's certificate: the
// system roots (zero value), the roots in CAFile, or one certificate
// pinned by Fingerprint ("SHA256:<hex>", as `sira intake tls selfsigned`
// prints it). A pinned certificate is accepted whatever the laptop's
// clock says (field laptops' clocks drift) and whatever names it holds:
// the pin is the whole check. The other modes check dates and names as
// usual.
type TLS struct {
	CAFile      string
	Fingerprint string
}

// errPinMismatch is in the error of a certificate that is not the pinned one.
const errPinMismatch = "is not the pinned"

// ParseFingerprint returns the 32 bytes of "SHA256:<hex>" (colons between
// hex pairs and case are ignored).
func ParseFingerprint(s string) ([]byte, error) {
	h, ok := strings.CutPrefix(strings.TrimSpace(s), "SHA256:")
	if !ok {
		if h, ok = strings.CutPrefix(strings.TrimSpace(s), "sha256:"); !ok {
			return nil, fmt.Errorf("fingerprint %q: want SHA256:<64 hex digits>", s)
		}
	}
	b, err := hex.DecodeString(strings.ReplaceAll(h, ":", ""))
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("fingerprint %q: want SHA256:<64 hex digits>", s)
	}
	return b, nil
}

// config returns the tls.Config for t, or nil for the system defaults.
func (t TLS) config() (*tls.Config, error) {
	switch {
	case t.Fingerprint != "" && t.CAFile != "":
		return nil, errors.New("sync: give --ca or --fingerprint, not both")
	case t.Fingerprint != "":
		want, err := ParseFingerprint(t.Fingerprint)
		if err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
		return &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The pin replaces chain, name and date checks.
			InsecureSkipVerify: true,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("the server sent no certificate")
				}
				got := sha256.Sum256(raw[0])
				if subtle.ConstantTimeCompare(got[:], want) != 1 {
					return fmt.Errorf("the server's certificate SHA256:%x %s %s: another server, or its certificate changed", got, errPinMismatch, t.Fingerprint)
				}
				return nil
			},
		}, nil
	case t.CAFile != "":
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sync: --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("sync: --ca %s: no PEM certificate in it", t.CAFile)
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
	}
	return nil, nil
}

// Plaintext reports whether rawURL is plain http:// to a host that is not
// loopback: what travels can be read and changed on the way.
func Plaintext(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
