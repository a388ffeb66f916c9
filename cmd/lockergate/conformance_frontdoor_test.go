package main

// The project's own conformance suites run against the gateway's front
// doors, as a vendor or a library would run them: "lockergate conformance
// sip2-server" against the SIP2 front door and "lockergate conformance
// ncip" against /ncip, on the end-to-end harness (newApp as serve builds
// it, the simulated library behind it). Every case's verdict is asserted:
// a case that cannot pass through a proxying gateway would be listed in
// the test's expectations with its reason (there is none today).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/conformance/report"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// readReport reads a JSON conformance report.
func readReport(t *testing.T, path string) report.JSONReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the JSON report: %v", err)
	}
	var r report.JSONReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("the JSON report: %v", err)
	}
	return r
}

// checkVerdicts checks every case of the report: the verdict in expect
// (with its reason) or "pass". The whole suite must have run.
func checkVerdicts(t *testing.T, r report.JSONReport, cases int, expect map[string]string) {
	t.Helper()
	if len(r.Cases) != cases || r.Pattern != "" || r.Interrupted {
		t.Errorf("the report has %d cases (pattern %q, interrupted %v), want all %d", len(r.Cases), r.Pattern, r.Interrupted, cases)
	}
	if !r.Passed {
		t.Error("the report says the implementation did not pass")
	}
	for _, c := range r.Cases {
		want := "pass"
		if v, ok := expect[c.ID]; ok {
			want, _, _ = strings.Cut(v, ":")
		}
		if c.Verdict != want {
			t.Errorf("%s [%s] %q: %s, want %s: %s %s", c.ID, c.Level, c.Title, c.Verdict, want, c.Message, c.Actual)
		}
	}
}

// checkNotShown fails the test if a secret is in the command's output.
func checkNotShown(t *testing.T, output string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(output, s) {
			t.Errorf("the conformance run's output shows a secret (%d characters)", len(s))
		}
	}
}

// TestConformanceSIP2FrontDoor runs the sip2server suite (76 cases)
// against the SIP2 front door, logged in with the door's station account.
// Its location (CP, and AP of every checkin) is the bank's, so the
// suite's checkins are locker loads through the hold-pickup workflow
// (the checked-out item has no hold: checked in, CV 99; the held item
// goes into a compartment) and everything else passes through to the
// library. Patrons and items come from the simulated library: P0008 may
// borrow, I0002 is on the shelf, I0012 has a hold for P0007, P0003 is
// blocked.
func TestConformanceSIP2FrontDoor(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{sip2Door: true})
		g := w.start("gw-1")
		pin := e2ePIN("P0008")
		js := filepath.Join(t.TempDir(), "sip2.json")
		code, out, errs := runSIP2Cmd(t, "conformance", "sip2-server", "--addr", g.a.doorURL,
			"--user", e2eDoorLogin, "--password", e2eDoorPassword,
			"--institution", sip2mem.DemoInstitution, "--location", sip2mem.DemoBranch, // the bank's location code
			"--patron", "P0008", "--pin", pin, "--item", "I0002", "--hold-item", "I0012",
			"--blocked-patron", "P0003", "--exchange-timeout", "10s", "--idle", "100ms", "--timeout", "30s",
			"--json", js, "--quiet")
		if code != 0 || !strings.Contains(out, "PASSED") {
			t.Errorf("conformance sip2-server against the front door: exit %d\n%s\n%s\nlog:\n%s", code, out, errs, w.log.tail())
		}
		rep := readReport(t, js)
		checkVerdicts(t, rep, 76, nil)
		b, _ := os.ReadFile(js)
		checkNotShown(t, out+errs+string(b), e2eDoorPassword, pin)

		// The held item's checkin at the bank's location loaded it for
		// its patron, and the suite's checkout was undone.
		var rs []apiReservation
		g.must(t, 200, "GET", "/api/v1/reservations?patron=P0007", e2eStaff, nil, &rs)
		if len(rs) != 1 || len(rs[0].Items) != 1 || rs[0].Items[0].Item != "I0012" || rs[0].Items[0].State != "loading" {
			t.Errorf("P0007's reservations after the suite: %+v, want I0012 being loaded", rs)
		}
		if loans := e2eLoansOf(w.lib, "I0002"); len(loans) != 0 {
			t.Errorf("I0002 is still on loan to %v after the suite", loans)
		}
		w.checkSecrets(t, g)
	})
}

// TestConformanceNCIPFrontDoor runs the ncipresponder suite (46 cases)
// against the gateway's /ncip as the ILL partner (its token in the
// Authorization header, its agency as FromAgencyId). The suite's
// AcceptItems name no PickupLocation (the suite does not let one choose
// it), so they are not locker loans: they, the circulation and the
// lookups pass through to the simulated library's NCIP responder. (With
// a locker pickup location the ILL lifecycle could not pass as the suite
// plays it: the patron checks the item out at the locker, and the
// gateway answers an ILL system's CheckOutItem before that with "Resource
// Cannot Be Provided".) ToAgencyId is the library's agency, DEMO: a
// partner pointed at the gateway instead of the library keeps addressing
// the library, and lookup-agency/1 asks the library about that agency.
func TestConformanceNCIPFrontDoor(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{ncip: "ncip"})
		g := w.start("gw-1")
		pin := e2ePIN("P0008")
		js := filepath.Join(t.TempDir(), "ncip.json")
		code, out, errs := runNCIPCmd(t, "conformance", "ncip", "--url", g.url+"/ncip",
			"--auth", "token:"+e2ePartnerToken, "--auth", "input:P0008:"+pin,
			"--user", "P0008", "--item", "I0001", "--from-agency", e2ePartner, "--to-agency", sip2mem.DemoInstitution,
			"--timeout", "30s", "--request-timeout", "10s", "--json", js, "--quiet")
		if code != 0 || !strings.Contains(out, "PASSED") {
			t.Errorf("conformance ncip against the front door: exit %d\n%s\n%s\nlog:\n%s", code, out, errs, w.log.tail())
		}
		rep := readReport(t, js)
		checkVerdicts(t, rep, 46, nil)
		b, _ := os.ReadFile(js)
		checkNotShown(t, out+errs+string(b), e2ePartnerToken, pin)

		// The front door passes a partner's document to the library as
		// it came (ncipdoor's package doc): the suite's deliberately
		// incomplete message (problem/4) and its lenient forms (a bare
		// or missing version attribute, no namespace, a byte-order mark)
		// reach the library unchanged, and the relay, which checks what
		// the gateway sends, finds them invalid. Those, and only those
		// byte for byte, are the suite's own; anything else the relay
		// found stays for the world's check.
		var sent []string
		for _, c := range rep.Cases {
			for _, e := range c.Evidence {
				if _, body, ok := strings.Cut(e.Data, "\n\n"); e.Dir == "sent" && ok && strings.Contains(body, "<") {
					sent = append(sent, body)
				}
			}
		}
		relay := w.ils.ncip
		relay.mu.Lock()
		var kept []string
		passed := 0
		for _, m := range relay.invalid {
			ours := false
			for _, body := range sent {
				if strings.HasSuffix(m, "\n"+body) {
					ours = true
					break
				}
			}
			if ours {
				passed++
			} else {
				kept = append(kept, m)
			}
		}
		relay.invalid = kept
		relay.mu.Unlock()
		if passed == 0 {
			t.Error("no invalid document of the suite reached the library: was nothing passed through unchanged?")
		}

		// Everything went to the library: the gateway awaits no ILL
		// item of its own.
		for _, svc := range []string{"LookupUser", "LookupItem", "AcceptItem", "CheckOutItem", "RenewItem", "CheckInItem",
			"RequestItem", "CancelRequestItem", "DeleteItem", "LookupAgency"} {
			if relay.count(svc) == 0 {
				t.Errorf("no %s reached the library", svc)
			}
		}
		var ills []json.RawMessage
		g.must(t, 200, "GET", "/api/v1/ill/requests", e2eStaff, nil, &ills)
		if len(ills) != 0 {
			t.Errorf("the gateway holds %d ILL requests after the suite, want none: %s", len(ills), ills)
		}
		// Nothing changed in the gateway, so its audit log is empty and
		// checkSecrets does not apply: the log is checked here.
		w.mu.Lock()
		secrets := append([]string{e2ePartnerToken}, w.secrets...)
		w.mu.Unlock()
		if log := w.log.String(); !strings.Contains(log, "passed through to the library system") {
			t.Errorf("the log does not show the pass-through:\n%s", w.log.tail())
		} else {
			for _, s := range secrets {
				if strings.Contains(log, s) {
					t.Errorf("the log shows a secret (%d characters)", len(s))
				}
			}
		}
	})
}
