package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"sira/survey/sqlite"
	"sira/survey/vault"
	"sira/sync/client"
	"sira/sync/wire"
)

func enrolmentFile(t testing.TB, office, recipient string, enumerators ...string) []byte {
	f := wire.EnrolmentFile{EnrolReply: wire.EnrolReply{Office: office, Recipient: recipient, Fingerprint: wire.Fingerprint(recipient)},
		Enrolment: "enr_1", Code: make([]byte, 32)}
	for _, e := range enumerators {
		f.Enumerators = append(f.Enumerators, wire.Enumerator{ID: e, Name: e, Role: "enumerator"})
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(wire.EnrolmentFileMagic+"\n"), b...)
}

func TestEnrolFromFile(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{KDF: vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, _ := age.GenerateX25519Identity()
	r := id.Recipient().String()
	if e, err := client.LoadEnrolment(ctx, st); e != nil || err != nil {
		t.Fatalf("a new laptop: %+v, %v", e, err)
	}
	for _, bad := range []string{
		"", "SIRA-ENROL 2\n{}", "SIRA-ENROL 1\n{", "SIRA-ENROL 1\n{\"office\":\"x\"}",
		strings.Replace(string(enrolmentFile(t, "off", r, "awa")), r, "age1nope", 2),
		strings.Replace(string(enrolmentFile(t, "off", r, "awa")), `"enrolment"`, `"surprise":1,"enrolment"`, 1),
	} {
		if _, err := client.EnrolFromFile(ctx, st, []byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	e, err := client.EnrolFromFile(ctx, st, enrolmentFile(t, "off", r, "awa", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Office != "off" || e.Recipient != r || e.Fingerprint != wire.Fingerprint(r) || len(e.Enumerators) != 2 || e.Pending == nil || e.Pending.ID != "enr_1" {
		t.Errorf("enrolment: %+v", e)
	}
	k1, err := client.SigningKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := client.SigningKey(ctx, st)
	if !k1.Equal(k2) {
		t.Error("the signing key changed between two reads")
	}
	// A second office's file is refused: a laptop belongs to one office.
	if _, err := client.EnrolFromFile(ctx, st, enrolmentFile(t, "other", r, "eve")); !errors.Is(err, client.ErrOtherOffice) {
		t.Errorf("another office's file: %v", err)
	}
	if e, _ := client.LoadEnrolment(ctx, st); e.Office != "off" || len(e.Enumerators) != 2 {
		t.Errorf("after the refused file: %+v", e)
	}
}

func FuzzParseEnrolmentFile(f *testing.F) {
	id, _ := age.GenerateX25519Identity()
	f.Add(enrolmentFile(f, "off", id.Recipient().String(), "awa"))
	f.Add([]byte("SIRA-ENROL 1\n{\"enumerators\":[{\"id\":\"\"}]}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ef, err := client.ParseEnrolmentFile(b)
		if err == nil && (len(ef.Code) != 32 || len(ef.Enumerators) == 0) {
			t.Fatalf("accepted %+v", ef)
		}
	})
}
