package main

import "context"

// runIntake is the "intake" subcommand. (Placeholder until its issue lands.)
func runIntake(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("intake: not built yet")
}
