package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance/report"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
)

func TestConformanceLocker(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	code, out, errOut := runCmd(t, "", "conformance", "locker", "--driver", "sim:?compartments=8&boardsize=4",
		"--timeout", "2s", "--door-wait", "1s", "--json", jsonPath, "--junit", junitPath, "--html", htmlPath)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "15 cases: 15 pass") || !strings.HasSuffix(out, "PASSED\n") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "[15/15] pass    faults/2") {
		t.Errorf("no progress line for the last case:\n%s", errOut)
	}
	var doc struct {
		Passed bool   `json:"passed"`
		Target string `json:"target"`
		Suite  struct{ Name string }
	}
	if err := json.Unmarshal(readFile(t, jsonPath), &doc); err != nil || !doc.Passed || doc.Suite.Name != "locker" || doc.Target != "sim:?compartments=8&boardsize=4" {
		t.Errorf("JSON: %+v %v", doc, err)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(readFile(t, junitPath), &ju); err != nil || ju.Tests != 15 || ju.Failures != 0 {
		t.Errorf("JUnit: %+v %v", ju, err)
	}
	if h := string(readFile(t, htmlPath)); !strings.Contains(h, `class="banner passed">PASSED`) {
		t.Error("HTML certificate lacks the PASSED banner")
	}
}

func TestConformanceLockerExitStatus(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"missing --driver", nil, 2, "", "--driver is required"},
		{"stray argument", []string{"--driver", "sim:", "extra"}, 2, "", `unexpected argument "extra"`},
		{"empty compartment id", []string{"--driver", "sim:", "--compartments", "1,,2"}, 2, "", "has an empty id"},
		{"repeated compartment id", []string{"--driver", "sim:", "--compartments", "1,2,1"}, 2, "", "lists 1 twice"},
		{"unknown driver scheme", []string{"--driver", "bogus://x?key=s3cr3t"}, 2, "", `no driver for scheme "bogus" (drivers: `},
		{"unparsable driver", []string{"--driver", "://"}, 2, "", "--driver: lockers: driver config"},
		{"bad --door-wait", []string{"--driver", "sim:", "--door-wait", "0s"}, 2, "", "--door-wait must be positive"},
		{"--run selecting nothing", []string{"--driver", "sim:", "--run", "renew"}, 2, "", "selects none"},
		{"--list", []string{"--driver", "sim:", "--list"}, 0, "faults/2     must   A dead board", ""},
		{"a jammed lock fails", []string{"--driver", "sim:?compartments=8&jam=1", "--run", "open/1", "--timeout", "2s"}, 1,
			"open/1 [must] FAIL", "got: Open(1): lockers: open bank sim compartment 1: lock jammed"},
		{"chosen compartments", []string{"--driver", "sim:?compartments=8&jam=1", "--compartments", "5, 6", "--run", "open", "--timeout", "2s"}, 0,
			"3 cases: 3 pass", ""}, // compartment 1 is jammed, but not among those chosen
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"conformance", "locker"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

// TestConformanceLockerKeepsSecrets: a password in the driver configuration
// appears in no output and no report.
func TestConformanceLockerKeepsSecrets(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runCmd(t, "", "conformance", "locker", "--driver", "mqtt://gate:s3cr3t-pw@127.0.0.1:1/site/bank1",
		"--timeout", "1s", "--run", "inventory/1", "--json", jsonPath)
	if code != 1 {
		t.Errorf("exit %d, want 1 (unreachable)", code)
	}
	b, _ := os.ReadFile(jsonPath)
	for what, s := range map[string]string{"stdout": out, "stderr": errOut, "JSON": string(b)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("%s holds the password:\n%s", what, s)
		}
	}
	if !strings.Contains(out, "ERROR") || !strings.Contains(out, "cannot open the bank") {
		t.Errorf("stdout does not say the bank could not be opened:\n%s", out)
	}
}

// operator is the stderr of a conformance run with a person reading it:
// when the command prints where the vendor's webhook must point, the
// person sets that URL in the vendor's portal (here: the fake vendor).
type operator struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	pointed string
	point   func(url string)
}

var pointAt = regexp.MustCompile(`point the vendor's webhook for this bank at (\S+) `)

func (o *operator) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if m := pointAt.FindSubmatch(o.buf.Bytes()); m != nil && o.pointed == "" {
		o.pointed = string(m[1])
		o.point(o.pointed)
	}
	return len(p), nil
}

func (o *operator) String() string { o.mu.Lock(); defer o.mu.Unlock(); return o.buf.String() }

// vendorBank starts the fake vendor API with its key and webhook secret in
// environment variables, and a technician who shuts each door 300ms after
// its lock was pulsed. It returns the fake and the driver configuration.
func vendorBank(t *testing.T, withSecret bool) (*vendortest.Server, string) {
	t.Helper()
	s := vendortest.NewServer(t, vendortest.Options{})
	t.Setenv("LOCKERGATE_TEST_CMD_VENDOR_KEY", s.Key)
	t.Setenv("LOCKERGATE_TEST_CMD_VENDOR_HOOK", cmdHookSecret)
	driver := s.DriverURL("LOCKERGATE_TEST_CMD_VENDOR_KEY") + "&confirm_timeout=1s&confirm_interval=20ms"
	if withSecret {
		driver += "&webhook_secret_env=LOCKERGATE_TEST_CMD_VENDOR_HOOK"
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		seen := map[lockers.CompartmentID]int{}
		pulsed := map[lockers.CompartmentID]time.Time{}
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			for _, id := range []lockers.CompartmentID{"1", "2", "3", "4"} {
				if n := s.Pulses(id); n != seen[id] {
					seen[id], pulsed[id] = n, time.Now()
				} else if at, ok := pulsed[id]; ok && time.Since(at) >= 300*time.Millisecond {
					s.CloseDoor(id)
					delete(pulsed, id)
				}
			}
		}
	}()
	return s, driver
}

const cmdHookSecret = "whsec_cmd_51d0"

// TestConformanceLockerWebhook: with --webhook-listen the command serves
// the HTTP vendor's webhook, prints where the vendor must post (the
// README's /hooks/vendor/{bank}), the events case passes on the vendor's
// deliveries, and the port is closed when the run ends.
func TestConformanceLockerWebhook(t *testing.T) {
	s, driver := vendorBank(t, true)
	op := &operator{point: func(url string) { s.SetWebhook(url, []byte(cmdHookSecret)) }}
	var out bytes.Buffer
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code := run(context.Background(), []string{"conformance", "locker", "--driver", driver, "--webhook-listen", "127.0.0.1:0",
		"--run", "open/1,lifecycle", "--timeout", "3s", "--door-wait", "5s", "--json", jsonPath},
		&env{stdin: strings.NewReader(""), stdout: &out, stderr: op})
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out.String(), op)
	}
	if !strings.Contains(out.String(), "3 cases: 3 pass") {
		t.Errorf("stdout:\n%s", out.String())
	}
	u, err := url.Parse(op.pointed)
	if err != nil || u.Scheme != "http" || u.Path != "/hooks/vendor/"+s.Bank || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Fatalf("the vendor was pointed at %q (%v), want http://127.0.0.1:PORT/hooks/vendor/%s", op.pointed, err, s.Bank)
	}
	var doc report.JSONReport
	b := readFile(t, jsonPath)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var accepted []string
	for _, c := range doc.Cases {
		for _, e := range c.Evidence {
			if c.ID == "lifecycle/2" && strings.HasPrefix(e.Data, "webhook: door.") && strings.HasSuffix(e.Data, "accepted (204)") {
				accepted = append(accepted, e.Data)
			}
		}
	}
	if len(accepted) < 2 {
		t.Errorf("lifecycle/2 notes %q accepted deliveries, want at least its door's opened and closed events:\n%s", accepted, b)
	}
	for what, text := range map[string]string{"stdout": out.String(), "stderr": op.String(), "JSON": string(b)} {
		if strings.Contains(text, s.Key) || strings.Contains(text, cmdHookSecret) {
			t.Errorf("%s holds a secret:\n%s", what, text)
		}
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("the webhook still listens on %s after the run", u.Host)
	}
}

// TestConformanceLockerWebhookUsage: what the command says about the
// webhook in each situation, and the exit status.
func TestConformanceLockerWebhookUsage(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name       string
		withSecret bool
		args       []string
		wantCode   int
		wantOut    string
		wantErr    []string
		notErr     string
	}{
		{"no --webhook-listen: events skipped, saying why", true, []string{"--run", "lifecycle"}, 0, "2 cases: 1 pass, 0 fail, 1 skipped",
			[]string{"receives door events only by webhook; without --webhook-listen host:port the events case (lifecycle/2) is skipped",
				"skipped lifecycle/2", "--webhook-listen host:port"}, "point the vendor"},
		{"no webhook secret", false, []string{"--webhook-listen", "127.0.0.1:0", "--run", "lifecycle"}, 2, "",
			[]string{"--webhook-listen: the driver cannot take the vendor's events: httpvendor: no webhook secret configured (set webhook_secret_env)"}, "point the vendor"},
		{"port taken", true, []string{"--webhook-listen", taken.Addr().String(), "--run", "lifecycle"}, 1, "",
			[]string{"cannot listen for the vendor's webhook"}, "point the vendor"},
		{"--run selecting nothing opens no port", true, []string{"--webhook-listen", "127.0.0.1:0", "--run", "renew"}, 2, "",
			[]string{"selects none"}, "point the vendor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, driver := vendorBank(t, tt.withSecret)
			args := append([]string{"conformance", "locker", "--driver", driver, "--timeout", "3s", "--door-wait", "5s"}, tt.args...)
			code, out, errOut := runCmd(t, "", args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(errOut+out, want) {
					t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", want, out, errOut)
				}
			}
			if strings.Contains(errOut, tt.notErr) {
				t.Errorf("stderr has %q:\n%s", tt.notErr, errOut)
			}
		})
	}
	// A driver that hears its hardware itself has no use for the flag.
	code, out, errOut := runCmd(t, "", "conformance", "locker", "--driver", "sim:?compartments=8", "--webhook-listen", "127.0.0.1:0",
		"--run", "lifecycle", "--timeout", "2s")
	if code != 0 || !strings.Contains(errOut, "this driver hears of door events without one; --webhook-listen 127.0.0.1:0 is not used") {
		t.Errorf("sim with --webhook-listen: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
