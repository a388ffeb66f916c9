package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// ncipSend posts an NCIP message from a file (or stdin, "-") and
// pretty-prints the answer. The message is read leniently and re-encoded
// in strict form unless --raw is given. A Problem in the answer is spelled
// out and exits 1, as does a transport error.
func ncipSend(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ncip send", "--url URL [--token T | --token-env VAR] [--basic user:pass] [--timeout D] [--raw] FILE")
	u := fs.String("url", "", "responder URL (required)")
	token := fs.String("token", "", "API token, sent as \"Authorization: Bearer\" (or in --token-header)")
	tokenEnv := fs.String("token-env", "", "read the token from this environment variable (keeps it out of ps and history)")
	tokenHeader := fs.String("token-header", "", "header for the token, e.g. X-Okapi-Token (default Authorization: Bearer)")
	basic := fs.String("basic", "", "HTTP basic authentication, user:password")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for the exchange")
	raw := fs.Bool("raw", false, "send the file's bytes as they are, without re-encoding")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *u == "" {
		return usagef("--url is required")
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one FILE (or - for stdin), got %d arguments", fs.NArg())
	}
	if *token != "" && *tokenEnv != "" {
		return usagef("give --token or --token-env, not both")
	}
	if *tokenEnv != "" {
		*token = os.Getenv(*tokenEnv)
		if *token == "" {
			return usagef("environment variable %s is empty", *tokenEnv)
		}
	}
	opts := ncipclient.Options{Token: *token, TokenHeader: *tokenHeader, Timeout: *timeout, Retries: -1}
	if *basic != "" {
		user, pass, ok := strings.Cut(*basic, ":")
		if !ok || user == "" {
			return usagef("--basic wants user:password")
		}
		opts.BasicUser, opts.BasicPassword = user, pass
	}
	var data []byte
	var err error
	if name := fs.Arg(0); name == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	c := ncipclient.New(*u, opts)
	var out *ncip.Message
	if *raw {
		out, err = c.SendRaw(ctx, data, false)
	} else {
		m, uerr := ncip.Unmarshal(data)
		if uerr != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), uerr)
		}
		out, err = c.Send(ctx, m, false)
	}
	var p *ncip.Problem
	if err != nil && !errors.As(err, &p) {
		return err
	}
	pretty, merr := (&ncip.EncodeOptions{Indent: "  "}).Marshal(out)
	if merr != nil {
		return merr
	}
	e.stdout.Write(pretty)
	if p != nil {
		fmt.Fprintf(e.stdout, "\nProblem: %s\n", p.Type.Value)
		if p.Type.Scheme != "" {
			fmt.Fprintf(e.stdout, "  scheme:  %s\n", p.Type.Scheme)
		}
		if p.Detail != "" {
			fmt.Fprintf(e.stdout, "  detail:  %s\n", p.Detail)
		}
		if p.Element != "" {
			fmt.Fprintf(e.stdout, "  element: %s\n", p.Element)
		}
		if p.Value != "" {
			fmt.Fprintf(e.stdout, "  value:   %s\n", p.Value)
		}
		return errSilent
	}
	return nil
}
