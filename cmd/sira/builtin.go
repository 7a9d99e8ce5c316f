package main

import (
	"context"
	"os"
	"strings"

	"sira/forms"
	"sira/forms/builtin"
)

// builtinByID returns the built-in form (current version) that arg names by
// id, "returnee" or "flow_count", when no file of that name exists; ok is
// false otherwise, and arg is then a file path for the caller to read.
func builtinByID(ctx context.Context, arg string) (f *forms.Form, ok bool, err error) {
	if arg != builtin.ReturneeID && arg != builtin.FlowCountID || strings.ContainsAny(arg, `./\`) {
		return nil, false, nil
	}
	if _, err := os.Stat(arg); err == nil {
		return nil, false, nil
	}
	f, err = builtin.Lookup(ctx, arg)
	return f, true, err
}
