package sip2_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

func TestChecksum(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9300CNuser_id|COpassw0rd|AY1AZ", "F594"},
		{"96AZ", "FEF6"},
		{"97AZ", "FEF5"},
		{"9300CNlogin|COsecret|CPLOCKER1|AY0AZ", "F415"},
		{"941AY0AZ", "FDFD"},
	}
	for _, tt := range tests {
		if got := sip2.Checksum([]byte(tt.in)); got != tt.want {
			t.Errorf("Checksum(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, ok := range []string{"9300CNuser_id|COpassw0rd|AY1AZF594", "9300CNuser_id|COpassw0rd|AY1AZf594", "96AZfef6"} {
		if err := sip2.VerifyChecksum([]byte(ok)); err != nil {
			t.Errorf("VerifyChecksum(%q) = %v", ok, err)
		}
	}
	if err := sip2.VerifyChecksum([]byte("9300CNuser_id|COpassw0rd|AY1AZF595")); !errors.Is(err, sip2.ErrChecksum) {
		t.Errorf("bad checksum: %v", err)
	} else if strings.Contains(err.Error(), "passw0rd") || !strings.Contains(err.Error(), "F594") {
		t.Errorf("error text %q: leaks or lacks the expected value", err)
	}
	if err := sip2.VerifyChecksum([]byte("9300CNu|COp|")); !errors.Is(err, sip2.ErrNoChecksum) {
		t.Errorf("no checksum: %v", err)
	}
}

func TestParseFrameLenient(t *testing.T) {
	tests := []struct {
		name, in string
		fixed    string
		fields   []sip2.Field
		seq      int
		verdict  sip2.ChecksumVerdict
	}{
		{"CRLF", "941AY0AZFDFD\r\n", "1", nil, 0, sip2.ChecksumValid},
		{"LF", "941AY0AZFDFD\n", "1", nil, 0, sip2.ChecksumValid},
		{"no final delimiter", "9300CNuser_id|COpassword", "00",
			[]sip2.Field{{"CN", "user_id"}, {"CO", "password"}}, -1, sip2.ChecksumAbsent},
		{"stray | after fixed part", "9920102.00|AY1AZFC29", "20102.00", nil, 1, sip2.ChecksumValid},
		{"lower-case checksum", "941AY0AZfdfd", "1", nil, 0, sip2.ChecksumValid},
		{"repeated fields", "36Y20261126    225649AOx|AAy|AFone|AFtwo|", "Y20261126    225649",
			[]sip2.Field{{"AO", "x"}, {"AA", "y"}, {"AF", "one"}, {"AF", "two"}}, -1, sip2.ChecksumAbsent},
		{"AY right after fixed part", "9900802.00AY1AZFCA0", "00802.00", nil, 1, sip2.ChecksumValid},
		{"resend without AY", "9300CNuser_id|COpassword|AZF620", "00",
			[]sip2.Field{{"CN", "user_id"}, {"CO", "password"}}, -1, sip2.ChecksumValid},
		{"AZ-like text in a value", "9300CNxAZ12|", "00", []sip2.Field{{"CN", "xAZ12"}}, -1, sip2.ChecksumAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := sip2.ParseFrame([]byte(tt.in), nil)
			if err != nil {
				t.Fatalf("ParseFrame(%q): %v", tt.in, err)
			}
			if f.Fixed != tt.fixed || f.Seq != tt.seq || f.Verdict != tt.verdict || !equalFields(f.Fields, tt.fields) {
				t.Errorf("ParseFrame(%q) = fixed %q fields %v seq %d verdict %v, want %q %v %d %v",
					tt.in, f.Fixed, f.Fields, f.Seq, f.Verdict, tt.fixed, tt.fields, tt.seq, tt.verdict)
			}
		})
	}
}

func equalFields(a, b []sip2.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		is       error
		field    string
		offset   int
	}{
		{"too short", "9", nil, "", 0},
		{"NUL", "9300CN\x00|", nil, "", 6},
		{"unknown command", "XX12|AB3|", sip2.ErrUnknownCommand, "", 0},
		{"short fixed part", "11YN2006", sip2.ErrShortFixed, "transaction date", 4},
		{"bad date", "1720061399    084235AOx|ABy|", nil, "transaction date", 2},
		{"bad flag", "11XN20060329    203000                  AOx|AAy|ABz|AC|", nil, "SC renewal policy", 2},
		{"bad variable flag", "24              00120261126    225641AOx|AAy|AEz|BLQ|", nil, "BL", 49},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sip2.Unmarshal([]byte(tt.in), nil)
			var de *sip2.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Unmarshal(%q) error = %v, want *DecodeError", tt.in, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if de.Field != tt.field || de.Offset != tt.offset {
				t.Errorf("Unmarshal(%q): field %q offset %d, want %q %d (%v)", tt.in, de.Field, de.Offset, tt.field, tt.offset, err)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const pin, pwd, term = "PIN4711", "PWD0815", "TERM999"
	msgs := []string{
		"2300120060101    08423XAOx|AAy|AC" + term + "|AD" + pin + "|AY2AZE94A",
		"9300CNu|CO" + pwd + "|AY0AZ0000",
		"11YN20060329    203000                  AOx|AAy|ABz|AC" + term + "|AD" + pin + "|BOQ|AY2AZ0000",
		"35X0060110    084237AOx|AAy|AD" + pin + "|AC" + term + "|AY8AZF1BF",
	}
	for _, m := range msgs {
		_, err := sip2.Unmarshal([]byte(m), nil)
		if err == nil {
			t.Errorf("Unmarshal(%q): no error", sip2.Mask(m))
			continue
		}
		for _, s := range []string{pin, pwd, term} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains a secret", err)
			}
		}
		if masked := sip2.Mask(m); strings.Contains(masked, pin) || strings.Contains(masked, pwd) || strings.Contains(masked, term) {
			t.Errorf("Mask(...) = %q still contains a secret", masked)
		}
	}
	req := &sip2.CheckoutRequest{PatronID: "p", ItemID: "i", PatronPassword: pin, TerminalPassword: term + "|"}
	_, err := sip2.AppendMessage(nil, req, 0, &sip2.Options{ErrorDetection: true})
	if !errors.Is(err, sip2.ErrBadValue) || strings.Contains(err.Error(), term) {
		t.Errorf("encode error %v: want ErrBadValue without the value", err)
	}
	if s := req.String(); strings.Contains(s, pin) || strings.Contains(s, term) || !strings.Contains(s, "AD"+sip2.MaskedValue) {
		t.Errorf("CheckoutRequest.String() = %q", s)
	}
	f, _ := sip2.ParseFrame([]byte(msgs[1]), nil)
	if s := f.String(); strings.Contains(s, pwd) {
		t.Errorf("Frame.String() = %q", s)
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9300CNlogin|COsecret|CPLOCKER1|AY0AZF3F1", "9300CNlogin|CO****|CPLOCKER1|AY0AZF3F1"},
		{"3520060110    084237ADpin|AOx|ACterm", "3520060110    084237AD****|AOx|AC****"},
		{"garbage|ADpin|COpw", "garbage|AD****|CO****"},
		{"2300120060101    084235AC|AD|", "2300120060101    084235AC|AD|"},
	}
	for _, tt := range tests {
		if got := sip2.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDecoderSplits feeds a stream of several messages, with every
// terminator style, split in two at every byte position, and one byte at
// a time.
func TestDecoderSplits(t *testing.T) {
	msgs := []string{
		"9300CNuser_id|COpassw0rd|AY1AZF594",
		"941AY1AZFDFC",
		"9900302.00AY1AZFCA5",
		"2300120060101    084235AOUWOLS|AAdjfiander|ACterminal password|AD6789|AY2AZE94A",
	}
	stream := msgs[0] + "\r" + msgs[1] + "\r\n" + msgs[2] + "\n" + msgs[3] + "\r"
	check := func(t *testing.T, r io.Reader) {
		t.Helper()
		d := sip2.NewDecoder(r, nil)
		for i, want := range msgs {
			f, err := d.Decode()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if f.Raw != want || f.Verdict != sip2.ChecksumValid {
				t.Fatalf("message %d = %q (%v), want %q", i, f.Raw, f.Verdict, want)
			}
		}
		if _, err := d.Decode(); err != io.EOF {
			t.Fatalf("after last message: %v, want io.EOF", err)
		}
	}
	for i := 0; i <= len(stream); i++ {
		check(t, io.MultiReader(strings.NewReader(stream[:i]), strings.NewReader(stream[i:])))
	}
	check(t, iotest.OneByteReader(strings.NewReader(stream)))
	check(t, strings.NewReader(stream))
}

func TestDecoderMaxSizeResync(t *testing.T) {
	long := "9300CN" + strings.Repeat("x", 500) + "|"
	stream := "941\r" + long + "\r940\r9300CNa|\r"
	for _, r := range []io.Reader{strings.NewReader(stream), iotest.OneByteReader(strings.NewReader(stream))} {
		d := sip2.NewDecoder(r, &sip2.Options{MaxMessageSize: 64})
		var got []string
		var tooLong int
		for {
			f, err := d.Decode()
			if err == io.EOF {
				break
			}
			if errors.Is(err, sip2.ErrTooLong) {
				tooLong++
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, f.Raw)
		}
		if tooLong != 1 || strings.Join(got, ",") != "941,940,9300CNa|" {
			t.Errorf("got %q with %d too-long errors", got, tooLong)
		}
	}
	d := sip2.NewDecoder(strings.NewReader("941\r9300CNcut"), nil)
	if _, err := d.Decode(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(); err != io.ErrUnexpectedEOF {
		t.Errorf("cut-off message: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestEncodeValuePolicy(t *testing.T) {
	resp := &sip2.CheckinResponse{OK: true, InstitutionID: "lib", ItemID: "1",
		PermanentLocation: "Main", ScreenMessage: []string{"a|b\r\nc", strings.Repeat("é", 300)}}
	resp.TransactionDate = sip2.NewTime(time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC))
	if _, err := sip2.AppendMessage(nil, resp, 3, nil); !errors.Is(err, sip2.ErrBadValue) {
		t.Errorf("default policy: %v, want ErrBadValue", err)
	}
	out, err := sip2.AppendMessage(nil, resp, 3, &sip2.Options{Values: sip2.ValueReplace, ErrorDetection: true, Terminator: sip2.TerminatorCRLF})
	if err != nil {
		t.Fatal(err)
	}
	want := "101NUN20261126   Z225649AOlib|AB1|AQMain|AFa b  c|AF" + strings.Repeat("é", 255) + "|AY3AZ"
	if !strings.HasPrefix(string(out), want) || !strings.HasSuffix(string(out), "\r\n") {
		t.Fatalf("got %q", out)
	}
	if err := sip2.VerifyChecksum(out); err != nil {
		t.Errorf("own checksum: %v", err)
	}
	_, err = sip2.AppendMessage(nil, &sip2.LoginRequest{LoginUserID: "Łukasz"}, -1, &sip2.Options{Charset: sip2.CharsetCP850})
	if !errors.Is(err, sip2.ErrBadValue) {
		t.Errorf("unencodable rune: %v", err)
	}
	out, err = sip2.AppendMessage(nil, &sip2.LoginRequest{LoginUserID: "Łukasz Piège"}, -1, &sip2.Options{Charset: sip2.CharsetASCII})
	if err != nil || string(out) != "9300CNLukasz Piege|CO|\r" {
		t.Errorf("ASCII folding: %q, %v", out, err)
	}
	out, err = sip2.AppendMessage(nil, &sip2.LoginRequest{LoginUserID: "Piège"}, -1, &sip2.Options{Charset: sip2.CharsetCP850})
	if err != nil || string(out) != "9300CNPi\x8age|CO|\r" {
		t.Errorf("CP850: %q, %v", out, err)
	}
	m, err := sip2.Unmarshal(out, &sip2.Options{Charset: sip2.CharsetCP850})
	if err != nil || m.(*sip2.LoginRequest).LoginUserID != "Piège" {
		t.Errorf("CP850 decode: %+v, %v", m, err)
	}
	f := &sip2.Frame{Command: sip2.CmdLogin, Fixed: "000", Seq: -1}
	if _, err := sip2.AppendFrame(nil, f, nil); err == nil {
		t.Errorf("fixed part of wrong length encoded")
	}
	f = &sip2.Frame{Command: sip2.CmdLogin, Fixed: "00", Seq: 12}
	if _, err := sip2.AppendFrame(nil, f, &sip2.Options{ErrorDetection: true}); !errors.Is(err, sip2.ErrSequence) {
		t.Errorf("seq 12: %v", err)
	}
}

// TestModifiedMessageKeepsLayout checks that editing a decoded message
// keeps its field order and recomputes the checksum.
func TestModifiedMessageKeepsLayout(t *testing.T) {
	raw := "301YNN20261126    225649AAdjfiander|AB1565921879|AJPerl 5 desktop reference|AH20261210    225649|CK001|AOUWOLS|AY3AZDF9E"
	m, err := sip2.Unmarshal([]byte(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := m.(*sip2.RenewResponse)
	r.ScreenMessage = append(r.ScreenMessage, "Renewed")
	out, err := sip2.AppendMessage(nil, r, 3, &sip2.Options{ErrorDetection: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "301YNN20261126    225649AAdjfiander|AB1565921879|AJPerl 5 desktop reference|AH20261210    225649|CK001|AOUWOLS|AFRenewed|AY3AZ"
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("got  %q\nwant %q…", out, want)
	}
	if err := sip2.VerifyChecksum(bytes.TrimRight(out, "\r")); err != nil {
		t.Error(err)
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		in    string
		want  time.Time
		valid bool
	}{
		{"20261126    225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126   Z225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126   A225649", time.Date(2026, 11, 26, 21, 56, 49, 0, time.UTC), true},
		{"20261126   N225649", time.Date(2026, 11, 26, 23, 56, 49, 0, time.UTC), true},
		{"201610050000114734", time.Date(2016, 10, 5, 11, 47, 34, 0, time.UTC), true},
		{"19810908ZZZZ124533", time.Date(1981, 9, 8, 12, 45, 33, 0, time.UTC), true},
		{"                  ", time.Time{}, true},
		{"20260230    000000", time.Time{}, false},
		{"2026112X    225649", time.Time{}, false},
		{"20261126  XX225649", time.Time{}, false},
		{"20261126   z225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126Z   225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126 UTC225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126GMT 225649", time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC), true},
		{"20261126   J225649", time.Time{}, false},
		{"20261126 CET225649", time.Time{}, false},
		{"20261126+010225649", time.Time{}, false},
	}
	for _, tt := range tests {
		tm, err := sip2.ParseTime(tt.in, time.UTC)
		if (err == nil) != tt.valid || tm.Valid() != tt.valid || !tm.Time().Equal(tt.want) || tm.String() != tt.in {
			t.Errorf("ParseTime(%q) = %v (%s, valid %v), %v; want %v valid %v", tt.in, tm.Time(), tm, tm.Valid(), err, tt.want, tt.valid)
		}
	}
	if s := sip2.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)).String(); s != "20260102   Z030405" {
		t.Errorf("NewTime UTC = %q", s)
	}
	if s := sip2.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))).String(); s != "20260102    030405" {
		t.Errorf("NewTime local = %q", s)
	}
}

func TestCommands(t *testing.T) {
	if len(sip2.Commands()) != 31 {
		t.Errorf("%d commands, want 31", len(sip2.Commands()))
	}
	for _, c := range sip2.Commands() {
		n, ok := c.FixedLen()
		if !ok || (sip2.New(c) == nil) || c.String() == "" {
			t.Errorf("command %s: fixed %d %v, New %v", c, n, ok, sip2.New(c))
		}
		if sip2.New(c).Command() != c {
			t.Errorf("New(%s).Command() = %s", c, sip2.New(c).Command())
		}
	}
	if r, ok := sip2.CmdBlockPatron.Response(); !ok || r != sip2.CmdPatronStatusResponse {
		t.Errorf("01 → %s", r)
	}
	if _, ok := sip2.CmdCheckoutResponse.Response(); ok {
		t.Error("a response has a response")
	}
	if s := sip2.Command("XY").String(); s != "Unknown (XY)" {
		t.Errorf("unknown String = %q", s)
	}
}

// Fixed fields of a message built in code are checked like variable ones:
// a "|", CR, LF or NUL there would corrupt the frame (issue 2: "never emit
// a frame that is corrupt"), whatever the value policy.
func TestEncodeFixedFieldValues(t *testing.T) {
	bad, _ := sip2.ParseTime("2026|126    225649", time.UTC)
	tests := []struct {
		name  string
		m     sip2.Message
		field string
	}{
		{"| in a code", &sip2.ItemInformationResponse{CirculationStatus: "0|"}, "circulation status"},
		{"CR in a code", &sip2.ItemInformationResponse{CirculationStatus: "\r3"}, "circulation status"},
		{"LF in the version", &sip2.SCStatusRequest{StatusCode: "0", ProtocolVersion: "2.0\n"}, "protocol version"},
		{"NUL", &sip2.SCStatusRequest{StatusCode: "\x00", ProtocolVersion: "2.00"}, "status code"},
		{"| in a date", &sip2.CheckinRequest{TransactionDate: bad, ReturnDate: bad}, "transaction date"},
	}
	for _, tt := range tests {
		for _, p := range []sip2.ValuePolicy{sip2.ValueError, sip2.ValueReplace} {
			b, err := sip2.AppendMessage(nil, tt.m, -1, &sip2.Options{Values: p})
			var ee *sip2.EncodeError
			if !errors.As(err, &ee) || !errors.Is(err, sip2.ErrBadValue) || ee.Field != tt.field || len(b) != 0 {
				t.Errorf("%s (policy %d): %q, %v; want an ErrBadValue *EncodeError naming %q and no bytes", tt.name, p, b, err, tt.field)
			}
		}
	}
}

// Printing a message with any verb, as a pointer or a value, masks the
// PIN and the terminal password.
func TestMessagePrintingMasksSecrets(t *testing.T) {
	req := &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1", TerminalPassword: "term-Secret", PatronPassword: "PIN-4711"}
	f, err := sip2.ParseFrame([]byte("11YN20260329    203000                  AOMAIN|AAP1|ABI1|ACterm-Secret|ADPIN-4711|"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{req, *req, f, *f} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "PIN-4711") || strings.Contains(out, "term-Secret") || !strings.Contains(out, "AAP1|") {
				t.Errorf("Sprintf(%q, %T) = %s", verb, v, out)
			}
		}
	}
}
