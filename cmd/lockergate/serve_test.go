package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// startServe runs "lockergate serve" in-process on the zero-configuration
// setup with its data in dir, and returns the API's base URL (as the banner
// prints it) and a stop function returning the exit status.
func startServe(t *testing.T, dir string) (base string, out, errs *syncbuf.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, &env{stdin: strings.NewReader(""), stdout: out, stderr: errs})
	}()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not stop within 30s of its context ending:\n%s", out)
			return -1
		}
	}
	re := regexp.MustCompile(regexp.QuoteMeta(serveListening) + `(http://\S+)/api/v1 `)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, errs, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before listening:\n%s\n%s", code, out, errs)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no %q line within 30s:\n%s\n%s", serveListening, out, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// get sends a GET with an optional bearer token and returns the status and
// body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServeZeroConfig: serve with no configuration starts on the
// simulators, says so, answers on the address its banner gives with the
// tokens it wrote (mode 0600, never printed), keeps those tokens across a
// restart, and exits 0 when its context ends.
func TestServeZeroConfig(t *testing.T) {
	dir := t.TempDir()
	base, out, errs, stop := startServe(t, dir)
	for _, want := range []string{"running on embedded defaults", "SQLite " + filepath.Join(dir, "lockergate.db"), "bank LOCKER1", filepath.Join(dir, "tokens")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner does not say %q:\n%s", want, out)
		}
	}
	tokensFile := filepath.Join(dir, "tokens")
	fi, err := os.Stat(tokensFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", fi.Mode().Perm())
	}
	tokens := readTokens(t, tokensFile)
	if len(tokens) != 5 || tokens["kiosk"] == "" || tokens["staff"] == "" || tokens["admin"] == "" || tokens[demoNCIPToken] == "" || tokens[demoSIP2Password] == "" {
		t.Fatalf("tokens file holds %d entries, want kiosk, staff, admin, %s and %s", len(tokens), demoNCIPToken, demoSIP2Password)
	}
	if code, body := get(t, base+"/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz", ""); code != 200 {
		t.Errorf("/readyz: %d %s (the simulated ILS should answer)", code, body)
	}
	if code, _ := get(t, base+"/api/v1/banks", ""); code != 401 {
		t.Errorf("/api/v1/banks without a token: %d, want 401", code)
	}
	if code, body := get(t, base+"/api/v1/banks", tokens["staff"]); code != 200 || !strings.Contains(body, `"LOCKER1"`) {
		t.Errorf("/api/v1/banks with the staff token: %d %s", code, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after its context ended, want 0:\n%s", code, errs)
	}
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("no word of shutting down:\n%s", out)
	}
	for role, tok := range tokens {
		if strings.Contains(out.String()+errs.String(), tok) {
			t.Errorf("the %s token was printed", role)
		}
	}

	// A restart on the same data keeps the tokens the kiosks were given.
	base, _, errs, stop = startServe(t, dir)
	if again := readTokens(t, tokensFile); !maps.Equal(again, tokens) {
		t.Errorf("the tokens changed across a restart")
	}
	if code, _ := get(t, base+"/api/v1/banks", tokens["staff"]); code != 200 {
		t.Errorf("the first start's staff token is refused after a restart: %d", code)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after the restart's context ended:\n%s", code, errs)
	}
}

// readTokens reads the role-token lines of a tokens file.
func readTokens(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			tokens[f[0]] = f[1]
		}
	}
	return tokens
}

// TestServeUsage: serve's usage errors exit 2 naming the flag, before
// anything starts; a configuration file that cannot be read exits 1
// naming it.
func TestServeUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"serve", "--config", "x.yaml", "--data", t.TempDir()}, 2, "--data applies to the embedded defaults"},
		{[]string{"serve", "--listen", "nonsense", "--data", t.TempDir()}, 2, `--listen "nonsense"`},
		{[]string{"serve", "--listen", "127.0.0.1:99999", "--data", t.TempDir()}, 2, `--listen "127.0.0.1:99999"`},
		{[]string{"serve", "stray"}, 2, "lockergate serve"},
		{[]string{"serve", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, 1, "missing.yaml"},
	}
	for _, tt := range tests {
		code, out, errs := runCmd(t, "", tt.args...)
		if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.wantCode, tt.wantErr)
		}
		if strings.Contains(out, serveListening) || strings.Contains(errs, "ils-sim:") {
			t.Errorf("%v: started something before refusing:\n%s\n%s", tt.args, out, errs)
		}
	}
}

// waitFor polls the output until it holds want, for the banner's lines
// printed after the API's.
func waitFor(t *testing.T, out *syncbuf.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 30s:\n%s", want, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeFrontDoors: zero-configuration serve prints both front doors;
// an ILL system's AcceptItem with the tokens file's "ncip" token lands in
// the bank (and a wrong token is refused); a station logs in to the SIP2
// door with the "sip2" password and is served, a wrong one is refused;
// neither secret is printed.
func TestServeFrontDoors(t *testing.T) {
	dir := t.TempDir()
	base, out, errs, stop := startServe(t, dir)
	defer func() {
		if code := stop(); code != 0 {
			t.Errorf("exit %d:\n%s", code, errs)
		}
		for _, name := range []string{demoNCIPToken, demoSIP2Password} {
			if tok := readTokens(t, filepath.Join(dir, "tokens"))[name]; strings.Contains(out.String()+errs.String(), tok) {
				t.Errorf("the %q secret was printed", name)
			}
		}
	}()
	waitFor(t, out, "Ctrl-C to stop.")
	banner := out.String()
	if !strings.Contains(banner, serveNCIP+base+"/ncip ") {
		t.Errorf("the banner does not give the NCIP responder at %s/ncip:\n%s", base, banner)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(serveSIP2) + `(127\.0\.0\.1:\d+)\n`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner gives no SIP2 front door address:\n%s", banner)
	}
	for _, want := range []string{"NCIP partner " + demoPartner, `"` + demoNCIPToken + `" line of the tokens file`, "SIP2 door login " + demoSIP2Login, `"` + demoSIP2Password + `" line of the tokens file`} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner does not say %q:\n%s", want, banner)
		}
	}
	tokens := readTokens(t, filepath.Join(dir, "tokens"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The ILL system.
	accept := &ncip.AcceptItem{
		RequestID:           ncip.RequestID{RequestIdentifierValue: "SRV-1"},
		RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID:              &ncip.UserID{UserIdentifierValue: "P0008"},
		ItemID:              &ncip.ItemID{ItemIdentifierValue: "SRV0001"},
		ItemOptionalFields:  &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: "Middlemarch"}},
		PickupLocation:      ncip.SV(config.DemoBank),
	}
	partner := func(token string) *ncipclient.Client {
		return ncipclient.New(base+"/ncip", ncipclient.Options{Token: token, Timeout: 20 * time.Second, Retries: -1,
			Profile: ncipclient.Profile{FromAgency: demoPartner, ToAgency: demoAgency}})
	}
	_, err := partner("not-"+tokens[demoNCIPToken]).AcceptItem(ctx, accept)
	if p := (*ncip.Problem)(nil); !errors.As(err, &p) || p.Type.Value != string(ncip.ProblemTypeAgencyAuthenticationFailed) {
		t.Errorf("AcceptItem with a wrong token: %v, want Agency Authentication Failed", err)
	}
	resp, err := partner(tokens[demoNCIPToken]).AcceptItem(ctx, accept)
	if err != nil || resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != "SRV0001" {
		t.Fatalf("AcceptItem with the tokens file's token: %v %+v", err, resp)
	}
	code, body := get(t, base+"/api/v1/ill/requests/SRV-1", tokens["staff"])
	if code != 200 || !strings.Contains(body, `"bank":"`+config.DemoBank+`"`) || !strings.Contains(body, `"state":"awaited"`) || !strings.Contains(body, `"in_ils":true`) {
		t.Errorf("the ILL request after AcceptItem: %d %s", code, body)
	}
	code, body = post(t, base+"/api/v1/banks/"+config.DemoBank+"/loads", tokens["staff"], `{"item":"SRV0001"}`)
	if code != 201 || !strings.Contains(body, `"ill_request":"SRV-1"`) || !strings.Contains(body, `"patron":"P0008"`) {
		t.Errorf("the parcel scanned at the bank: %d %s, want it loaded for P0008", code, body)
	}

	// The SIP2 station.
	station := func(password string) (*sip2.Client, error) {
		return sip2.Dial(ctx, m[1], &sip2.ClientOptions{
			Login: &sip2.LoginRequest{LoginUserID: demoSIP2Login, LoginPassword: password},
			Codec: sip2.Options{ErrorDetection: true}, Timeout: 15 * time.Second,
		})
	}
	if c, err := station(tokens[demoSIP2Password] + "x"); err == nil {
		c.Close()
		t.Error("the SIP2 door took a wrong password")
	}
	c, err := station(tokens[demoSIP2Password])
	if err != nil {
		t.Fatalf("the SIP2 door refused the tokens file's password: %v", err)
	}
	defer c.Close()
	st, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{Language: "001", TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution, PatronID: "P0001", PatronPassword: "1234"})
	if err != nil || st.PersonalName != "Ada Lovelace" || st.ValidPatronPassword != sip2.FlagYes {
		t.Errorf("patron status through the SIP2 door: %v %+v", err, st)
	}
}

// post sends a POST with a JSON body and a bearer token and returns the
// status and body.
func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
