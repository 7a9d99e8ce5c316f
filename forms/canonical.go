package forms

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors returned by Load; test with errors.Is.
var (
	ErrSchema = errors.New("unknown compiled-form schema version")
	ErrHash   = errors.New("compiled form hash mismatch")
)

// MarshalCanonical returns the canonical JSON of f: struct fields in
// declaration order, map keys sorted, no insignificant whitespace, HTML
// characters not escaped, ending in a newline. It sets f.Hash to
// "sha256:<hex>" of the same JSON with an empty hash, and returns the JSON
// carrying that hash.
func (f *Form) MarshalCanonical() ([]byte, error) {
	cp := *f
	cp.Hash = ""
	body, err := canonicalJSON(&cp)
	if err != nil {
		return nil, fmt.Errorf("marshal form %s: %w", f.ID, err)
	}
	sum := sha256.Sum256(body)
	cp.Hash = "sha256:" + hex.EncodeToString(sum[:])
	out, err := canonicalJSON(&cp)
	if err != nil {
		return nil, fmt.Errorf("marshal form %s: %w", f.ID, err)
	}
	f.Hash = cp.Hash
	return out, nil
}

func canonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Load decodes a compiled form, checks its schema version (ErrSchema) and
// hash (ErrHash), and prepares it (Problems if its expressions do not
// resolve).
func Load(data []byte) (*Form, error) {
	var f Form
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("load form: %w", err)
	}
	if f.Schema != SchemaVersion {
		return nil, fmt.Errorf("load form: %w: %d (this program reads %d)", ErrSchema, f.Schema, SchemaVersion)
	}
	if f.Root == nil {
		return nil, fmt.Errorf("load form: no root")
	}
	want := f.Hash
	if _, err := f.MarshalCanonical(); err != nil {
		return nil, fmt.Errorf("load form: %w", err)
	}
	if f.Hash != want {
		return nil, fmt.Errorf("load form %s: %w: file says %s, content is %s", f.ID, ErrHash, want, f.Hash)
	}
	if err := f.Prepare(); err != nil {
		return nil, fmt.Errorf("load form %s: %w", f.ID, err)
	}
	return &f, nil
}
