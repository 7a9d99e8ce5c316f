package main

import "context"

// runStatus is the "status" subcommand. (Placeholder until its issue lands.)
func runStatus(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("status: not built yet")
}
