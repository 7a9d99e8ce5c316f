package intake_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"sira/survey"
	"sira/sync/carry"
	"sira/sync/intake"
	"sira/sync/wire"
	"sira/sync/wire/wiretest"
)

type carrySection struct {
	h       carry.Header
	key     ed25519.PrivateKey
	payload []byte
}

// writeCarried writes a carried file of sections to a new file, encrypted
// to recipients (none: plaintext).
func writeCarried(t *testing.T, rs []age.Recipient, secs ...carrySection) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := carry.NewWriter(&buf, carry.Upstream, rs...)
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
	return writeTemp(t, buf.Bytes())
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.sira")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return f.Name()
}

func header(device string) carry.Header {
	return carry.Header{Device: device, Kind: carry.KindDevice, Created: time.Now().UTC().Format(time.RFC3339)}
}

func officeRecipient(t *testing.T, st intake.KeyStore) age.Recipient {
	t.Helper()
	k, err := intake.CurrentOfficeKey(context.Background(), st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.ParseX25519Recipient(k.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func byEnumerator(ivs []*survey.Interview, enum string) []*survey.Interview {
	for _, iv := range ivs {
		iv.Enumerator = enum
	}
	return ivs
}

// TestImportCarried: a carried file is imported only when every section is
// signed by its device's registered key and carries only interviews of
// enumerators enrolled on that device; a refused file, whatever its fault,
// stores nothing and says why.
func TestImportCarried(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, intake.Config{})
	_, k1, _ := ed25519.GenerateKey(nil)
	_, k2, _ := ed25519.GenerateKey(nil)
	if _, err := e.store.RegisterDevice(ctx, "dev-1", k1.Public().(ed25519.PublicKey), []string{"awa"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	office := officeRecipient(t, e.store)
	other, _ := age.GenerateX25519Identity()
	good := e.frame(e.interviews(20, 1))
	more := e.frame(e.interviews(5, 2))
	bob := e.frame(byEnumerator(wiretest.Interviews(e.form, 3, 3, "bob", "dev1"), "bob"))
	goodFile := writeCarried(t, []age.Recipient{office}, carrySection{header("dev-1"), k1, good})
	raw, _ := os.ReadFile(goodFile)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x10

	for _, c := range []struct {
		name string
		path string
		opt  intake.ImportOptions
		want string
	}{
		{"AnotherOffice", writeCarried(t, []age.Recipient{other.Recipient()}, carrySection{header("dev-1"), k1, good}), intake.ImportOptions{}, "not addressed to this office"},
		{"UnknownDevice", writeCarried(t, []age.Recipient{office}, carrySection{header("dev-9"), k1, good}), intake.ImportOptions{}, "section 1 (device dev-9): this device is not enrolled"},
		{"WrongKey", writeCarried(t, []age.Recipient{office}, carrySection{header("dev-1"), k2, good}), intake.ImportOptions{}, "section 1 (device dev-1): signature does not verify"},
		{"OutOfScope", writeCarried(t, []age.Recipient{office}, carrySection{header("dev-1"), k1, bob}), intake.ImportOptions{}, `enumerator "bob", who is not enrolled on device dev-1`},
		{"SecondSectionBad", writeCarried(t, []age.Recipient{office}, carrySection{header("dev-1"), k1, good}, carrySection{header("dev-1"), k2, more}), intake.ImportOptions{}, "section 2 (device dev-1): signature"},
		{"Truncated", writeTemp(t, raw[:len(raw)-30]), intake.ImportOptions{}, "damaged or was tampered with"},
		{"BitFlipped", writeTemp(t, flipped), intake.ImportOptions{}, "damaged or was tampered with"},
		{"Plaintext", writeCarried(t, nil, carrySection{header("dev-1"), k1, good}), intake.ImportOptions{}, "--plaintext"},
		{"Legacy", writeTemp(t, append([]byte("SIRABATC\x00\x02\x00\x00\x00\x00\x00\x00"), good...)), intake.ImportOptions{}, "--legacy"},
		{"Relay", writeCarried(t, []age.Recipient{office}, carrySection{carry.Header{Device: "r", Kind: carry.KindRelay, Created: header("").Created}, k1, good}), intake.ImportOptions{}, "relay sections are not imported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.srv.ImportFileOptions(ctx, c.path, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import: %v, want an error saying %q", err, c.want)
			}
			if n := e.count(); n != 0 {
				t.Fatalf("a refused file stored %d submissions", n)
			}
		})
	}

	res, err := e.srv.ImportFile(ctx, goodFile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[wire.Stored] != 20 || len(res.Sections) != 1 || res.Sections[0].Device != "dev-1" || res.Sections[0].Interviews != 20 {
		t.Errorf("good file: %+v", res)
	}
	// Key rotation: the file written to the older key still imports; a new
	// file to the new key too.
	if _, err := intake.RotateOfficeKey(ctx, e.store, time.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := e.srv.ImportFile(ctx, goodFile); err != nil || res.Counts[wire.Duplicate] != 20 {
		t.Fatalf("old file after rotation: %+v, %v", res, err)
	}
	newer := writeCarried(t, []age.Recipient{officeRecipient(t, e.store)}, carrySection{header("dev-1"), k1, more})
	if res, err := e.srv.ImportFile(ctx, newer); err != nil || res.Counts[wire.Stored] != 5 {
		t.Fatalf("file to the rotated key: %+v, %v", res, err)
	}
	plain := writeCarried(t, nil, carrySection{header("dev-1"), k1, e.frame(e.interviews(4, 4))})
	if res, err := e.srv.ImportFileOptions(ctx, plain, intake.ImportOptions{Plaintext: true}); err != nil || res.Counts[wire.Stored] != 4 {
		t.Fatalf("plaintext file with Plaintext: %+v, %v", res, err)
	}
	legacy := writeTemp(t, append([]byte("SIRABATC\x00\x02\x00\x00\x00\x00\x00\x00"), e.frame(e.interviews(3, 5))...))
	if res, err := e.srv.ImportFileOptions(ctx, legacy, intake.ImportOptions{Legacy: true}); err != nil || res.Counts[wire.Stored] != 3 {
		t.Fatalf("legacy file with Legacy: %+v, %v", res, err)
	}
	d, err := e.store.Device(ctx, "dev-1")
	if err != nil || d.LastSeen.Before(time.Now().Add(-time.Minute)) {
		t.Errorf("dev-1 after imports: %+v, %v", d, err)
	}
}

// TestImportOfflineEnrolment: a laptop enrolled with a file from `sira
// intake enrol` presents the enrolment with its key in its first carried
// file; the import registers the device for the file's enumerators. The
// same enrolment presented by another device, or with a wrong code, is
// refused.
func TestImportOfflineEnrolment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, intake.Config{})
	b, err := intake.OfflineEnrolment(ctx, e.store, []string{"awa", "Bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	line, body, _ := bytes.Cut(b, []byte("\n"))
	if string(line) != wire.EnrolmentFileMagic {
		t.Fatalf("first line %q", line)
	}
	var f wire.EnrolmentFile
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	k, _ := intake.CurrentOfficeKey(ctx, e.store, time.Now())
	if f.Recipient != k.Recipient || f.Fingerprint != intake.Fingerprint(k.Recipient) || len(f.Code) != 32 || len(f.Enumerators) != 2 {
		t.Fatalf("enrolment file: %+v", f)
	}
	office := officeRecipient(t, e.store)
	_, key, _ := ed25519.GenerateKey(nil)
	present := func(device string, key ed25519.PrivateKey, code []byte) carry.Header {
		h := header(device)
		h.Key = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
		h.Enrolment, h.Code = f.Enrolment, base64.StdEncoding.EncodeToString(code)
		return h
	}
	ivs := append(e.interviews(3, 1), byEnumerator(wiretest.Interviews(e.form, 2, 2, "bob", "x"), "bob")...)
	wrong := bytes.Clone(f.Code)
	wrong[0] ^= 1
	if _, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{present("lap-1", key, wrong), key, e.frame(ivs)})); err == nil || !strings.Contains(err.Error(), "wrong code") {
		t.Fatalf("wrong code: %v", err)
	}
	res, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{present("lap-1", key, f.Code), key, e.frame(ivs)}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[wire.Stored] != 5 || !res.Sections[0].Enrolled {
		t.Errorf("first file: %+v", res)
	}
	d, err := e.store.Device(ctx, "lap-1")
	if err != nil || !bytes.Equal(d.Key, key.Public().(ed25519.PublicKey)) || !d.Enrolled("awa") || !d.Enrolled("bob") {
		t.Fatalf("lap-1: %+v, %v", d, err)
	}
	// Later files of lap-1 need no enrolment.
	if res, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{header("lap-1"), key, e.frame(e.interviews(2, 9))})); err != nil || res.Counts[wire.Stored] != 2 {
		t.Fatalf("second file: %+v, %v", res, err)
	}
	_, key2, _ := ed25519.GenerateKey(nil)
	if _, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{present("lap-2", key2, f.Code), key2, e.frame(e.interviews(2, 7))})); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("the enrolment presented by another device: %v", err)
	}
	if _, err := e.store.Device(ctx, "lap-2"); err == nil {
		t.Error("lap-2 was registered")
	}
	// Revoked, lap-1 cannot enrol again with the enrolment it used.
	if ok, err := e.store.RevokeDevice(ctx, "lap-1", time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	_, key3, _ := ed25519.GenerateKey(nil)
	if _, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{present("lap-1", key3, f.Code), key3, e.frame(e.interviews(2, 8))})); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("a revoked device presenting its used enrolment: %v", err)
	}
	if _, err := e.srv.ImportFile(ctx, writeCarried(t, []age.Recipient{office}, carrySection{header("lap-1"), key, e.frame(e.interviews(2, 8))})); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a file of a revoked device: %v", err)
	}
}

// TestEnrolEndpoint: POST /api/v2/enrol registers the device key for the
// token's enumerator, keeps the recovery copies of enrolled enumerators,
// answers the office's recipient, and refuses another key for a device
// until the office revokes it.
func TestEnrolEndpoint(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, intake.Config{})
	_, k1, _ := ed25519.GenerateKey(nil)
	_, k2, _ := ed25519.GenerateKey(nil)
	office, _ := intake.CurrentOfficeKey(ctx, e.store, time.Now())
	var copyBuf bytes.Buffer
	r, _ := age.ParseX25519Recipient(office.Recipient)
	w, _ := age.Encrypt(&copyBuf, r)
	w.Write(bytes.Repeat([]byte{7}, 32))
	w.Close()
	req := wire.EnrolRequest{DeviceID: "lap-1", DeviceKey: k1.Public().(ed25519.PublicKey), Recovery: []wire.RecoveryKey{
		{Enumerator: "AWA", Key: copyBuf.Bytes()}, {Enumerator: "bob", Key: copyBuf.Bytes()}}}
	var reply wire.EnrolReply
	if resp := e.postJSON(wire.PathEnrol, req, &reply); resp.status != 200 {
		t.Fatalf("enrol: %d %s", resp.status, resp.body)
	}
	if reply.Recipient != office.Recipient || reply.Fingerprint != intake.Fingerprint(office.Recipient) || reply.Office == "" ||
		len(reply.Enumerators) != 1 || reply.Enumerators[0].ID != "awa" {
		t.Errorf("reply: %+v", reply)
	}
	d, err := e.store.Device(ctx, "lap-1")
	if err != nil || !d.Enrolled("awa") || d.Enrolled("bob") {
		t.Fatalf("device: %+v, %v", d, err)
	}
	if cs, _ := e.store.Recovery(ctx, "awa"); len(cs) != 1 || !bytes.Equal(cs[0].Copy, copyBuf.Bytes()) || cs[0].Device != "lap-1" {
		t.Errorf("awa's recovery copies: %+v", cs)
	}
	if cs, _ := e.store.Recovery(ctx, "bob"); len(cs) != 0 {
		t.Errorf("bob (not enrolled on lap-1) got a recovery copy through awa's token")
	}
	if resp := e.postJSON(wire.PathEnrol, req, nil); resp.status != 200 {
		t.Errorf("enrolling again: %d %s", resp.status, resp.body)
	}
	req2 := wire.EnrolRequest{DeviceID: "lap-1", DeviceKey: k2.Public().(ed25519.PublicKey)}
	if resp := e.postJSON(wire.PathEnrol, req2, nil); resp.status != 409 || resp.errCode() != wire.CodeConflict {
		t.Errorf("another key for lap-1: %d %s, want 409 conflict", resp.status, resp.body)
	}
	for _, bad := range []wire.EnrolRequest{
		{DeviceID: "", DeviceKey: k1.Public().(ed25519.PublicKey)},
		{DeviceID: "lap-2", DeviceKey: []byte("short")},
		{DeviceID: "lap-2", DeviceKey: k1.Public().(ed25519.PublicKey), Recovery: []wire.RecoveryKey{{Enumerator: "awa", Key: []byte("not age")}}},
	} {
		if resp := e.postJSON(wire.PathEnrol, bad, nil); resp.status != 400 {
			t.Errorf("%+v: %d %s, want 400", bad, resp.status, resp.body)
		}
	}
	if ok, err := e.store.RevokeDevice(ctx, "lap-1", time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if resp := e.postJSON(wire.PathEnrol, req2, nil); resp.status != 200 {
		t.Errorf("new key after revocation: %d %s", resp.status, resp.body)
	}
	// Downstream answers carry the office's current recipient, and a
	// rotation shows at the next one.
	var ds wire.Downstream
	if resp := e.postJSON(wire.PathDownstream, wire.DownstreamRequest{}, &ds); resp.status != 200 || ds.Recipient != office.Recipient {
		t.Fatalf("downstream: %d %s", resp.status, resp.body)
	}
	k, _ := intake.RotateOfficeKey(ctx, e.store, time.Now())
	if resp := e.postJSON(wire.PathDownstream, wire.DownstreamRequest{}, &ds); resp.status != 200 || ds.Recipient != k.Recipient {
		t.Fatalf("downstream after rotation: recipient %s, want %s", ds.Recipient, k.Recipient)
	}
}
