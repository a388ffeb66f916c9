package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/internal/ilssim"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestBenchNCIP loads the simulated library's NCIP side (what "lockergate
// ils-sim" serves), whose patron and item are the flags' defaults.
func TestBenchNCIP(t *testing.T) {
	srv := httptest.NewServer(ilssim.Handler(sip2mem.NewDemo()))
	defer srv.Close()
	for _, svc := range []string{"LookupUser", "CheckOutItem"} {
		code, out, errs := runNCIPCmd(t, "bench", "ncip", "--url", srv.URL, "--conc", "2", "--duration", "300ms", "--service", svc)
		if code != 0 || !strings.Contains(out, "requests ") || !strings.Contains(out, "errors 0") || !strings.Contains(out, "p99") {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s", svc, code, out, errs)
		}
	}
	code, out, errs := runNCIPCmd(t, "bench", "ncip", "--url", srv.URL, "--conc", "2", "--duration", "300ms", "--rate", "100")
	if code != 0 || !strings.Contains(out, "paced at 100/s") || !strings.Contains(out, "errors 0") {
		t.Errorf("paced: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if code, _, errs := runNCIPCmd(t, "bench", "ncip", "--url", srv.URL, "--rate", "-5"); code != 2 || !strings.Contains(errs, "--rate") {
		t.Errorf("negative rate: exit %d %s", code, errs)
	}
	// Problems count as errors, by kind.
	code, out, _ = runNCIPCmd(t, "bench", "ncip", "--url", srv.URL, "--conc", "1", "--duration", "200ms", "--user", "nobody")
	if code != 0 || strings.Contains(out, "errors 0") || !strings.Contains(out, "Unknown User") {
		t.Errorf("unknown user bench: exit %d\n%s", code, out)
	}
	code, _, errs = runNCIPCmd(t, "bench", "ncip", "--url", srv.URL, "--service", "Nope")
	if code != 2 || !strings.Contains(errs, "unknown --service") {
		t.Errorf("bad service: exit %d %s", code, errs)
	}
}
