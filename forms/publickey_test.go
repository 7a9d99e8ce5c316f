package forms_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
)

func TestPublicKey(t *testing.T) {
	for _, c := range []struct {
		key, warn string
	}{
		{"", ""},
		{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", ""},
		{"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "looks like an ODK RSA key: Sira expects an age recipient"},
		{"age1notakey", "must be an age recipient"},
	} {
		md := "| survey |\n| | type | name | label |\n| | text | a | A |\n| settings |\n| | form_id | public_key |\n| | pk | " + c.key + " |\n"
		path := filepath.Join(t.TempDir(), "pk.md")
		if err := os.WriteFile(path, []byte(md), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := forms.CompileFile(context.Background(), path)
		if err != nil {
			t.Fatalf("%q: %v", c.key, err)
		}
		var got string
		for _, w := range f.Warnings {
			if w.Column == "public_key" {
				got = w.Error()
			}
		}
		if (c.warn == "") != (got == "") || !strings.Contains(got, c.warn) {
			t.Errorf("public_key %q: warning %q, want one saying %q", c.key, got, c.warn)
		}
		if got := forms.PublicKeyError(f.PublicKey); (got == "") != (c.warn == "") {
			t.Errorf("PublicKeyError(%q) = %q", f.PublicKey, got)
		}
	}
}
