package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lockergate/lockergate/ncip/schema"
)

// ncipValidate checks NCIP messages against the embedded NCIP 2.02 schema
// and prints one verdict per file: "FILE: ok" or "FILE: invalid: <first
// error>". It fails (exit 1) when any file is invalid or unreadable, after
// reporting every file, so that scripts get the whole list in one run.
func ncipValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ncip validate", "FILE... (- reads standard input)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no files given; name one or more NCIP message files, or - for standard input")
	}
	s := schema.NCIP()
	failed := false
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		verdict := validateOne(ctx, s, e, name)
		if verdict != "ok" {
			failed = true
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", name, verdict)
	}
	if failed {
		return errSilent
	}
	return nil
}

// validateOne returns "ok", "invalid: ..." or "unreadable: ...".
func validateOne(ctx context.Context, s *schema.Schema, e *env, name string) string {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "unreadable: " + strings.TrimPrefix(err.Error(), "open "+name+": ")
		}
		defer f.Close()
		r = f
	}
	err := s.Validate(&ctxReader{ctx: ctx, r: r})
	var ve *schema.ValidationError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ve):
		return "invalid: " + strings.TrimPrefix(ve.Error(), "schema: ")
	default:
		return "unreadable: " + strings.TrimPrefix(err.Error(), "schema: ")
	}
}

// ctxReader stops a long read (a slow pipe on stdin) once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
