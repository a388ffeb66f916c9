package main

import "context"

// SCAFFOLDING: replaced by the command's real implementation.
func conformanceSIP2Server(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}

func conformanceSIP2Client(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}

func conformanceNCIP(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}

func conformanceLocker(ctx context.Context, e *env, args []string) error {
	return usagef("not built yet")
}
