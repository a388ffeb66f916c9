package main

import (
	"context"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// startILSSim runs "lockergate ils-sim" in-process with SIP2 and NCIP on
// 127.0.0.1:0 (args may override either) and returns the SIP2 address it
// printed, its output and a stop function returning the exit status. The
// NCIP URL it printed is ilsSimNCIPURL(out).
func startILSSim(t *testing.T, args ...string) (addr string, out, errs *syncbuf.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"ils-sim", "--sip2", "127.0.0.1:0", "--ncip", "127.0.0.1:0"}, args...), &env{stdin: strings.NewReader(""), stdout: out, stderr: errs})
	}()
	// The running line comes after both addresses.
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(ilsSimListening) + `(\S+).*ils-sim: running`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("ils-sim exited %d before listening:\n%s\n%s", code, out, errs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("ils-sim never printed its address:\n%s\n%s", out, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ils-sim did not stop within 10s of its context ending")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return addr, out, errs, stop
}

// ilsSimNCIPURL is the NCIP URL ils-sim printed, or "".
func ilsSimNCIPURL(out *syncbuf.Buffer) string {
	m := regexp.MustCompile(regexp.QuoteMeta(ilsSimNCIPListening) + `(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		return ""
	}
	return m[1]
}

func TestILSSim(t *testing.T) {
	addr, out, errs, stop := startILSSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Codec:   sip2.Options{ErrorDetection: true},
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	})
	if err != nil {
		t.Fatalf("dial and log in: %v", err)
	}
	defer c.Close()
	resp, err := c.Checkout(ctx, &sip2.CheckoutRequest{
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution, PatronID: "P0008", ItemID: "I0001",
	})
	if err != nil || !resp.OK {
		t.Fatalf("checkout: %v %+v", err, resp)
	}
	// The same item again is refused: the simulator keeps state.
	resp, err = c.Checkout(ctx, &sip2.CheckoutRequest{
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution, PatronID: "P0011", ItemID: "I0001",
	})
	if err != nil || resp.OK {
		t.Fatalf("second checkout of I0001: %v %+v", err, resp)
	}
	c.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out, errs)
	}
	o := out.String()
	for _, want := range []string{
		"(tcp)", "locker1", "institution DEMO", "P0003  Alan Turing", "blocked: charging denied (\"Borrowing suspended", "P0009  John Backus           blocked: charging denied, fines",
		"P0001  I0010", "waiting on the hold shelf", "I0005 to P0002", "stopped after 1 checkouts",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
}

func TestILSSimExtraAccount(t *testing.T) {
	t.Setenv("ILSSIM_TEST_PW", "extra-pass-secret")
	addr, out, errs, stop := startILSSim(t, "--user", "kiosk9", "--password-env", "ILSSIM_TEST_PW", "--location", "EAST")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: "kiosk9", LoginPassword: "extra-pass-secret"},
	})
	if err != nil {
		t.Fatalf("log in with the added account: %v", err)
	}
	c.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String()+errs.String(), "extra-pass-secret") {
		t.Error("the --password-env password was printed")
	}
	if !strings.Contains(out.String(), "kiosk9") {
		t.Errorf("the added login is not listed:\n%s", out)
	}
}

func TestILSSimUsage(t *testing.T) {
	for _, args := range [][]string{
		{"ils-sim", "--sip2", "nohost"},
		{"ils-sim", "--user", "u"},
		{"ils-sim", "--password", "p"},
		{"ils-sim", "--tls-cert", "c.pem"},
		{"ils-sim", "--user", "u", "--password-env", "ILSSIM_UNSET_VAR_X"},
		{"ils-sim", "stray"},
	} {
		code, _, errs := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(errs, "lockergate ils-sim") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	// A port in use is an error, not a hang.
	addr, _, _, _ := startILSSim(t)
	code, _, errs := runCmd(t, "", "ils-sim", "--sip2", addr)
	if code != 1 || !strings.Contains(errs, "listen on") {
		t.Errorf("busy port: exit %d, %q", code, errs)
	}
}

// dialSimSIP2 logs in to the simulated ILS's SIP2 side as the demo login.
func dialSimSIP2(t *testing.T, ctx context.Context, addr string) *sip2.Client {
	t.Helper()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Codec:   sip2.Options{ErrorDetection: true},
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	})
	if err != nil {
		t.Fatalf("dial and log in: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestILSSimBothProtocols: ils-sim serves one library over SIP2 and NCIP.
// A SIP2 checkout is on loan through NCIP LookupItem, an NCIP checkout is
// charged through SIP2, and an ILL item accepted over NCIP is checked out
// and in over SIP2; the closing counts add both protocols up. Ctrl-C stops
// both servers.
func TestILSSimBothProtocols(t *testing.T) {
	addr, out, errs, stop := startILSSim(t)
	url := ilsSimNCIPURL(out)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/ncip") {
		t.Fatalf("NCIP URL %q\n%s", url, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nc := ncipclient.New(url, ncipclient.Options{Timeout: 5 * time.Second})
	sc := dialSimSIP2(t, ctx, addr)
	now := sip2.NewTime(time.Now())

	// SIP2 lends, NCIP sees it.
	if r, err := sc.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, PatronID: "P0008", ItemID: "I0001"}); err != nil || !r.OK {
		t.Fatalf("SIP2 checkout: %v %+v", err, r)
	}
	li, err := nc.LookupItem(ctx, &ncip.LookupItem{ItemID: &ncip.ItemID{ItemIdentifierValue: "I0001"}, CurrentBorrowerDesired: true})
	if err != nil || li.ItemOptionalFields == nil || !li.ItemOptionalFields.CirculationStatus.Is("On Loan") ||
		li.ItemTransaction == nil || li.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue != "P0008" {
		t.Fatalf("NCIP LookupItem of the SIP2 loan: %v %+v", err, li)
	}

	// NCIP lends, SIP2 sees it.
	if _, err := nc.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: &ncip.UserID{UserIdentifierValue: "P0011"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I0002"}}); err != nil {
		t.Fatalf("NCIP CheckOutItem: %v", err)
	}
	ii, err := sc.ItemInformation(ctx, &sip2.ItemInformationRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, ItemID: "I0002"})
	if err != nil || ii.CirculationStatus != sip2mem.StatusCharged || ii.DueDate == "" {
		t.Fatalf("SIP2 item information of the NCIP loan: %v %+v", err, ii)
	}
	if r, err := sc.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, PatronID: "P0012", ItemID: "I0002"}); err != nil || r.OK {
		t.Fatalf("SIP2 checkout of an item NCIP lent to another patron: %v %+v", err, r)
	}

	// An ILL item accepted over NCIP circulates over SIP2.
	if _, err := nc.AcceptItem(ctx, &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: "ILL-1"}, RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID: &ncip.UserID{UserIdentifierValue: "P0012"}, ItemID: &ncip.ItemID{ItemIdentifierValue: "ILL1"}, PickupLocation: ncip.SV(sip2mem.DemoBranch),
		ItemOptionalFields: &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: "Borrowed Book"}}}); err != nil {
		t.Fatalf("NCIP AcceptItem: %v", err)
	}
	if r, err := sc.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, PatronID: "P0008", ItemID: "ILL1"}); err != nil || r.OK {
		t.Fatalf("SIP2 checkout of P0012's ILL item by P0008: %v %+v", err, r)
	}
	if r, err := sc.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, PatronID: "P0012", ItemID: "ILL1"}); err != nil || !r.OK || r.TitleID != "Borrowed Book" {
		t.Fatalf("SIP2 checkout of the ILL item: %v %+v", err, r)
	}
	if r, err := sc.Checkin(ctx, &sip2.CheckinRequest{TransactionDate: now, ReturnDate: now, CurrentLocation: sip2mem.DemoBranch, InstitutionID: sip2mem.DemoInstitution, ItemID: "ILL1"}); err != nil || !r.OK || r.PatronID != "P0012" {
		t.Fatalf("SIP2 checkin of the ILL item: %v %+v", err, r)
	}
	if _, err := nc.DeleteItem(ctx, &ncip.DeleteItem{ItemID: ncip.ItemID{ItemIdentifierValue: "ILL1"}}); err != nil {
		t.Fatalf("NCIP DeleteItem: %v", err)
	}
	if r, err := sc.ItemInformation(ctx, &sip2.ItemInformationRequest{TransactionDate: now, InstitutionID: sip2mem.DemoInstitution, ItemID: "ILL1"}); err != nil || r.TitleID != "" || r.CirculationStatus != sip2mem.StatusMissing {
		t.Fatalf("SIP2 item information of the deleted ILL item: %v %+v", err, r)
	}
	// NCIP returns the SIP2 loan.
	ci, err := nc.CheckInItem(ctx, &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: "I0001"}})
	if err != nil || ci.UserID == nil || ci.UserID.UserIdentifierValue != "P0008" {
		t.Fatalf("NCIP CheckInItem of the SIP2 loan: %v %+v", err, ci)
	}

	sc.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out, errs)
	}
	if o := out.String(); !strings.Contains(o, "stopped after 3 checkouts, 2 checkins") {
		t.Errorf("the closing counts do not add up both protocols:\n%s", o)
	}
	// Both servers are down.
	if _, err := nc.LookupItem(context.Background(), &ncip.LookupItem{ItemID: &ncip.ItemID{ItemIdentifierValue: "I0001"}}); err == nil {
		t.Error("NCIP still answers after ils-sim stopped")
	}
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		c.Close()
		t.Error("SIP2 still accepts connections after ils-sim stopped")
	}
}

// TestILSSimNCIPOptions: --ncip off serves SIP2 alone; a bad --ncip is a
// usage error; a busy NCIP port is an error that leaves nothing running.
func TestILSSimNCIPOptions(t *testing.T) {
	_, out, _, stop := startILSSim(t, "--ncip", "off")
	if u := ilsSimNCIPURL(out); u != "" {
		t.Errorf("--ncip off printed an NCIP URL %q", u)
	}
	if strings.Contains(out.String(), "conformance ncip") {
		t.Errorf("--ncip off suggests NCIP commands:\n%s", out)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}

	code, _, errs := runCmd(t, "", "ils-sim", "--sip2", "127.0.0.1:0", "--ncip", "6002")
	if code != 2 || !strings.Contains(errs, "--ncip") {
		t.Errorf("bad --ncip: exit %d, %q", code, errs)
	}

	_, out2, _, _ := startILSSim(t)
	busy := strings.TrimSuffix(strings.TrimPrefix(ilsSimNCIPURL(out2), "http://"), "/ncip")
	code, _, errs = runCmd(t, "", "ils-sim", "--sip2", "127.0.0.1:0", "--ncip", busy)
	if code != 1 || !strings.Contains(errs, "--ncip") {
		t.Errorf("busy NCIP port: exit %d, %q", code, errs)
	}
}

// TestILSSimNCIPConformance runs the documented example: "lockergate
// conformance ncip" against ils-sim's NCIP side passes every case.
func TestILSSimNCIPConformance(t *testing.T) {
	_, out, _, _ := startILSSim(t)
	url := ilsSimNCIPURL(out)
	if !strings.Contains(out.String(), "lockergate conformance ncip --url "+url+" --user P0008 --item I0001 --to-agency DEMO") {
		t.Fatalf("ils-sim does not suggest the conformance run:\n%s", out)
	}
	t.Setenv("LG_TEST_SIM_AUTH", "input:P0008:4321")
	code, rep, errs := runNCIPCmd(t, "conformance", "ncip", "--url", url, "--user", "P0008", "--item", "I0001", "--to-agency", "DEMO",
		"--auth-env", "LG_TEST_SIM_AUTH", "--timeout", "10s", "--request-timeout", "5s")
	if code != 0 || !strings.Contains(rep, "PASSED") || !strings.Contains(rep, "46 pass") {
		t.Errorf("conformance ncip against ils-sim: exit %d\nstdout:\n%s\nstderr:\n%s", code, rep, errs)
	}
	if strings.Contains(rep+errs, "4321") {
		t.Error("the report shows the patron's PIN")
	}
}
