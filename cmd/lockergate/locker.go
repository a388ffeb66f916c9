package main

import "context"

// lockerStatus is not written yet; its owner replaces this file.
func lockerStatus(ctx context.Context, e *env, args []string) error {
	return errNotYet
}

// lockerOpen is not written yet; its owner replaces this file.
func lockerOpen(ctx context.Context, e *env, args []string) error {
	return errNotYet
}
