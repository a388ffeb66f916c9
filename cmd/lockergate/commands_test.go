package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCmd runs the command line in-process and returns its exit status and
// what it wrote.
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestCommandTree(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"no arguments prints help", nil, 2, "Commands:", ""},
		{"help", []string{"help"}, 0, "sip2 decode", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"missing subcommand", []string{"sip2"}, 2, "", "missing subcommand; one of: decode, ping"},
		{"unknown subcommand", []string{"locker", "smash"}, 2, "", `unknown subcommand "smash"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	_, out, _ := runCmd(t, "", "help")
	for g, cmds := range groups {
		for n, c := range cmds {
			if !strings.Contains(out, g+" "+n) || !strings.Contains(out, c.summary) {
				t.Errorf("help lacks %q: %q", g+" "+n, c.summary)
			}
		}
	}
}

// TestFlagOnlyCommandsRefuseStrayArguments: an argument left over after
// the flags is usually a value whose flag was mistyped; ignoring it would
// run the command with a default the user did not choose.
func TestFlagOnlyCommandsRefuseStrayArguments(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "sip2", "--addr", "127.0.0.1:1", "64"},
		{"bench", "ncip", "--url", "http://127.0.0.1:1/", "64"},
		{"sip2", "ping", "--addr", "127.0.0.1:1", "extra"},
		{"locker", "status", "--driver", "sim:", "extra"},
		{"locker", "open", "--driver", "sim:", "--compartment", "1", "extra"},
	} {
		code, _, errOut := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "unexpected argument") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming the stray argument", args, code, errOut)
		}
	}
}
