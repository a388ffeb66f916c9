package sip2server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// fullSession is every session interface sip2mem implements, so that a
// wrapper embedding it keeps the reference's BX.
type fullSession interface {
	sip2.HoldSession
	sip2.RenewSession
	sip2.RenewAllSession
	sip2.FeePaidSession
	sip2.PatronEnableSession
	sip2.ItemStatusUpdateSession
	sip2.EndPatronSessionSession
	sip2.BlockPatronSession
}

// noopCheckout answers every checkout ok without lending anything.
type noopCheckout struct{ fullSession }

func (noopCheckout) Checkout(_ context.Context, req *sip2.CheckoutRequest) (*sip2.CheckoutResponse, error) {
	return &sip2.CheckoutResponse{OK: true, MagneticMedia: sip2.TernaryUnknown, Desensitize: sip2.TernaryYes,
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: req.InstitutionID, PatronID: req.PatronID,
		ItemID: req.ItemID, TitleID: "Some title", DueDate: sip2.NewTime(time.Now().AddDate(0, 0, 14)).String()}, nil
}

// noopCheckin answers every checkin ok without returning anything.
type noopCheckin struct{ fullSession }

func (noopCheckin) Checkin(_ context.Context, req *sip2.CheckinRequest) (*sip2.CheckinResponse, error) {
	return &sip2.CheckinResponse{OK: true, Resensitize: true, MagneticMedia: sip2.TernaryUnknown,
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: req.InstitutionID, ItemID: req.ItemID,
		PermanentLocation: "MAIN"}, nil
}

// wrap returns a backend whose sessions are the demo library's, wrapped.
func wrap(lib *sip2mem.Library, w func(fullSession) sip2.Session) sip2.Backend {
	return sip2.BackendFunc(func(c *sip2.Conn) (sip2.Session, error) {
		s, err := lib.NewSession(c)
		if err != nil {
			return nil, err
		}
		return w(s.(fullSession)), nil
	})
}

// onResponse builds a relay that rewrites the responses of one command.
func onResponse(cmd sip2.Command, f func(req, resp string) string) relay {
	return relay{response: func(_ *relayConn, req, resp string) string {
		if strings.HasPrefix(resp, string(cmd)) {
			resp = f(req, resp)
		}
		return resp + "\r"
	}}
}

// replaceField rewrites the first field id's value with f, resealing.
func replaceField(resp, id string, f func(string) string) string {
	i := strings.Index(resp, "|"+id)
	start := i + 1
	if i < 0 {
		return resp
	}
	end := strings.IndexByte(resp[start:], '|')
	if end < 0 {
		return resp
	}
	end += start
	return reseal(resp[:start+2] + f(resp[start+2:end]) + resp[end:])
}

// broken is the table of deliberately broken ACSs and the cases that must
// catch each. A suite that cannot fail is worthless (issue 7).
var broken = []struct {
	name    string
	relay   *relay                              // in front of the reference server, or
	backend func(*sip2mem.Library) sip2.Backend // a wrapped reference backend
	fail    []string                            // case IDs that must fail
}{
	{name: "wrong checksum", fail: []string{"framing/2"}, relay: &relay{response: func(_ *relayConn, _, resp string) string {
		return resp[:len(resp)-4] + flipHex(resp[len(resp)-4:]) + "\r"
	}}},
	{name: "no AY echo", fail: []string{"framing/3"}, relay: &relay{response: func(_ *relayConn, _, resp string) string {
		if loc := ayAZ.FindStringIndex(resp); loc != nil {
			resp = reseal(resp[:loc[0]] + resp[loc[0]+3:])
		}
		return resp + "\r"
	}}},
	{name: "fixed part of 12 one character short", fail: []string{"checkout-11/1", "checkout-11/2"},
		relay: ptr(onResponse(sip2.CmdCheckoutResponse, func(_, resp string) string { return reseal(resp[:10] + resp[11:]) }))},
	{name: "24 without AO", fail: []string{"patron-status-23/1", "patron-status-23/2"},
		relay: ptr(onResponse(sip2.CmdPatronStatusResponse, func(_, resp string) string {
			i := strings.Index(resp, "AO")
			j := strings.IndexByte(resp[i:], '|')
			return reseal(resp[:i] + resp[i+j+1:])
		}))},
	{name: "no 96 for a bad checksum", fail: []string{"robustness/1"}, relay: &relay{request: func(_ *relayConn, msg string) (string, string) {
		return reseal(msg), ""
	}}},
	{name: "97 not honoured", fail: []string{"robustness/8"}, relay: &relay{request: func(_ *relayConn, msg string) (string, string) {
		if strings.HasPrefix(msg, "97") {
			return "", "96AZFEF6\r"
		}
		return msg, ""
	}}},
	{name: "duplicate executed twice", fail: []string{"robustness/9"}, relay: &relay{
		request: func(c *relayConn, msg string) (string, string) {
			c.restoreAY = -1
			dup := msg == c.prev
			c.prev = msg
			if n := seqOf(msg); dup && n >= 0 {
				// Defeat the server's replay: a different AY makes it a new request.
				c.restoreAY = n
				return withSeq(msg, (n+5)%10), ""
			}
			return msg, ""
		},
		response: func(c *relayConn, _, resp string) string {
			if c.restoreAY >= 0 {
				resp = withSeq(resp, c.restoreAY)
			}
			return resp + "\r"
		},
	}},
	{name: "CRLF terminator", fail: []string{"framing/5"}, relay: &relay{response: func(_ *relayConn, _, resp string) string {
		return resp + "\r\n"
	}}},
	{name: "LF terminator", fail: []string{"framing/4"}, relay: &relay{response: func(_ *relayConn, _, resp string) string {
		return resp + "\n"
	}}},
	{name: "BX of 15 flags", fail: []string{"status-99/1"},
		relay: ptr(onResponse(sip2.CmdACSStatus, func(_, resp string) string {
			return replaceField(resp, "BX", func(v string) string { return v[:15] })
		}))},
	{name: "ISO date in 18", fail: []string{"item-info-17/1", "item-info-17/2"},
		relay: ptr(onResponse(sip2.CmdItemInformationResponse, func(_, resp string) string {
			return reseal(resp[:8] + time.Now().Format("2006-01-02 15:04:0") + resp[26:])
		}))},
	{name: "| inside a value", fail: []string{"robustness/5", "patron-status-23/1"},
		relay: ptr(onResponse(sip2.CmdPatronStatusResponse, func(_, resp string) string {
			return replaceField(resp, "AE", func(v string) string { return strings.Replace(v, " ", "|", 1) })
		}))},
	{name: "checkout that lends nothing", fail: []string{"semantics/1"},
		backend: func(lib *sip2mem.Library) sip2.Backend {
			return wrap(lib, func(s fullSession) sip2.Session { return noopCheckout{s} })
		}},
	{name: "checkin that returns nothing", fail: []string{"semantics/2"},
		backend: func(lib *sip2mem.Library) sip2.Backend {
			return wrap(lib, func(s fullSession) sip2.Session { return noopCheckin{s} })
		}},
	{name: "wrong PIN accepted", fail: []string{"semantics/8", "semantics/9"}, relay: &relay{response: func(_ *relayConn, _, resp string) string {
		return reseal(strings.Replace(resp, "|CQN|", "|CQY|", 1)) + "\r"
	}}},
	{name: "unknown patron valid", fail: []string{"semantics/11", "semantics/12"},
		relay: ptr(onResponse(sip2.CmdPatronStatusResponse, func(_, resp string) string {
			return reseal(strings.Replace(resp, "|BLN|", "|BLY|", 1))
		}))},
	{name: "blocked patron may borrow", fail: []string{"semantics/13"},
		relay: ptr(onResponse(sip2.CmdCheckoutResponse, func(req, resp string) string {
			if aa, _ := fieldOf(req, "AA"); aa == "P0003" {
				resp = reseal("121" + resp[3:])
			}
			return resp
		}))},
	{name: "connection closed on a long field", fail: []string{"robustness/3", "robustness/4"},
		relay: &relay{request: func(c *relayConn, msg string) (string, string) {
			c.closeNow = len(msg) > 250
			return msg, ""
		}}},
	{name: "sequence number 0 after 9 refused", fail: []string{"robustness/2"},
		relay: &relay{request: func(c *relayConn, msg string) (string, string) {
			n := seqOf(msg)
			if c.lastAY == 9 && n == 0 {
				return "", "96AZFEF6\r"
			}
			c.lastAY = n
			return msg, ""
		}}},
	{name: "responses out of order", fail: []string{"framing/6"}, relay: &relay{swap: true}},
	{name: "counts in 64 not 4 digits", fail: []string{"patron-info-63/1"},
		relay: ptr(onResponse(sip2.CmdPatronInformationResponse, func(_, resp string) string {
			return reseal(resp[:37] + "1   " + resp[41:])
		}))},
	{name: "idle connection swallows requests", fail: []string{"robustness/6"},
		relay: &relay{request: func(c *relayConn, msg string) (string, string) {
			if time.Since(c.last) > 100*time.Millisecond {
				return "", ""
			}
			return msg, ""
		}}},
	{name: "no hold trap at checkin", fail: []string{"semantics/15"},
		relay: ptr(onResponse(sip2.CmdCheckinResponse, func(_, resp string) string {
			return reseal(resp[:5] + "N" + resp[6:])
		}))},
	{name: "wrong password accepted", fail: []string{"login-93/2"},
		relay: ptr(onResponse(sip2.CmdLoginResponse, func(_, resp string) string { return reseal("941" + resp[3:]) }))},
}

func ptr[T any](v T) *T { return &v }

func TestBrokenImplementationsAreCaught(t *testing.T) {
	if len(broken) < 15 {
		t.Fatalf("%d broken implementations; issue 7 asks for at least 15", len(broken))
	}
	ids := map[string]bool{}
	for _, c := range New(Config{}).Cases() {
		ids[c.ID] = true
	}
	for _, bc := range broken {
		if len(bc.fail) == 0 || (bc.relay == nil) == (bc.backend == nil) {
			t.Fatalf("%s: needs expected cases and exactly one of relay and backend", bc.name)
		}
		for _, id := range bc.fail {
			if !ids[id] {
				t.Fatalf("%s: no case %s in the suite", bc.name, id)
			}
		}
	}
	for _, bc := range broken {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			lib := sip2mem.NewDemo()
			be := sip2.Backend(lib)
			if bc.backend != nil {
				be = bc.backend(lib)
			}
			srv := sip2test.NewServer(t, be, func(s *sip2.Server) { s.ErrorLog = discard{} })
			addr := srv.Addr
			if bc.relay != nil {
				addr = bc.relay.start(t, srv.Addr)
			}
			cfg := demoConfig(addr)
			cfg.Timeout = time.Second
			rep := runSuite(t, cfg, "")
			mustCaught := false
			for _, id := range bc.fail {
				res := result(rep, id)
				if res.Verdict != conformance.Fail {
					t.Errorf("case %s: verdict %s, want fail%s", id, res.Verdict, describe(rep, func(r conformance.Result) bool { return r.Case.ID == id }))
				}
				mustCaught = mustCaught || res.Case.Level == conformance.Must
				// A failure shows the bytes that prove it.
				received := false
				for _, e := range res.Evidence {
					received = received || (e.Dir == conformance.Received && e.Data != "")
				}
				if !received && res.Verdict == conformance.Fail {
					t.Errorf("case %s failed without the received bytes in its evidence", id)
				}
			}
			if mustCaught && rep.Passed() {
				t.Errorf("a Must case failed but the report passed")
			}
		})
	}
}

// result returns the result of case id.
func result(rep *conformance.Report, id string) conformance.Result {
	for _, r := range rep.Results {
		if r.Case.ID == id {
			return r
		}
	}
	return conformance.Result{Case: &conformance.Case{ID: id}, Verdict: "missing"}
}

// discard is a sip2.Logger that drops the server's log lines, which the
// broken relays provoke by the dozen.
type discard struct{}

func (discard) Printf(string, ...any) {}
