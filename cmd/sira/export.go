package main

import "context"

// runExport is the "export" subcommand. (Placeholder until its issue lands.)
func runExport(ctx context.Context, env *Env, args []string) error {
	return usageErrorf("export: not built yet")
}
