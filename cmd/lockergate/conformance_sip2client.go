package main

import "context"

// SCAFFOLDING: replaced by the command's real implementation.
func conformanceSIP2Client(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}
