package sip2_test

import (
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

// filterSession is a session with hold and renew whose ACS behind it
// serves what bx says (a gateway in front of an ILS).
type filterSession struct {
	*holdSession
	bx sip2.SupportedMessages
}

func (s *filterSession) Supported() sip2.SupportedMessages { return s.bx }

type filterBackend struct {
	*testBackend
	bx sip2.SupportedMessages
}

func (b *filterBackend) NewSession(c *sip2.Conn) (sip2.Session, error) {
	return &filterSession{holdSession: &holdSession{&testSession{b: b.testBackend, c: c}}, bx: b.bx}, nil
}

// TestServerSupportFilter: a SupportFilterSession narrows BX to what the
// ACS behind it serves, and can never widen it beyond what the session
// implements.
func TestServerSupportFilter(t *testing.T) {
	all := sip2.SupportedMessages(0xFFFF)
	tests := []struct {
		name   string
		bx     sip2.SupportedMessages
		wantBX string
	}{
		// Order: patron status, checkout, checkin, block patron, status,
		// resend, login, patron info, end session, fee paid, item info,
		// item status update, patron enable, hold, renew, renew all.
		{"behind an ACS serving everything", all, "YYYNYYYYNNYNNYYN"},
		{"behind an ACS without renew", all &^ sip2.SupportsRenew, "YYYNYYYYNNYNNYNN"},
		{"behind an ACS serving the core only", sip2.SupportsPatronStatus | sip2.SupportsCheckout | sip2.SupportsCheckin |
			sip2.SupportsSCStatus | sip2.SupportsResend | sip2.SupportsLogin | sip2.SupportsPatronInformation | sip2.SupportsItemInformation,
			"YYYNYYYYNNYNNNNN"},
		{"nothing", 0, "NNNNNNNNNNNNNNNN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr, _ := startServer(t, &filterBackend{testBackend: newTestBackend(), bx: tt.bx})
			c := dialRaw(t, addr)
			c.login()
			c.send(ed("9900302.00AY1AZ"))
			want := ed("98YYYNNN10000320261126   Z2256492.00AOUWOLS|BX" + tt.wantBX + "|AY1AZ")
			if got := c.recv(); got != want {
				t.Errorf("99 → %q, want %q", got, want)
			}
		})
	}
}
