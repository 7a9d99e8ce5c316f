package builtin

import _ "embed"

// FileName is the name of the embedded form source. Its extension tells the
// forms reader the layout (pyxform's markdown tables).
const FileName = "returnee.md"

//go:embed returnee.md
var source []byte

// Source returns the bytes of returnee.md, the built-in survey as authored.
// The slice is a fresh copy: callers may keep or modify it.
func Source() []byte {
	return append([]byte(nil), source...)
}
