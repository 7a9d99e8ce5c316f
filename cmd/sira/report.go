package main

import "context"

// runReport is the "report" subcommand. (Placeholder until its issue lands.)
func runReport(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("report: not built yet")
}
