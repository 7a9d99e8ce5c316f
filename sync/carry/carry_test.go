package carry_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"sira/sync/carry"
)

var created = "2026-12-07T10:00:00Z"

type section struct {
	h       carry.Header
	key     ed25519.PrivateKey
	payload []byte
}

func newKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func write(t testing.TB, kind carry.Kind, secs []section, rs ...age.Recipient) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := carry.NewWriter(&buf, kind, rs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if err := w.WriteSection(s.h, s.key, s.payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every section, verifying each with keys[device].
func readAll(b []byte, opt carry.Options, keys map[string]ed25519.PublicKey) ([]carry.Header, [][]byte, error) {
	r, err := carry.NewReader(bytes.NewReader(b), opt)
	if err != nil {
		return nil, nil, err
	}
	var hs []carry.Header
	var ps [][]byte
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return hs, ps, nil
		}
		if err != nil {
			return nil, nil, err
		}
		p, err := io.ReadAll(s.Payload)
		if err != nil {
			return nil, nil, err
		}
		if err := s.Verify(keys[s.Header.Device]); err != nil {
			return nil, nil, err
		}
		hs = append(hs, s.Header)
		ps = append(ps, p)
	}
}

func fixture(t testing.TB) ([]section, map[string]ed25519.PublicKey) {
	k1, k2 := newKey(t, 1), newKey(t, 2)
	secs := []section{
		{carry.Header{Device: "dev-a", Kind: carry.KindDevice, Created: created}, k1, []byte(strings.Repeat("frames of awa ", 50))},
		{carry.Header{Device: "dev-b", Kind: carry.KindDevice, Created: created, Key: "a2V5", Enrolment: "enr1", Code: "Y29kZQ"}, k2, nil},
		{carry.Header{Device: "relay-x", Kind: carry.KindRelay, Relay: "mopti", Created: created}, k1, bytes.Repeat([]byte{0, 1, 2}, 70000)},
	}
	keys := map[string]ed25519.PublicKey{"dev-a": k1.Public().(ed25519.PublicKey), "dev-b": k2.Public().(ed25519.PublicKey), "relay-x": k1.Public().(ed25519.PublicKey)}
	return secs, keys
}

func TestRoundTrip(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	secs, keys := fixture(t)
	for _, enc := range []bool{true, false} {
		var rs []age.Recipient
		if enc {
			rs = append(rs, id.Recipient())
		}
		b := write(t, carry.Upstream, secs, rs...)
		if enc && !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
			t.Fatalf("encrypted file starts %q", b[:30])
		}
		if enc && bytes.Contains(b, []byte("frames of awa")) {
			t.Fatal("the encrypted file holds the payload in clear")
		}
		hs, ps, err := readAll(b, carry.Options{Identities: []age.Identity{id}, AllowPlaintext: !enc}, keys)
		if err != nil {
			t.Fatalf("encrypted %v: %v", enc, err)
		}
		if len(hs) != len(secs) {
			t.Fatalf("%d sections, want %d", len(hs), len(secs))
		}
		for i := range secs {
			if hs[i] != secs[i].h || !bytes.Equal(ps[i], secs[i].payload) {
				t.Errorf("section %d: %+v, %d bytes; want %+v, %d bytes", i, hs[i], len(ps[i]), secs[i].h, len(secs[i].payload))
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	secs, keys := fixture(t)
	enc := write(t, carry.Upstream, secs, id.Recipient())
	plain := write(t, carry.Upstream, secs)
	wrongKeys := map[string]ed25519.PublicKey{"dev-a": keys["dev-b"], "dev-b": keys["dev-b"], "relay-x": keys["relay-x"]}
	for _, c := range []struct {
		name string
		b    []byte
		opt  carry.Options
		keys map[string]ed25519.PublicKey
		want error
	}{
		{"AnotherOffice", enc, carry.Options{Identities: []age.Identity{other}}, keys, carry.ErrNotAddressed},
		{"NoIdentity", enc, carry.Options{}, keys, carry.ErrNotAddressed},
		{"Plaintext", plain, carry.Options{Identities: []age.Identity{id}}, keys, carry.ErrPlaintext},
		{"OldBatch", append([]byte("SIRABATC\x00\x02"), make([]byte, 30)...), carry.Options{Identities: []age.Identity{id}}, keys, carry.ErrOldBatch},
		{"NotCarried", []byte("PK\x03\x04 a zip file"), carry.Options{Identities: []age.Identity{id}}, keys, carry.ErrNotCarried},
		{"Empty", nil, carry.Options{Identities: []age.Identity{id}}, keys, carry.ErrNotCarried},
		{"WrongDeviceKey", enc, carry.Options{Identities: []age.Identity{id}}, wrongKeys, carry.ErrSignature},
		{"NoDeviceKey", enc, carry.Options{Identities: []age.Identity{id}}, nil, carry.ErrSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := readAll(c.b, c.opt, c.keys)
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
	// Rotated: the older identity still opens the file.
	if _, _, err := readAll(enc, carry.Options{Identities: []age.Identity{other, id}}, keys); err != nil {
		t.Errorf("with a newer and the older identity: %v", err)
	}
}

// TestDamage: every truncation and a bit flipped at every position of a
// small file is refused, in the encrypted and the plaintext file alike
// (the plaintext's truncations only where a section is cut).
func TestDamage(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	k := newKey(t, 7)
	keys := map[string]ed25519.PublicKey{"dev-a": k.Public().(ed25519.PublicKey)}
	secs := []section{{carry.Header{Device: "dev-a", Kind: carry.KindDevice, Created: created}, k, []byte("payload of awa")}}
	for _, enc := range []bool{true, false} {
		var rs []age.Recipient
		if enc {
			rs = append(rs, id.Recipient())
		}
		b := write(t, carry.Upstream, secs, rs...)
		opt := carry.Options{Identities: []age.Identity{id}, AllowPlaintext: !enc}
		if _, _, err := readAll(b, opt, keys); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(b); n++ {
			if !enc && n == carry.FileHeaderSize {
				continue // a plaintext file of no section is whole
			}
			if _, _, err := readAll(b[:n], opt, keys); err == nil {
				t.Errorf("encrypted %v: truncated to %d of %d bytes: accepted", enc, n, len(b))
			}
		}
		for i := 0; i < len(b); i++ {
			for _, bit := range []byte{1, 0x80} {
				d := bytes.Clone(b)
				d[i] ^= bit
				if _, _, err := readAll(d, opt, keys); err == nil {
					t.Errorf("encrypted %v: bit %#x flipped at byte %d of %d: accepted", enc, bit, i, len(b))
				}
			}
		}
	}
}

// TestAgeOpensIt: the age library and, when installed, the age command
// (Debian package age) decrypt a carried file with the office identity.
func TestAgeOpensIt(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	secs, _ := fixture(t)
	b := write(t, carry.Upstream, secs, id.Recipient())
	plain := write(t, carry.Upstream, secs)
	r, err := age.Decrypt(bytes.NewReader(b), id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, carry.Magic[:]) || len(got) != len(plain) {
		t.Errorf("age library: %d bytes starting %q; want %d starting SIRACARY", len(got), got[:min(8, len(got))], len(plain))
	}
	bin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age command is not installed (Debian: apt-get install age)")
	}
	dir := t.TempDir()
	keyFile, file := filepath.Join(dir, "office.key"), filepath.Join(dir, "awa.sira")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-d", "-i", keyFile, file).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	if !bytes.Equal(out, got) {
		t.Errorf("age -d wrote %d bytes, the library %d", len(out), len(got))
	}
}
