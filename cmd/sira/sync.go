package main

import "context"

// runSync is the "sync" subcommand. (Placeholder until its issue lands.)
func runSync(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("sync: not built yet")
}
