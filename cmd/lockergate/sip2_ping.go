package main

import "context"

// sip2Ping is not written yet; its owner replaces this file.
func sip2Ping(ctx context.Context, e *env, args []string) error {
	return errNotYet
}
