package sip2_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

// A trailer written straight after the last field, with no "|" before AY:
// taken when its checksum verifies, or when the plain reading would put it
// in the fixed part; otherwise the bytes stay part of the last value.
// Every form re-encodes to the same bytes, at both layers.
func TestBareTrailer(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		fixed   string
		last    sip2.Field // the last variable field, if any
		fields  int
		seq     int
		verdict sip2.ChecksumVerdict
	}{
		{"after the last field", ed("9300CNuser|COpassAY2AZ"), "00", sip2.Field{ID: "CO", Value: "pass"}, 2, 2, sip2.ChecksumValid},
		{"lower-case checksum", lowerSum(ed("9300CNuser|COpassAY3AZ")), "00", sip2.Field{ID: "CO", Value: "pass"}, 2, 3, sip2.ChecksumValid},
		{"after an empty field", ed("9300CNuser|COpass|CPAY4AZ"), "00", sip2.Field{ID: "CP"}, 3, 4, sip2.ChecksumValid},
		{"unknown command", ed("XXabcAY3AZ"), "", sip2.Field{ID: "ab", Value: "c"}, 1, 3, sip2.ChecksumValid},
		{"inside the fixed part, bad checksum", "9900302.0AY1AZ0000", "00302.0", sip2.Field{}, 0, 1, sip2.ChecksumInvalid},
		{"right after the code, bad checksum", "11AY5AZbeef", "", sip2.Field{}, 0, 5, sip2.ChecksumInvalid},
		// Not trailers: a value that happens to end in such text.
		{"after a field, bad checksum", "9300CNuser|COpassAY2AZ0000", "00", sip2.Field{ID: "CO", Value: "passAY2AZ0000"}, 2, -1, sip2.ChecksumAbsent},
		{"two AY digits", ed("9300CNuser|COpassAY12AZ"), "00", sip2.Field{ID: "CO", Value: "passAY12AZ" + sip2.Checksum([]byte("9300CNuser|COpassAY12AZ"))}, 2, -1, sip2.ChecksumAbsent},
		{"three hex digits", ed("9300CNuser|COpassAY2AZ")[:len("9300CNuser|COpassAY2AZ")+3], "00", sip2.Field{ID: "CO", Value: "passAY2AZF8B"}, 2, -1, sip2.ChecksumAbsent},
		{"fixed part cut by | before it", "99003|xAY1AZ0000", "003", sip2.Field{ID: "xA", Value: "Y1AZ0000"}, 1, -1, sip2.ChecksumAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := sip2.ParseFrame([]byte(tt.in+"\r"), nil)
			if f == nil {
				t.Fatalf("ParseFrame: %v", err)
			}
			if f.Fixed != tt.fixed || len(f.Fields) != tt.fields || f.Seq != tt.seq || f.Verdict != tt.verdict {
				t.Fatalf("fixed %q, %d fields, seq %d, checksum %v; want %q, %d, %d, %v", f.Fixed, len(f.Fields), f.Seq, f.Verdict, tt.fixed, tt.fields, tt.seq, tt.verdict)
			}
			if tt.fields > 0 && f.Fields[len(f.Fields)-1] != tt.last {
				t.Errorf("last field %+v, want %+v", f.Fields[len(f.Fields)-1], tt.last)
			}
			opts := &sip2.Options{ErrorDetection: f.Checksum != "", PreserveChecksum: true}
			out, err := sip2.AppendFrame(nil, f, opts)
			if err != nil || string(out) != tt.in+"\r" {
				t.Errorf("AppendFrame = %q, %v; want the input back", out, err)
			}
			if tt.verdict == sip2.ChecksumValid {
				// A recomputed checksum gives the same bytes, up to the
				// case of its hex digits.
				out, err := sip2.AppendFrame(nil, f, &sip2.Options{ErrorDetection: true})
				if err != nil || !strings.EqualFold(string(out), tt.in+"\r") {
					t.Errorf("AppendFrame, checksum recomputed = %q, %v", out, err)
				}
			}
			m, _ := sip2.Unmarshal([]byte(tt.in), nil)
			if m == nil {
				return
			}
			out2, err := sip2.AppendMessage(nil, m, f.Seq, opts)
			if err != nil || string(out2) != tt.in+"\r" {
				t.Errorf("AppendMessage = %q, %v; want the input back", out2, err)
			}
		})
	}
}

// A decoded message with a bare trailer, once changed, is written the
// strict way: "|" before AY.
func TestBareTrailerChangedIsCanonical(t *testing.T) {
	m, err := sip2.Unmarshal([]byte(ed("9300CNuser|COpassAY2AZ")), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.(*sip2.LoginRequest).LocationCode = "MAIN"
	out, err := sip2.AppendMessage(nil, m, 2, &sip2.Options{ErrorDetection: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := ed("9300CNuser|COpass|CPMAIN|AY2AZ") + "\r"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if err := sip2.VerifyChecksum(bytes.TrimSuffix(out, []byte("\r"))); err != nil {
		t.Error(err)
	}
}

// The encoder will not end a message (error detection off, no fields) in
// fixed-part text that the decoder would read as a trailer.
func TestEncoderRefusesTrailerLikeFixedEnd(t *testing.T) {
	f := &sip2.Frame{Command: sip2.CmdCheckout, Fixed: "YN20260329    203000         AY1AZ0000", Seq: -1}
	if out, err := sip2.AppendFrame(nil, f, nil); err == nil {
		t.Errorf("AppendFrame = %q, want an error", out)
	} else if !strings.Contains(err.Error(), "trailer") {
		t.Errorf("error %q does not say why", err)
	}
	// With error detection the real trailer follows, and all is clear.
	out, err := sip2.AppendFrame(nil, f, &sip2.Options{ErrorDetection: true})
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := sip2.ParseFrame(out, nil)
	if f2 == nil || f2.Verdict != sip2.ChecksumValid || f2.Seq != -1 || f2.Fixed != f.Fixed {
		t.Errorf("re-read %q as %#v", out, f2)
	}
}

// Through the server: a bare trailer is error detection (a retried
// checkout is replayed, not executed twice; a bad checksum in the fixed
// part gets 96), and a value merely ending in trailer-like text is data.
func TestServerBareTrailer(t *testing.T) {
	const head = "11YN20260329    203000                  "
	be := newTestBackend()
	_, addr, _ := startServer(t, be)
	c := dialRaw(t, addr)
	c.login()

	req := ed(head + "AOUWOLS|AAdjfiander|AC|ABJ1AY4AZ")
	c.send(req)
	first := c.recv()
	c.send(req)
	second := c.recv()
	if !strings.HasPrefix(first, "121") || !strings.Contains(first, "AY4AZ") || second != first {
		t.Errorf("checkout and retry answered %q, %q; want the same 121 answer with AY4", first, second)
	}
	if n := be.checkouts.Load(); n != 1 {
		t.Errorf("%d checkouts executed, want 1", n)
	}
	if last := be.lastOut.Load(); last == nil || last.ItemID != "J1" {
		t.Errorf("backend saw %+v, want item J1", last)
	}

	c.send(head[:20] + "AY5AZ0000")
	if got := c.recv(); !strings.HasPrefix(got, "96") {
		t.Errorf("short fixed part with a bad checksum answered %q, want 96", got)
	}

	c.send(head + "AOUWOLS|AAdjfiander|AC|ABJ2AY6AZ0000")
	got := c.recv()
	if f, _ := sip2.ParseFrame([]byte(got), nil); !strings.HasPrefix(got, "121") || f == nil || f.Verdict != sip2.ChecksumAbsent {
		t.Errorf("got %q, want a 121 answer without error detection", got)
	}
	if last := be.lastOut.Load(); last == nil || last.ItemID != "J2AY6AZ0000" {
		t.Errorf("backend saw %+v, want item J2AY6AZ0000", last)
	}
}
