package main

import "context"

// runSimulate is the "simulate" subcommand. (Placeholder until its issue lands.)
func runSimulate(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("simulate: not built yet")
}
