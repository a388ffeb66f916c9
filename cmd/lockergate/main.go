// Command lockergate connects library systems (SIP2, NCIP) to smart lockers.
//
// Usage:
//
//	lockergate <command> [subcommand] [flags]
//
// Run "lockergate help" for the list of commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}
