package builtin

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"sira/forms"
)

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

// Workbook reads the embedded source into a workbook, as forms.ReadFile
// would read returnee.md from disk.
func Workbook(ctx context.Context) (*forms.Workbook, error) {
	wb, err := forms.Read(ctx, bytes.NewReader(source), FileName, forms.FormatMarkdown)
	if err != nil {
		return nil, fmt.Errorf("built-in form: %w", err)
	}
	return wb, nil
}

// Form reads and compiles the built-in survey. Each call compiles afresh
// (a few milliseconds) and returns a Form the caller owns; callers that need
// it repeatedly should keep it. An error here is a defect of the embedded
// form, which the package's tests rule out.
func Form(ctx context.Context) (*forms.Form, error) {
	wb, err := Workbook(ctx)
	if err != nil {
		return nil, err
	}
	f, err := forms.Compile(ctx, wb, forms.CompileOptions{})
	if err != nil {
		return nil, fmt.Errorf("built-in form %s: %w", FileName, err)
	}
	return f, nil
}
