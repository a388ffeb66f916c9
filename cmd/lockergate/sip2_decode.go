package main

import "context"

// sip2Decode is not written yet; its owner replaces this file.
func sip2Decode(ctx context.Context, e *env, args []string) error {
	return errNotYet
}
