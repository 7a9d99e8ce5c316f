package main

import "context"

// runForm is the "form" subcommand. (Placeholder until its issue lands.)
func runForm(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("form: not built yet")
}
