package sip2_test

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

type vector struct {
	line             int
	source, dir, raw string
	verdict          string // "yes", "no ...", "n/a ..."
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	f, err := os.Open("testdata/vectors.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if n == 1 {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			tb.Fatalf("vectors.tsv:%d: %d columns", n, len(cols))
		}
		out = append(out, vector{n, cols[0], cols[1], cols[2], cols[3]})
	}
	if len(out) != 196 {
		tb.Fatalf("read %d vectors, want 196", len(out))
	}
	return out
}

func wantVerdict(v vector) sip2.ChecksumVerdict {
	switch {
	case strings.HasPrefix(v.verdict, "yes"):
		return sip2.ChecksumValid
	case strings.HasPrefix(v.verdict, "no"):
		return sip2.ChecksumInvalid
	}
	return sip2.ChecksumAbsent
}

// TestVectors checks every public vector: it decodes, its checksum
// verdict matches the file, and both round trips (frame and typed) give
// back the same bytes.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		f, err := sip2.ParseFrame([]byte(v.raw), nil)
		if err != nil {
			t.Errorf("line %d: ParseFrame(%q): %v", v.line, v.raw, err)
			continue
		}
		if got, want := f.Verdict, wantVerdict(v); got != want {
			t.Errorf("line %d: %q checksum verdict %v, want %v (%s)", v.line, v.raw, got, want, v.verdict)
		}
		opts := &sip2.Options{ErrorDetection: f.Checksum != "", PreserveChecksum: true}
		out, err := sip2.AppendFrame(nil, f, opts)
		if err != nil {
			t.Errorf("line %d: AppendFrame: %v", v.line, err)
		} else if got := string(out); got != v.raw+"\r" {
			t.Errorf("line %d: frame round trip\n got %q\nwant %q", v.line, got, v.raw+"\r")
		}
		m, err := f.Message(nil)
		if m == nil {
			t.Errorf("line %d: Message(%q): %v", v.line, v.raw, err)
			continue
		}
		if err != nil {
			var de *sip2.DecodeError
			if !errors.As(err, &de) {
				t.Errorf("line %d: Message error %v is not a *DecodeError", v.line, err)
			}
			t.Logf("line %d: lenient decode: %v", v.line, err)
		}
		out, err = sip2.AppendMessage(nil, m, f.Seq, opts)
		if err != nil {
			t.Errorf("line %d: AppendMessage: %v", v.line, err)
		} else if got := string(out); got != v.raw+"\r" {
			t.Errorf("line %d: typed round trip\n got %q\nwant %q", v.line, got, v.raw+"\r")
		}
	}
}
