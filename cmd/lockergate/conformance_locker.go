package main

import "context"

// SCAFFOLDING: replaced by the command's real implementation.
func conformanceLocker(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}
