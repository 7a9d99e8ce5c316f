package wire_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"sira/forms"
	"sira/sync/wire/wiretest"
)

// TestDictionaryFrozen pins the dictionaries derived from two forms. A
// laptop and a server of different Sira versions share a dictionary only
// if both derive the same bytes from the same form, so any change to the
// derivation (dictsim.go, buildDict, the record encoding) must be
// deliberate: it fails here, and needs a note in sync/PROTOCOL.md. The built-in
// form is read from a compiled copy, so a new built-in form or a compiler
// change moves nothing here.
func TestDictionaryFrozen(t *testing.T) {
	// The built-in form as compiled on 2026-12-07, so that neither a new
	// built-in form nor a compiler change moves this test.
	data, err := os.ReadFile("testdata/returnee-2026112801.json")
	if err != nil {
		t.Fatal(err)
	}
	bf, err := forms.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		form     *forms.Form
		formHash string // the form the golden values are for
		id       uint32
		sha      string // sha256 of the dictionary's bytes
	}{
		{"wiretest", wiretest.Form("1"), "sha256:4b88145d51532d4a7bcd524bc3cbcbee4b14f7d58cf8e55928870dc1c46b1f0d",
			0x6d2dbd0f, "6d2dbd0e4ca5a0b6908dcaa3ad93bbc52721be93e963cb838b36fba4d9ec97d2"},
		{"builtin", bf, "sha256:f8b77c324bd6705ef6f56653404c08ac5a9a8e6b761c141d6ce5dc580b1b316d",
			0xd738b4c7, "d738b4c66db19b40e2e192445d859739b494e94d407d61ad66e972e4836f11fb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCodec(t, tc.form)
			sum := sha256.Sum256(c.Dict())
			got := hex.EncodeToString(sum[:])
			t.Logf("form %s: dictionary id %#08x, %d bytes, sha256 %s", tc.form.Hash, c.DictID(), len(c.Dict()), got)
			if tc.form.Hash != tc.formHash {
				t.Fatalf("form hash %s, golden values are for %s: the form changed (update this line if that is intended)", tc.form.Hash, tc.formHash)
			}
			if c.DictID() != tc.id || got != tc.sha {
				t.Errorf("dictionary id %#08x sha256 %s, want %#08x %s: the dictionary derivation changed", c.DictID(), got, tc.id, tc.sha)
			}
			again := mustCodec(t, tc.form)
			if again.DictID() != c.DictID() {
				t.Errorf("two codecs of one form derive dictionaries %#08x and %#08x", c.DictID(), again.DictID())
			}
		})
	}
}
