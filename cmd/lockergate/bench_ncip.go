package main

import "context"

// benchNCIP is not written yet; its owner replaces this file.
func benchNCIP(ctx context.Context, e *env, args []string) error {
	return errNotYet
}
