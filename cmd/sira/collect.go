package main

import "context"

// runCollect is the "collect" subcommand. (Placeholder until its issue lands.)
func runCollect(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("collect: not built yet")
}
