package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runDecode(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	code = run(context.Background(), append([]string{"sip2", "decode"}, args...), e)
	return code, out.String(), errb.String()
}

func TestSIP2DecodeReadmeExample(t *testing.T) {
	code, out, errs := runDecode(t, "", "9300CNlogin|COsecret|CPLOCKER1|AY0AZF3F1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"93 Login", "CN login user id", `"login"`, "CP location code", `"LOCKER1"`,
		"AY sequence number       0", "checksum: F3F1 invalid, expected F415", "UID algorithm"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errs, "secret") {
		t.Errorf("login password leaked:\n%s%s", out, errs)
	}
	code, out, _ = runDecode(t, "", "9300CNlogin|COsecret|CPLOCKER1|AY0AZF415")
	if code != 0 || !strings.Contains(out, "checksum: F415 valid") {
		t.Errorf("corrected checksum: exit %d\n%s", code, out)
	}
}

func TestSIP2DecodeStdinMixed(t *testing.T) {
	in := "  2300120060101    084235AOUWOLS|AAdjfiander|ACterminal password|AD6789|AY2AZE94A\r\n" +
		"\n" +
		"hello\n" +
		"941AY0AZFDFD\r\n" +
		"X\n"
	code, out, errs := runDecode(t, in)
	if code != 1 {
		t.Errorf("exit %d, want 1 (lines 3 and 5 are not SIP2)", code)
	}
	for _, want := range []string{"line 1: 23 Patron Status Request", "checksum: E94A valid", "line 4: 94 Login Response", "line 3:", "line 5:"} {
		if !strings.Contains(out+errs, want) {
			t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", want, out, errs)
		}
	}
	if !strings.Contains(errs, "line 3: not a SIP2 message") || !strings.Contains(errs, "unknown command") {
		t.Errorf("stderr does not say why line 3 failed: %q", errs)
	}
	if !strings.Contains(errs, "line 5: not a SIP2 message") {
		t.Errorf("stderr does not name line 5: %q", errs)
	}
	for _, secret := range []string{"6789", "terminal password\"", "AD6789"} {
		if strings.Contains(out+errs, secret) {
			t.Errorf("secret %q leaked:\n%s%s", secret, out, errs)
		}
	}
}

func TestSIP2DecodeJSON(t *testing.T) {
	code, out, errs := runDecode(t, "", "--json", "9300CNuser_id|COpassw0rd|AY1AZF595", "96AZFEF6", "11YN2006")
	if code != 1 {
		t.Errorf("exit %d, want 1 for the truncated third message; stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d JSON lines, want 3:\n%s", len(lines), out)
	}
	var d struct {
		Code     string
		Name     string
		Fields   []struct{ ID, Name, Value string }
		Sequence *int
		Checksum struct{ Value, Verdict, Expected string }
		Error    string
	}
	if err := json.Unmarshal([]byte(lines[0]), &d); err != nil {
		t.Fatal(err)
	}
	if d.Code != "93" || d.Name != "Login" || d.Sequence == nil || *d.Sequence != 1 ||
		d.Checksum.Verdict != "invalid" || d.Checksum.Expected != "F594" || len(d.Fields) != 2 ||
		d.Fields[1].ID != "CO" || d.Fields[1].Value != "****" {
		t.Errorf("line 1 decoded as %+v", d)
	}
	if strings.Contains(out, "passw0rd") {
		t.Errorf("password leaked: %s", out)
	}
	d.Sequence = nil
	if err := json.Unmarshal([]byte(lines[1]), &d); err != nil || d.Code != "96" || d.Checksum.Verdict != "valid" || d.Sequence != nil {
		t.Errorf("96AZFEF6 decoded as %+v (%v)", d, err)
	}
	if err := json.Unmarshal([]byte(lines[2]), &d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Error, "message too short") && !strings.Contains(d.Error, "cut short") {
		t.Errorf("truncated checkout: %s", lines[2])
	}
}

func TestSIP2DecodeCharset(t *testing.T) {
	// "Piège" in CP850: è is 0x8A.
	msg := "1804020120110630    110249AB1|AJPi\x8age|"
	code, out, errs := runDecode(t, msg+"\n", "--charset", "cp850")
	if code != 0 || !strings.Contains(out, `"Piège"`) {
		t.Errorf("exit %d, stderr %q, output:\n%s", code, errs, out)
	}
	code, _, errs = runDecode(t, "", "--charset", "ebcdic", "941")
	if code != 2 || !strings.Contains(errs, "unknown charset") {
		t.Errorf("bad charset: exit %d, stderr %q", code, errs)
	}
}

// Lines as staff paste them from logs: CRLF, trailing blanks, lower-case
// checksums, CP850 bytes, the §7.5 oddities.
func TestSIP2DecodePastedLines(t *testing.T) {
	tests := []struct {
		name, in string
		args     []string
		code     int
		want     []string
	}{
		{"CRLF and trailing blanks", "9300CNuser_id|COpassw0rd|AY1AZF594  \t\r\n", nil, 0,
			[]string{"93 Login", "checksum: F594 valid"}},
		{"lower-case checksum", "9300CNuser_id|COpassw0rd|AY1AZf594\n", nil, 0, []string{"checksum: f594 valid"}},
		{"fixed part ending in blanks, then log padding", "6302719700101    010000          \t  \n", nil, 0,
			[]string{"63 Patron Information", `summary                  "          "`}},
		{"CP850 title", "101YNY20160822    153450AO|ABix:1544245,1|AQ|AJHellstr\x94m, Jenny|AAxyz|AF|ZPkreps|\n",
			[]string{"--charset", "cp850"}, 0, []string{`"Hellström, Jenny"`, `ZP unknown/vendor field  "kreps"`}},
		{"CP850 bytes read as UTF-8", "101YNY20160822    153450AO|ABix:1544245,1|AQ|AJHellstr\x94m, Jenny|AAxyz|\n",
			nil, 0, []string{"try --charset cp850"}},
		{"literal ZZZZ zone, no final delimiter", "2300019810908ZZZZ124533AOAcme co.|AAp123.xyz|ACsecret|ADpass\n", nil, 0,
			[]string{"23 Patron Status Request", `"19810908ZZZZ124533"`, `AD patron password       "****"`}},
		{"stray | after the date", "15+20201013    093158|AOinstitution_id|AApatron_id|ABitem_id|ACterminal_password|AY0AZEC96\n", nil, 0,
			[]string{"15 Hold", "checksum: EC96 invalid, expected E283"}},
		{"malformed 99", "990231.23\n", nil, 1, []string{"protocol version", "cut short"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runDecode(t, tt.in, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
			for _, secret := range []string{"passw0rd", "secret", "|ADpass"} {
				if strings.Contains(out+errs, secret) {
					t.Errorf("output shows secret %q:\n%s", secret, out)
				}
			}
		})
	}
}
