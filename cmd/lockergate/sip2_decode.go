package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/lockergate/lockergate/sip2"
)

// sip2Decode prints raw SIP2 messages, one a line from the arguments or
// stdin, field by field, with PINs and passwords masked. Staff paste log
// lines, so surrounding whitespace and a trailing CR are ignored.
func sip2Decode(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sip2 decode", "[--json] [--charset utf-8|cp850|iso-8859-1|ascii] [MESSAGE...]")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	charset := fs.String("charset", "utf-8", "character set of the messages: utf-8, cp850, iso-8859-1 or ascii")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cs, err := sip2.ParseCharset(*charset)
	if err != nil {
		return usagef("%v", err)
	}
	opts := &sip2.Options{Charset: cs}

	failed := 0
	handle := func(where string, line string) {
		line = trimLogLine(line)
		if line == "" {
			return
		}
		d := decodeLine(line, opts)
		d.Where = where
		if cs == sip2.CharsetUTF8 && !utf8.ValidString(line) {
			d.Notes = append(d.Notes, "not valid UTF-8: if accented letters look wrong, try --charset cp850 or --charset iso-8859-1")
		}
		if d.Error != "" {
			failed++
			fmt.Fprintf(e.stderr, "lockergate sip2 decode: %s: %s\n", where, d.Error)
		}
		if *asJSON {
			b, _ := json.Marshal(d)
			fmt.Fprintf(e.stdout, "%s\n", b)
		} else {
			printDecoded(e.stdout, d)
		}
	}
	if fs.NArg() > 0 {
		for i, a := range fs.Args() {
			if err := ctx.Err(); err != nil {
				return err
			}
			handle(fmt.Sprintf("argument %d", i+1), a)
		}
	} else {
		sc := bufio.NewScanner(e.stdin)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			if err := ctx.Err(); err != nil {
				return err
			}
			n++
			handle(fmt.Sprintf("line %d", n), sc.Text())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading stdin after line %d: %w", n, err)
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

// trimLogLine drops what a log or a paste adds around a message: leading
// blanks, the terminator and trailing blanks. Blanks that belong to the
// fixed part stay: a message without variable fields can end in spaces
// (a 63 whose summary is all blank), and cutting them would make it look
// truncated.
func trimLogLine(line string) string {
	line = strings.TrimLeft(line, " \t")
	t := strings.TrimRight(line, " \t\r\n")
	if len(t) < 2 {
		return t
	}
	n, ok := sip2.Command(t[:2]).FixedLen()
	for ok && len(t) < 2+n && len(t) < len(line) && line[len(t)] == ' ' {
		t = line[:len(t)+1]
	}
	return t
}

type decodedField struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type decodedChecksum struct {
	Value    string `json:"value,omitempty"`
	Verdict  string `json:"verdict"`
	Expected string `json:"expected,omitempty"`
}

type decoded struct {
	Where    string           `json:"where"`
	Code     string           `json:"code,omitempty"`
	Name     string           `json:"name,omitempty"`
	Fixed    []decodedField   `json:"fixed,omitempty"`
	Fields   []decodedField   `json:"fields,omitempty"`
	Sequence *int             `json:"sequence,omitempty"`
	Checksum *decodedChecksum `json:"checksum,omitempty"`
	Notes    []string         `json:"notes,omitempty"`
	Error    string           `json:"error,omitempty"`
}

func decodeLine(line string, opts *sip2.Options) decoded {
	var d decoded
	f, err := sip2.ParseFrame([]byte(line), opts)
	if f == nil {
		d.Error = "not a SIP2 message: " + err.Error()
		return d
	}
	d.Code = string(f.Command)
	d.Name = f.Command.String()
	if err != nil {
		d.Error = "not a SIP2 message: " + err.Error()
	} else if _, merr := f.Message(opts); merr != nil {
		if errors.Is(merr, sip2.ErrShortFixed) {
			d.Error = "not a SIP2 message: " + merr.Error()
		} else {
			d.Notes = append(d.Notes, merr.Error())
		}
	}
	for _, ff := range f.FixedFields() {
		d.Fixed = append(d.Fixed, decodedField{Name: ff.Name, Value: ff.Value})
	}
	for _, fl := range f.Fields {
		v := fl.Value
		if sip2.IsSecretField(fl.ID) && v != "" {
			v = sip2.MaskedValue
		}
		name := sip2.FieldName(fl.ID)
		if name == "" {
			name = "unknown/vendor field"
		}
		d.Fields = append(d.Fields, decodedField{ID: fl.ID, Name: name, Value: v})
	}
	if f.Seq >= 0 {
		seq := f.Seq
		d.Sequence = &seq
	}
	c := &decodedChecksum{Value: f.Checksum, Verdict: f.Verdict.String()}
	if f.Verdict == sip2.ChecksumInvalid {
		c.Expected = f.ExpectedChecksum()
	}
	d.Checksum = c
	return d
}

func printDecoded(w io.Writer, d decoded) {
	if d.Code == "" {
		fmt.Fprintf(w, "%s: error: %s\n\n", d.Where, d.Error)
		return
	}
	fmt.Fprintf(w, "%s: %s %s\n", d.Where, d.Code, d.Name)
	for _, f := range d.Fixed {
		fmt.Fprintf(w, "  %-24s %q\n", f.Name, f.Value)
	}
	for _, f := range d.Fields {
		fmt.Fprintf(w, "  %s %-21s %q\n", f.ID, f.Name, f.Value)
	}
	if d.Sequence != nil {
		fmt.Fprintf(w, "  AY %-21s %d\n", "sequence number", *d.Sequence)
	}
	switch d.Checksum.Verdict {
	case "absent":
		fmt.Fprintf(w, "  checksum: absent\n")
	case "valid":
		fmt.Fprintf(w, "  checksum: %s valid\n", d.Checksum.Value)
	default:
		fmt.Fprintf(w, "  checksum: %s invalid, expected %s\n", d.Checksum.Value, d.Checksum.Expected)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if d.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", d.Error)
	}
	fmt.Fprintln(w)
}
