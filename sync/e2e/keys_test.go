package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"sira/forms"
	"sira/survey"
	"sira/sync/carry"
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/wire"
)

// marker is an answer no ciphertext should contain, not even in part.
const marker = "Tombouctou-Kidal-MARKER-7731-qzv"

// plainAnswers decrypts a carried file with ids and returns every
// interview's answers, decoded as the intake would.
func plainAnswers(t *testing.T, c *central, b []byte, ids ...age.Identity) []string {
	t.Helper()
	cr, err := carry.NewReader(bytes.NewReader(b), carry.Options{Identities: ids})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		sec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for {
			fr, err := wire.ReadFrame(sec.Payload, wire.DefaultLimits)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if fr.Kind != wire.KindInterviews {
				continue
			}
			ds, err := wire.DecodeFrame(fr, wire.DefaultLimits, c.srv)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				for _, v := range d.Interview.Data.Values {
					out = append(out, v)
				}
			}
		}
	}
}

func officeIdentities(t *testing.T, st intake.KeyStore) []age.Identity {
	t.Helper()
	keys, err := intake.OfficeKeys(context.Background(), st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ids, err := intake.Identities(keys)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestUSBFileHidesAnswers: a USB file made from interviews whose answers
// hold a known marker contains no 6-byte piece of the marker, nor any
// longer answer, while the office identity opens it and finds them all.
func TestUSBFileHidesAnswers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	f := builtinForm(t)
	plan, err := survey.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 7))
	var ivs []*survey.Interview
	for range 40 {
		iv, err := survey.Simulate(f, rng, survey.SimOptions{Plan: plan, Enumerator: "mk", DeviceID: "dev-mk",
			Answers: map[string]string{"already_interviewed": "no", "consent": "yes", "screen_citizen": "yes", "screen_lived_abroad": "yes", "origin_locality": marker}})
		if err != nil {
			t.Fatal(err)
		}
		ivs = append(ivs, iv)
	}
	l := newLaptop(t, dir, "mk", ivs)
	c.enrolOffline(t, l, "mk")
	file := filepath.Join(dir, "mk.sira")
	if _, err := client.Export(ctx, l.store, file); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+6 <= len(marker); i++ {
		if bytes.Contains(raw, []byte(marker[i:i+6])) {
			t.Fatalf("the USB file holds %q, a piece of the marker", marker[i:i+6])
		}
	}
	answers := plainAnswers(t, c, raw, officeIdentities(t, c.store)...)
	found, long := 0, 0
	for _, v := range answers {
		if v == marker {
			found++
		}
		if len(v) >= 10 {
			long++
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("the USB file holds the answer %q", v)
			}
		}
	}
	want := 0
	for _, iv := range ivs {
		for _, v := range iv.Data.Values {
			if v == marker {
				want++
			}
		}
	}
	if found != want || want < len(ivs)/2 || long < want {
		t.Fatalf("the office identity opened %d answers, %d markers (want %d): the test proves nothing", len(answers), found, want)
	}
	if res, err := c.srv.ImportFile(ctx, file); err != nil || res.Counts[wire.Stored] != len(ivs) {
		t.Fatalf("import: %+v, %v", res, err)
	}
}

// TestFormPublicKey: a form whose settings name an age recipient gets its
// interviews' files encrypted to that recipient as well as the office's.
func TestFormPublicKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	formKey, _ := age.GenerateX25519Identity()
	md := "| survey |\n| | type | name | label |\n| | text | a | A |\n| settings |\n| | form_id | version | public_key |\n| | pk | 1 | " + formKey.Recipient().String() + " |\n"
	path := filepath.Join(dir, "pk.md")
	if err := os.WriteFile(path, []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := forms.CompileFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.srv.Publish(ctx, f); err != nil {
		t.Fatal(err)
	}
	iv, err := survey.Simulate(f, rand.New(rand.NewPCG(1, 2)), survey.SimOptions{Enumerator: "pk", DeviceID: "d", Answers: map[string]string{"a": marker}})
	if err != nil {
		t.Fatal(err)
	}
	iv.Status = survey.StatusFinalized
	l := newLaptop(t, dir, "pk", nil)
	js, _ := f.MarshalCanonical()
	if err := l.store.PutForm(ctx, f.ID, f.Version, f.Hash, js); err != nil {
		t.Fatal(err)
	}
	if err := l.store.Insert(ctx, []*survey.Interview{iv}); err != nil {
		t.Fatal(err)
	}
	c.enrolOffline(t, l, "pk")
	file := filepath.Join(dir, "pk.sira")
	if _, err := client.Export(ctx, l.store, file); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	for name, ids := range map[string][]age.Identity{"form key": {formKey}, "office key": officeIdentities(t, c.store)} {
		got := plainAnswers(t, c, raw, ids...)
		if !strings.Contains(strings.Join(got, "\x00"), marker) {
			t.Errorf("the %s does not open the answers: %q", name, got)
		}
	}
	// ODK's RSA keys are refused at publication.
	f2 := *f
	f2.PublicKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
	if _, err := c.srv.Publish(ctx, &f2); err == nil || !strings.Contains(err.Error(), "Sira expects an age recipient") {
		t.Errorf("publishing a form with an RSA public_key: %v", err)
	}
}

// TestOnlineEnrolmentAndPINReset: the first online sync enrols the laptop
// (device key, the token's enumerator, the recovery copy of their data
// key); a PIN reset issued at the office reaches the laptop at its next
// sync and opens the data key with the code read over the phone.
func TestOnlineEnrolmentAndPINReset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	ivs := simulated(t, 12, 21, "fanta")
	l := newLaptop(t, dir, "fanta", ivs)
	cl := newClient(t, "http://"+c.addr(), c.token(t, "fanta"), true)
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Acknowledged != len(ivs) {
		t.Fatalf("sync: %+v, %v", res, err)
	}
	dev, err := l.store.DeviceID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.store.Device(ctx, dev)
	if err != nil || !d.Enrolled("fanta") {
		t.Fatalf("the office's record of the laptop: %+v, %v", d, err)
	}
	e, err := client.LoadEnrolment(ctx, l.store)
	k, _ := intake.CurrentOfficeKey(ctx, c.store, time.Now())
	if err != nil || e == nil || e.Recipient != k.Recipient || e.Fingerprint != intake.Fingerprint(k.Recipient) || len(e.Enumerators) != 1 {
		t.Fatalf("the laptop's enrolment: %+v, %v", e, err)
	}
	if cs, err := c.store.Recovery(ctx, "fanta"); err != nil || len(cs) != 1 || cs[0].Device != dev {
		t.Fatalf("recovery copies at the office after the first sync: %+v, %v", cs, err)
	}

	code, n, err := intake.IssuePINReset(ctx, c.store, "fanta", "test", time.Now())
	if err != nil || n != 1 {
		t.Fatalf("IssuePINReset: %d laptops, %v", n, err)
	}
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatal(err)
	}
	l.store.Lock("fanta")
	if err := l.store.ResetPIN(ctx, "fanta", code, "97531086"); err != nil {
		t.Fatalf("ResetPIN with the office's code: %v", err)
	}
	if _, err := l.store.Get(ctx, ivs[0].ID); err != nil {
		t.Errorf("after the reset the interviews do not open: %v", err)
	}
	l.store.Lock("fanta")
	if err := l.store.Unlock(ctx, "fanta", "97531086"); err != nil {
		t.Errorf("the new PIN does not open: %v", err)
	}
	if ok, _ := l.store.CheckPIN(ctx, "fanta", "135790"); ok {
		t.Error("the old PIN still opens")
	}
	if _, _, err := intake.IssuePINReset(ctx, c.store, "nobody", "test", time.Now()); !errors.Is(err, intake.ErrNoRecoveryCopy) {
		t.Errorf("reset for an enumerator without a copy: %v", err)
	}
}

// TestEnrolledLaptopThroughRelay: a laptop enrolled (offline) with the
// central office syncs through a supervisor's relay, an intake of its own
// with its own key: the interviews travel, the laptop's enrolment and
// office key stay the central's, and its later USB file still goes to
// the central office.
func TestEnrolledLaptopThroughRelay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := startCentral(t, filepath.Join(dir, "central.db"))
	rn := startRelay(t, filepath.Join(dir, "relay.db"), "http://"+c.addr(), c.relayToken(t, "relay"))
	defer rn.stop()
	ivs := simulated(t, 10, 31, "ali")
	l := newLaptop(t, dir, "ali", ivs)
	c.enrolOffline(t, l, "ali")
	before, err := client.LoadEnrolment(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := intake.CreateToken(ctx, rn.store, "ali", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, "http://"+rn.ln.Addr().String(), tok, true)
	if res, err := cl.Sync(ctx, l.store); err != nil || res.Acknowledged != len(ivs) {
		t.Fatalf("sync through the relay: %+v, %v", res, err)
	}
	if _, err := cl.Sync(ctx, l.store); err != nil {
		t.Fatalf("second sync through the relay: %v", err)
	}
	waitForwarded(t, c, rn, int64(len(ivs)))
	after, err := client.LoadEnrolment(ctx, l.store)
	if err != nil {
		t.Fatal(err)
	}
	if after.Office != before.Office || after.Recipient != before.Recipient {
		t.Errorf("syncing through the relay changed the enrolment: %+v, was %+v", after, before)
	}
	more := simulated(t, 3, 32, "ali")
	if err := l.store.Insert(ctx, more); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "ali.sira")
	if _, err := client.Export(ctx, l.store, file); err != nil {
		t.Fatal(err)
	}
	if res, err := c.srv.ImportFile(ctx, file); err != nil || res.Counts[wire.Stored] != len(more) {
		t.Fatalf("the USB file at the central office: %+v, %v", res, err)
	}
}
