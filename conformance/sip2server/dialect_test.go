package sip2server

import (
	"strings"
	"testing"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// observed returns what case id observed.
func observed(rep *conformance.Report, id string) []string {
	var out []string
	for _, e := range result(rep, id).Evidence {
		if e.Dir == conformance.Observed {
			out = append(out, e.Data)
		}
	}
	return out
}

// TestDialectObservations: every profile case reports what it found as an
// observation (which reports show beside the verdict), and a Koha-like
// ACS is reported as such, as a note and not as a failure of the run.
func TestDialectObservations(t *testing.T) {
	srv := sip2test.NewServer(t, sip2mem.NewDemo())
	rep := runSuite(t, demoConfig(srv.Addr), "dialect")
	for _, res := range rep.Results {
		if res.Verdict != conformance.Pass {
			t.Errorf("%s: %s %s", res.Case.ID, res.Verdict, res.Message)
		}
		if len(observed(rep, res.Case.ID)) == 0 {
			t.Errorf("%s observed nothing:%s", res.Case.ID, describe(rep, func(r conformance.Result) bool { return r.Case == res.Case }))
		}
		if !strings.HasPrefix(res.Case.Source, "sip2.md §") {
			t.Errorf("%s cites %q, not the sip2.md passage it reports on", res.Case.ID, res.Case.Source)
		}
	}
	if got := strings.Join(observed(rep, "dialect/1"), "; "); !strings.HasPrefix(got, "terminator: CR,") {
		t.Errorf("dialect/1 on the reference observed %q", got)
	}

	// Koha's default account: CRLF after every response.
	crlf := &relay{response: func(_ *relayConn, _, resp string) string { return resp + "\r\n" }}
	addr := crlf.start(t, sip2test.NewServer(t, sip2mem.NewDemo()).Addr)
	rep = runSuite(t, demoConfig(addr), "dialect/1,framing/5")
	if got := strings.Join(observed(rep, "dialect/1"), "; "); !strings.Contains(got, "CRLF") || !strings.Contains(got, "Koha") {
		t.Errorf("dialect/1 behind a CRLF relay observed %q", got)
	}
	if res := result(rep, "dialect/1"); res.Verdict != conformance.Pass {
		t.Errorf("dialect/1 behind a CRLF relay: %s, want pass with a note", res.Verdict)
	}
	if !rep.Passed() || result(rep, "framing/5").Verdict != conformance.Fail {
		t.Errorf("CRLF is a Should failure (framing/5) that leaves the run passed; got passed %v, framing/5 %s", rep.Passed(), result(rep, "framing/5").Verdict)
	}
}
