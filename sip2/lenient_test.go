package sip2_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// zeroLedChecksum returns a message ending in "AZ", built by mk from a
// padding of i "x", whose checksum starts with "0", so that unpadded and
// space-padded forms of it can be tested. That takes a byte sum just
// under a multiple of 0x10000: a few hundred bytes of padding.
func zeroLedChecksum(t *testing.T, mk func(pad string) string) (msg, sum string) {
	for i := 0; i < 2000; i++ {
		msg = mk(strings.Repeat("x", i))
		if sum = sip2.Checksum([]byte(msg)); sum[0] == '0' {
			return msg, sum
		}
	}
	t.Fatal("no padding gives a checksum with a leading zero")
	return "", ""
}

// lowerSum lower-cases the 4 checksum digits at the end of msg.
func lowerSum(msg string) string {
	return msg[:len(msg)-4] + strings.ToLower(msg[len(msg)-4:])
}

// The lenient input forms of issue 2, each through the stream Decoder, with
// the three terminators, in one stream.
func TestDecoderLenientForms(t *testing.T) {
	body, sum := zeroLedChecksum(t, func(pad string) string { return "9300CNuser|COpass|CP" + pad + "|AY1AZ" })
	tests := []struct {
		name    string
		in      string
		fields  int
		seq     int
		verdict sip2.ChecksumVerdict
	}{
		{"CR", ed("9300CNuser|COpass|AY0AZ") + "\r", 2, 0, sip2.ChecksumValid},
		{"CRLF", ed("9300CNuser|COpass|AY0AZ") + "\r\n", 2, 0, sip2.ChecksumValid},
		{"LF", ed("9300CNuser|COpass|AY0AZ") + "\n", 2, 0, sip2.ChecksumValid},
		{"no final delimiter", "9300CNuser|COpass\r", 2, -1, sip2.ChecksumAbsent},
		{"repeated fields", "36Y20261126    225649AOx|AAy|AFone|AFtwo|\r", 4, -1, sip2.ChecksumAbsent},
		{"lower-case checksum", lowerSum(ed("941AY0AZ")) + "\r", 0, 0, sip2.ChecksumValid},
		{"unpadded checksum", body + strings.TrimLeft(sum, "0") + "\r", 3, 1, sip2.ChecksumValid},
		{"space-padded checksum", body + strings.Repeat(" ", len(sum)-len(strings.TrimLeft(sum, "0"))) + strings.TrimLeft(sum, "0") + "\r", 3, 1, sip2.ChecksumValid},
		{"| right after the fixed part", ed("9900302.00|AY1AZ") + "\r", 0, 1, sip2.ChecksumValid},
		{"AY right after the fixed part", ed("9900302.00AY1AZ") + "\r", 0, 1, sip2.ChecksumValid},
		{"| before AY", ed("9300CNuser|COpass|AY2AZ") + "\n", 2, 2, sip2.ChecksumValid},
		{"no | before AY", ed("9300CNuser|COpassAY3AZ") + "\r", 2, 3, sip2.ChecksumValid},
		{"no | before AY, lower-case checksum", lowerSum(ed("9300CNuser|COpassAY4AZ")) + "\r\n", 2, 4, sip2.ChecksumValid},
		{"no | before AY, after an empty field", ed("9300CNuser|COpass|CPAY5AZ") + "\n", 3, 5, sip2.ChecksumValid},
	}
	var stream strings.Builder
	for _, tt := range tests {
		stream.WriteString(tt.in)
	}
	d := sip2.NewDecoder(strings.NewReader(stream.String()), nil)
	for _, tt := range tests {
		f, err := d.Decode()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(f.Fields) != tt.fields || f.Seq != tt.seq || f.Verdict != tt.verdict {
			t.Errorf("%s: %d fields, seq %d, checksum %v; want %d, %d, %v", tt.name, len(f.Fields), f.Seq, f.Verdict, tt.fields, tt.seq, tt.verdict)
		}
		if _, err := f.Message(nil); err != nil {
			t.Errorf("%s: Message: %v", tt.name, err)
		}
	}
	if f, err := d.Decode(); err == nil {
		t.Errorf("decoded %q past the end", f.Raw)
	}
}

// The same forms, and the date zones, sent to the server: each is
// answered (not with 96), and the backend sees the values.
func TestServerLenientInput(t *testing.T) {
	const head = "11YN20260329    203000                  "
	zeroLed, sum := zeroLedChecksum(t, func(pad string) string {
		return head + "AOUWOLS|AAdjfiander|ABI0|AC|ZZ" + pad + "|AY3AZ"
	})
	unpadded := strings.TrimLeft(sum, "0")
	utc := time.Date(2026, 3, 29, 20, 30, 0, 0, time.UTC)
	tests := []struct {
		name, req string
		item      string    // the item the backend must see
		date      time.Time // the transaction date it must see, if not zero
		ed        bool      // the answer carries AY/AZ
	}{
		{"no final delimiter", head + "AOUWOLS|AAdjfiander|ABI1|AC", "I1", time.Time{}, false},
		{"repeated fields", head + "AOUWOLS|AAdjfiander|ABI2|AC|AFone|AFtwo|", "I2", time.Time{}, false},
		{"LF terminator", head + "AOUWOLS|AAdjfiander|ABI3|AC|\n", "I3", time.Time{}, false},
		{"lower-case checksum", lowerSum(ed(head + "AOUWOLS|AAdjfiander|ABI4|AC|AY3AZ")), "I4", time.Time{}, true},
		{"unpadded checksum", zeroLed + unpadded, "", time.Time{}, true},
		{"space-padded checksum", zeroLed + strings.Repeat(" ", 4-len(unpadded)) + unpadded, "", time.Time{}, true},
		{"| right after the fixed part", ed(head + "|AOUWOLS|AAdjfiander|ABI5|AC|AY3AZ"), "I5", time.Time{}, true},
		{`zone "   Z"`, ed("11YN20260329   Z203000                  AOUWOLS|AAdjfiander|ABI7|AC|AY3AZ"), "I7", utc, true},
		{`zone "   z"`, ed("11YN20260329   z203000                  AOUWOLS|AAdjfiander|ABI8|AC|AY3AZ"), "I8", utc, true},
		{`zone " UTC"`, ed("11YN20260329 UTC203000                  AOUWOLS|AAdjfiander|ABI9|AC|AY3AZ"), "I9", utc, true},
		{`zone "   A" (UTC+1)`, ed("11YN20260329   A213000                  AOUWOLS|AAdjfiander|ABIA|AC|AY3AZ"), "IA", utc, true},
		{`zone "ZZZZ" (local)`, ed("11YN20260329ZZZZ203000                  AOUWOLS|AAdjfiander|ABIB|AC|AY3AZ"), "IB", utc, true},
		{`zone "0000" (local)`, ed("11YN202603290000203000                  AOUWOLS|AAdjfiander|ABIC|AC|AY3AZ"), "IC", utc, true},
		{"no | before AY", ed(head + "AOUWOLS|AAdjfiander|AC|ABI6AY3AZ"), "I6", time.Time{}, true},
		{"no | before AY, lower-case checksum", lowerSum(ed(head + "AOUWOLS|AAdjfiander|AC|ABIDAY3AZ")), "ID", time.Time{}, true},
		{"no | before AY, after an empty field", ed(head + "AOUWOLS|AAdjfiander|ABIE|ACAY3AZ"), "IE", time.Time{}, true},
	}
	be := newTestBackend()
	// Local dates are read in UTC here, so every row expects the same instant.
	_, addr, _ := startServer(t, be, func(s *sip2.Server) { s.Options.Location = time.UTC })
	c := dialRaw(t, addr)
	c.login()
	for _, tt := range tests {
		got := func() string { c.send(tt.req); return c.recv() }()
		last := be.lastOut.Load()
		switch {
		case !strings.HasPrefix(got, "121"):
			t.Errorf("%s: %q → %q, want a checkout response", tt.name, tt.req, got)
			continue
		case tt.ed != strings.Contains(got, "AY3AZ"):
			t.Errorf("%s: response %q; error detection in the answer should be %v", tt.name, got, tt.ed)
		case last == nil:
			t.Fatalf("%s: backend saw no checkout", tt.name)
		case tt.item != "" && last.ItemID != tt.item:
			t.Errorf("%s: backend saw item %q, want %q", tt.name, last.ItemID, tt.item)
		case !tt.date.IsZero() && !last.TransactionDate.Time().Equal(tt.date):
			t.Errorf("%s: backend saw date %v, want %v", tt.name, last.TransactionDate.Time(), tt.date)
		}
	}
	if n := be.checkouts.Load(); n != int64(len(tests)) {
		t.Errorf("%d checkouts executed, want %d", n, len(tests))
	}
}

// badFixedSession answers item information with a "|" in a fixed field.
type badFixedSession struct{ *testSession }

func (s badFixedSession) ItemInformation(ctx context.Context, req *sip2.ItemInformationRequest) (*sip2.ItemInformationResponse, error) {
	return &sip2.ItemInformationResponse{CirculationStatus: "0|", TransactionDate: fixedTime, ItemID: req.ItemID}, nil
}

// Strict output through the server: a response whose fixed part the wire
// cannot carry is not sent; the connection closes and the log says why.
func TestServerNeverSendsCorruptFixedPart(t *testing.T) {
	be := newTestBackend()
	_, addr, logs := startServer(t, sip2.BackendFunc(func(c *sip2.Conn) (sip2.Session, error) {
		return badFixedSession{&testSession{b: be, c: c}}, nil
	}))
	c := dialRaw(t, addr)
	c.login()
	c.send(ed("1720260329    203000AOUWOLS|ABI1|AY1AZ"))
	c.expectClosed()
	if l := logs.String(); !strings.Contains(l, "circulation status") {
		t.Errorf("log does not name the field:\n%s", l)
	}
}
