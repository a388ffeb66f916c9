package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// env carries the process's standard streams, so that commands can be run
// in-process by tests with buffers in place of the terminal.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// A command is one leaf of the command tree ("sip2 decode", "bench ncip").
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// usageError marks an error in how the command was called; it exits with
// status 2 instead of 1.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// secretFlag reads a value given either on the command line or through an
// environment variable named by envFlag. Errors name the flags, never the
// value.
func secretFlag(flag, value, envFlag, envName string) (string, error) {
	if value != "" && envName != "" {
		return "", usagef("give %s or %s, not both", flag, envFlag)
	}
	if envName == "" {
		return value, nil
	}
	v, ok := os.LookupEnv(envName)
	if !ok {
		return "", usagef("%s: environment variable %s is not set", envFlag, envName)
	}
	return v, nil
}

// errSilent reports failure through the exit status only; the command has
// already said why on its own output (for example, a validator listing
// invalid files).
var errSilent = errors.New("failed")

// groups is the command tree: a group name, then its subcommands. Each
// subcommand lives in a file named after it (sip2_decode.go, bench_ncip.go).
var groups = map[string]map[string]command{
	"sip2": {
		"decode": {"decode raw SIP2 messages, one a line, from arguments or stdin", sip2Decode},
		"ping":   {"log in to a SIP2 server, send SC status, print the ACS status and round-trip time", sip2Ping},
	},
	"ncip": {
		"validate": {"validate NCIP messages against the NCIP 2.02 schema", ncipValidate},
		"send":     {"post an NCIP message and pretty-print the response", ncipSend},
	},
	"locker": {
		"status": {"print the state of every compartment of a locker bank", lockerStatus},
		"open":   {"open one compartment and report what the hardware confirmed", lockerOpen},
	},
	"bench": {
		"sip2": {"load-test a SIP2 server", benchSIP2},
		"ncip": {"load-test an NCIP responder", benchNCIP},
	},
	"conformance": {
		"sip2-server": {"grade an ILS's SIP2 server (ACS) against the SIP2 2.00 specification", conformanceSIP2Server},
		"sip2-client": {"act as a SIP2 server and grade the self-check or kiosk that connects", conformanceSIP2Client},
		"ncip":        {"grade an NCIP 2.02 responder", conformanceNCIP},
		"locker":      {"run the driver contract suite against a locker controller", conformanceLocker},
	},
}

// leaves are the commands without subcommands ("serve", "demo"). Each lives
// in a file named after it.
var leaves = map[string]command{
	"serve":   {"run the gateway (with no configuration: SQLite in ./data, a simulated ILS and locker bank)", serve},
	"demo":    {"run a scripted day of locker pickups, returns and loans against simulators, and check the counts", demo},
	"migrate": {"apply the database migrations", migrate},
	"ils-sim": {"run the simulated ILS (SIP2 and NCIP) on its own", ilsSim},
}

// run executes the command named by args and returns the process exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if leaf, ok := leaves[args[0]]; ok {
		return exitStatus(e, args[0], leaf.run(ctx, e, args[1:]))
	}
	group, ok := groups[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "lockergate: unknown command %q; run \"lockergate help\"\n", args[0])
		return 2
	}
	if len(args) < 2 {
		fmt.Fprintf(e.stderr, "lockergate %s: missing subcommand; one of: %s\n", args[0], strings.Join(names(group), ", "))
		return 2
	}
	cmd, ok := group[args[1]]
	if !ok {
		fmt.Fprintf(e.stderr, "lockergate %s: unknown subcommand %q; one of: %s\n", args[0], args[1], strings.Join(names(group), ", "))
		return 2
	}
	return exitStatus(e, args[0]+" "+args[1], cmd.run(ctx, e, args[2:]))
}

// exitStatus reports a command's error and turns it into an exit status:
// 0 success, 2 usage, 1 anything else.
func exitStatus(e *env, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "lockergate %s: %v\n", name, err)
		return 2
	case errors.Is(err, errSilent):
		return 1
	default:
		fmt.Fprintf(e.stderr, "lockergate %s: %v\n", name, err)
		return 1
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting, and
// prints its usage to e.stderr.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("lockergate "+name, flag.ContinueOnError)
	// The flag package's own error line is dropped: the command reports
	// the error once, named, after the usage (see exitStatus).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: lockergate %s %s\n", name, usage)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args into fs and turns a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	return nil
}

// parseOnlyFlags is parseFlags for commands that take no arguments besides
// their flags: a stray argument (often a flag value without its flag) is a
// usage error rather than silently ignored.
func parseOnlyFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func names(group map[string]command) []string {
	var out []string
	for n := range group {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "lockergate connects library systems (SIP2, NCIP) to smart lockers.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	type line struct{ name, summary string }
	var lines []line
	var ls []string
	for l := range leaves {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	for _, l := range ls {
		lines = append(lines, line{l, leaves[l].summary})
	}
	var gs []string
	for g := range groups {
		gs = append(gs, g)
	}
	sort.Strings(gs)
	for _, g := range gs {
		for _, n := range names(groups[g]) {
			lines = append(lines, line{g + " " + n, groups[g][n].summary})
		}
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l.name))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l.name, l.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run \"lockergate COMMAND SUBCOMMAND -h\" for a command's flags.")
}
