package sip2client

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// TestNoDeviceIsError: when nothing connects, nothing is certified: the
// cases are errors, not passes or skips, and the report fails.
func TestNoDeviceIsError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(l)
	cfg.WaitConnect = 150 * time.Millisecond
	rep := (&conformance.Runner{Timeout: 5 * time.Second}).Execute(context.Background(), New(cfg), "nobody")
	for _, r := range rep.Results {
		if r.Verdict != conformance.Error {
			t.Errorf("%s: %s (%s), want error", r.Case.ID, r.Verdict, r.Message)
		}
	}
	if got := verdicts(rep)["session/1"].Message; !strings.Contains(got, "no client connected within 150ms") {
		t.Errorf("session/1 says %q", got)
	}
	if rep.Passed() {
		t.Error("a session without a device passes")
	}
}

// TestSecretsMasked: the login password and the patron PIN the device
// sends never appear in the report, while the evidence shows where they
// were.
func TestSecretsMasked(t *testing.T) {
	var prompts []string
	var mu sync.Mutex
	rep := runDevice(t, referenceDevice, func(c *Config) {
		c.Prompt = func(m string) { mu.Lock(); prompts = append(prompts, m); mu.Unlock() }
	})
	sawCO, sawAD := false, false
	for _, r := range rep.Results {
		texts := []string{r.Message, r.Actual, strings.Join(r.Expected, " ")}
		for _, e := range r.Evidence {
			texts = append(texts, e.Data)
			sawCO = sawCO || strings.Contains(e.Data, "CO"+sip2.MaskedValue)
			sawAD = sawAD || strings.Contains(e.Data, "AD"+sip2.MaskedValue)
		}
		for _, text := range texts {
			if strings.Contains(text, sip2mem.DemoPassword) || strings.Contains(text, "AD1234") {
				t.Errorf("%s: the report shows a secret: %q", r.Case.ID, text)
			}
		}
	}
	if !sawCO || !sawAD {
		t.Errorf("the evidence shows no masked CO (%v) or AD (%v)", sawCO, sawAD)
	}
	all := strings.Join(prompts, "\n")
	for _, want := range []string{"listens on 127.0.0.1:", "message 3 will be answered with 96", "message 3 (23) answered with 96", "holding the reply to message 5 (11)", "recording ended"} {
		if !strings.Contains(all, want) {
			t.Errorf("the operator was not told %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, sip2mem.DemoPassword) {
		t.Error("the prompts show the password")
	}
}

// TestWrongPasswordMasked: a device that logs in with another password
// fails login-93/2 without the report showing either password.
func TestWrongPasswordMasked(t *testing.T) {
	const wrong = "a-wrong-Password-77"
	rep := runDevice(t, rawDevice(nil, func(s *rawSC) error { return s.exchange("9300CN" + sip2mem.DemoUser + "|CO" + wrong + "|CPMAIN|") }))
	if r := verdicts(rep)["login-93/2"]; r.Verdict != conformance.Fail {
		t.Fatalf("login-93/2: %s (%s)", r.Verdict, r.Message)
	}
	for _, r := range rep.Results {
		for _, e := range r.Evidence {
			if strings.Contains(e.Data, wrong) || strings.Contains(e.Data, sip2mem.DemoPassword) {
				t.Errorf("%s: evidence shows a password: %q", r.Case.ID, e.Data)
			}
		}
		if strings.Contains(r.Message, wrong) {
			t.Errorf("%s: message shows the password", r.Case.ID)
		}
	}
}

// TestTLS: the suite serves TLS when configured, and a device connecting
// with TLS is graded like one over plain TCP.
func TestTLS(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	dev := func(ctx context.Context, addr string) error {
		c, err := sip2.DialTLS(ctx, addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, &sip2.ClientOptions{
			Codec: sip2.Options{ErrorDetection: true}, Timeout: 5 * time.Second,
			Login: &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword},
		})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.SCStatus(ctx, nil)
		return err
	}
	rep := runDevice(t, dev, func(c *Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		c.Resend96At, c.LateReplyAt = -1, -1
	})
	got := verdicts(rep)
	for _, id := range []string{"session/1", "login-93/1", "login-93/2", "status-99/1", "checksum/2"} {
		if got[id].Verdict != conformance.Pass {
			t.Errorf("%s: %s (%s)", id, got[id].Verdict, got[id].Message)
		}
	}
}

// TestParseMessage pins the suite's own splitting of SC messages, which
// the cases rely on, on vectors from sip2.md §7.
func TestParseMessage(t *testing.T) {
	tests := []struct {
		raw     string
		code    string
		fixed   string
		fields  string
		seq     string
		sum     string
		sumOK   bool
		content string
	}{
		{"9300CNuser_id|COpassw0rd|AY1AZF594", "93", "00", "CN=user_id CO=passw0rd", "1", "F594", true, "9300CNuser_id|COpassw0rd"},
		{"9300CNuser_id|COpassw0rd|AY1AZF595", "93", "00", "CN=user_id CO=passw0rd", "1", "F595", false, "9300CNuser_id|COpassw0rd"},
		{"9300CNuser_id|COpassword|AZF620", "93", "00", "CN=user_id CO=password", "", "F620", true, "9300CNuser_id|COpassword"},
		{"97AZFEF5", "97", "", "", "", "FEF5", true, "97"},
		{"11NY20210814    08345520210814    083455AOinstitutionId|AApatronId|ABitemId|ACterminalPassword|ADpatronPassword|BOY|BIY|AY0AZD782", "11", "NY20210814    08345520210814    083455",
			"AO=institutionId AA=patronId AB=itemId AC=terminalPassword AD=patronPassword BO=Y BI=Y", "0", "D782", true, ""},
		{"9900302.00", "99", "00302.00", "", "", "", false, "9900302.00"},
		{"1720210814    083455AOi|ABx|AY10AZ0000", "17", "20210814    083455", "AO=i AB=x", "10", "0000", false, ""},
	}
	for _, tt := range tests {
		m := parseMessage(tt.raw)
		var fields []string
		for _, f := range m.fields {
			fields = append(fields, f.id+"="+f.value)
		}
		if m.code != tt.code || m.fixed != tt.fixed || strings.Join(fields, " ") != tt.fields || m.seqText != tt.seq || m.sum != tt.sum || m.checksumOK() != tt.sumOK {
			t.Errorf("%q: code %q fixed %q fields %q seq %q sum %q ok %v", tt.raw, m.code, m.fixed, fields, m.seqText, m.sum, m.checksumOK())
		}
		if tt.content != "" && m.content() != tt.content {
			t.Errorf("%q: content %q, want %q", tt.raw, m.content(), tt.content)
		}
	}
}

// TestCheckFixed pins the fixed-field grammar on good and bad parts.
func TestCheckFixed(t *testing.T) {
	tests := []struct {
		code, fixed string
		bad         string // "" for a good part, else a piece of the complaint
	}{
		{"11", "YN20261127    101500                  ", ""},
		{"11", "YN20261127   Z10150020261211   Z235900", ""},
		{"11", "YN20261127    1015002026121", "fixed part is"},
		{"11", "XN20261127    101500                  ", "SC renewal policy"},
		{"11", "YN2026-11-27 10:15:0                  ", "transaction date"},
		{"11", "YN20261127000010150020261211    235900", "zone"},
		{"11", "YN20261331    101500                  ", "not a valid date"},
		{"09", "N20261127    101500                  ", "blank; a date is required"},
		{"99", "00302.00", ""},
		{"99", "30302.00", "status code"},
		{"99", "0030200 ", "protocol version"},
		{"63", "00120261127    101500Y  Y      ", "more than one Y"},
		{"15", "+20261127    101500", ""},
		{"15", "?20261127    101500", "hold mode"},
		{"37", "20261127    1015000100usd", "currency type"},
	}
	for _, tt := range tests {
		got := requestSpecs[tt.code].checkFixed(tt.fixed)
		if (tt.bad == "") != (got == "") || !strings.Contains(got, tt.bad) {
			t.Errorf("%s %q: %q, want %q", tt.code, tt.fixed, got, tt.bad)
		}
	}
}
