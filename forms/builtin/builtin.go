package builtin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"sira/forms"
)

// Form ids of the built-in forms.
const (
	ReturneeID  = "returnee"   // the returnee survey (returnee.md)
	FlowCountID = "flow_count" // the daily flow count per post (flow_count.md)
)

// FileName is the name of the embedded returnee survey source. Its
// extension tells the forms reader the layout (pyxform's markdown tables).
const FileName = "returnee.md"

// FlowCountFileName is the name of the embedded daily flow count source.
const FlowCountFileName = "flow_count.md"

// FrozenVersion is the returnee version the benchmarks and the wire
// dictionary measurements keep using (versions/returnee-2026112801.md), so
// that their figures stay comparable across form revisions.
const FrozenVersion = "2026112801"

//go:embed returnee.md flow_count.md versions/*.md
var files embed.FS

// ErrUnknown is returned by Lookup and Version for a form id or version that
// is not built in.
var ErrUnknown = errors.New("not a built-in form")

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return b
}

// Source returns the bytes of returnee.md, the built-in survey as authored.
// The slice is a fresh copy: callers may keep or modify it.
func Source() []byte { return mustRead(FileName) }

// Workbook reads the embedded returnee source into a workbook, as
// forms.ReadFile would read returnee.md from disk.
func Workbook(ctx context.Context) (*forms.Workbook, error) {
	return workbook(ctx, FileName)
}

func workbook(ctx context.Context, name string) (*forms.Workbook, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("built-in form %s: %w", name, err)
	}
	// An earlier version reads under the name it had when current, so its
	// compiled form (and hash) is the one its interviews carry.
	base := name[strings.LastIndex(name, "/")+1:]
	if strings.HasPrefix(name, "versions/") {
		base = FileName
	}
	wb, err := forms.Read(ctx, bytes.NewReader(b), base, forms.FormatMarkdown)
	if err != nil {
		return nil, fmt.Errorf("built-in form %s: %w", name, err)
	}
	return wb, nil
}

func compile(ctx context.Context, name string) (*forms.Form, error) {
	wb, err := workbook(ctx, name)
	if err != nil {
		return nil, err
	}
	f, err := forms.Compile(ctx, wb, forms.CompileOptions{})
	if err != nil {
		return nil, fmt.Errorf("built-in form %s: %w", name, err)
	}
	return f, nil
}

// Form reads and compiles the built-in returnee survey at its current
// version. Each call compiles afresh (a few milliseconds) and returns a Form
// the caller owns; callers that need it repeatedly should keep it. An error
// here is a defect of the embedded form, which the package's tests rule out.
func Form(ctx context.Context) (*forms.Form, error) { return compile(ctx, FileName) }

// FlowCount compiles the built-in daily flow count form.
func FlowCount(ctx context.Context) (*forms.Form, error) { return compile(ctx, FlowCountFileName) }

// All compiles every built-in form at its current version: the returnee
// survey, then the flow count. An intake server knows these without
// publishing them.
func All(ctx context.Context) ([]*forms.Form, error) {
	r, err := Form(ctx)
	if err != nil {
		return nil, err
	}
	fc, err := FlowCount(ctx)
	if err != nil {
		return nil, err
	}
	return []*forms.Form{r, fc}, nil
}

// Lookup compiles the built-in form with id (ReturneeID or FlowCountID) at
// its current version; other ids fail with ErrUnknown.
func Lookup(ctx context.Context, id string) (*forms.Form, error) {
	switch id {
	case ReturneeID:
		return Form(ctx)
	case FlowCountID:
		return FlowCount(ctx)
	}
	return nil, fmt.Errorf("form %q: %w (built-in: %s, %s)", id, ErrUnknown, ReturneeID, FlowCountID)
}

// Versions lists the earlier returnee versions kept in versions/, oldest
// first. Interviews collected with them still load, sync and export.
func Versions() []string {
	ents, _ := files.ReadDir("versions")
	var out []string
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".md")
		if v, ok := strings.CutPrefix(name, ReturneeID+"-"); ok {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Version compiles an earlier returnee version kept in versions/ (see
// Versions), or the current one; another version fails with ErrUnknown.
func Version(ctx context.Context, version string) (*forms.Form, error) {
	name := "versions/" + ReturneeID + "-" + version + ".md"
	if _, err := files.Open(name); err != nil {
		f, err := Form(ctx)
		if err == nil && f.Version == version {
			return f, nil
		}
		return nil, fmt.Errorf("returnee version %q: %w", version, ErrUnknown)
	}
	return compile(ctx, name)
}

// Frozen compiles the returnee version FrozenVersion, the benchmarks' fixture.
func Frozen(ctx context.Context) (*forms.Form, error) { return Version(ctx, FrozenVersion) }
