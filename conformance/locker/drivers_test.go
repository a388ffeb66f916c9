package locker_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/locker"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
	_ "github.com/lockergate/lockergate/lockers/mqtt"
	"github.com/lockergate/lockergate/lockers/mqtt/mqtttest"
)

// The issue names three ways a vendor reaches the suite: an RS-485 board
// (TestSuitePassesKerongEmulator), the MQTT contract and the HTTP
// contract. These run the suite against the project's emulators of the
// latter two, from the configuration string alone as a vendor would, with
// a technician closing the doors the suite opens.

// technician calls sweep every 100ms, until the test ends, to shut the
// doors the suite opened as a person at the bank would.
func technician(t *testing.T, sweep func()) {
	t.Helper()
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			sweep()
		}
	}()
}

// A door is what the technician sees of one compartment: how often its
// lock was pulsed, and how to shut it.
type door struct {
	pulses func() int
	shut   func()
}

// closeAfterOpen returns a sweep that shuts each door 300ms after its lock
// was last pulsed, as a person at the bank would: never so soon that the
// driver cannot see the door open first (which, under load, made the
// confirmation of an open fail).
func closeAfterOpen(doors []door) func() {
	seen := make([]int, len(doors))
	pulsedAt := make([]time.Time, len(doors))
	return func() {
		for i, d := range doors {
			if n := d.pulses(); n != seen[i] {
				seen[i], pulsedAt[i] = n, time.Now()
				continue
			}
			if !pulsedAt[i].IsZero() && time.Since(pulsedAt[i]) >= 300*time.Millisecond {
				d.shut()
				pulsedAt[i] = time.Time{}
			}
		}
	}
}

// doorsOf lists the doors of ids on an emulator with the lockerstest hooks.
func doorsOf(ids []string, hooks interface {
	Pulses(lockers.CompartmentID) int
	CloseDoor(lockers.CompartmentID) error
}) []door {
	var out []door
	for _, id := range ids {
		cid := lockers.CompartmentID(id)
		out = append(out, door{pulses: func() int { return hooks.Pulses(cid) }, shut: func() { hooks.CloseDoor(cid) }})
	}
	return out
}

// TestSuitePassesMQTTController: the MQTT contract, over the test broker.
func TestSuitePassesMQTTController(t *testing.T) {
	broker := mqtttest.Broker(t)
	ctl := mqtttest.NewController(t, mqtttest.Config{Broker: broker, HeartbeatInterval: 200 * time.Millisecond})
	technician(t, closeAfterOpen(doorsOf(ctl.IDs()[:4], ctl)))
	driver := "mqtt://" + strings.TrimPrefix(broker, "tcp://") + "/" + ctl.Prefix() +
		"?client_id=conformance-" + url.QueryEscape(ctl.Prefix()) + "&confirm_timeout=2s&response_timeout=2s"
	rep := run(t, locker.Config{Driver: driver, DoorWait: 5 * time.Second, Timeout: 5 * time.Second})
	requirePassed(t, rep, "faults/1", "faults/2")
}

// httpVendor starts the fake vendor API with a technician at its bank,
// the key and the webhook secret in environment variables as the README
// says, and returns it with its driver configuration.
func httpVendor(t *testing.T) (*vendortest.Server, string) {
	t.Helper()
	s := vendortest.NewServer(t, vendortest.Options{})
	t.Setenv("LOCKERGATE_TEST_CONFORMANCE_VENDOR_KEY", s.Key)
	t.Setenv("LOCKERGATE_TEST_CONFORMANCE_VENDOR_HOOK", hookSecret)
	technician(t, closeAfterOpen(doorsOf([]string{"1", "2", "3", "4"}, s)))
	return s, s.DriverURL("LOCKERGATE_TEST_CONFORMANCE_VENDOR_KEY") +
		"&webhook_secret_env=LOCKERGATE_TEST_CONFORMANCE_VENDOR_HOOK&confirm_timeout=1s&confirm_interval=20ms"
}

// hookSecret is the webhook's shared secret in these tests.
const hookSecret = "whsec_conformance_7c1e"

// listenWebhook serves the suite's webhook on a free loopback port until
// the test ends.
func listenWebhook(t *testing.T) *locker.Webhook {
	t.Helper()
	wh, err := locker.ListenWebhook("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := wh.Shutdown(ctx); err != nil {
			t.Errorf("webhook Shutdown: %v", err)
		}
	})
	return wh
}

// noSecrets fails t if the API key or the webhook secret is anywhere in
// the report.
func noSecrets(t *testing.T, rep *conformance.Report, s *vendortest.Server) {
	t.Helper()
	for _, r := range rep.Results {
		for _, text := range append([]string{r.Message, r.Actual}, evidenceText(r)...) {
			if strings.Contains(text, s.Key) || strings.Contains(text, hookSecret) {
				t.Fatalf("%s: a secret is in the report: %q", r.Case.ID, text)
			}
		}
	}
}

func evidenceText(r conformance.Result) []string {
	var out []string
	for _, e := range r.Evidence {
		out = append(out, e.Data)
	}
	return out
}

// result returns the result of case id.
func result(t *testing.T, rep *conformance.Report, id string) conformance.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Case.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %s in %v", id, verdicts(rep))
	return conformance.Result{}
}

// TestSuiteHTTPVendor: the HTTP contract, against the fake vendor API,
// with the suite's webhook served and the vendor pointed at it, as the
// command does with --webhook-listen: every case passes but those needing
// fault hooks, door events included, each delivery noted in the evidence.
func TestSuiteHTTPVendor(t *testing.T) {
	s, driver := httpVendor(t)
	wh := listenWebhook(t)
	s.SetWebhook(wh.URL("/hooks/vendor/"+s.Bank), []byte(hookSecret))
	rep := run(t, locker.Config{Driver: driver, DoorWait: 5 * time.Second, Timeout: 2 * time.Second, Webhook: wh})
	requirePassed(t, rep, "faults/1", "faults/2")
	noSecrets(t, rep, s)
	ev := strings.Join(evidenceText(result(t, rep, "lifecycle/2")), "\n")
	for _, want := range []string{
		"webhook: the vendor's events are taken at " + wh.URL("/hooks/vendor/B1"),
		"webhook: door.opened of compartment 1 (event ",
		"webhook: door.closed of compartment 1 (event ",
		") accepted (204)",
	} {
		if !strings.Contains(ev, want) {
			t.Errorf("lifecycle/2 evidence lacks %q:\n%s", want, ev)
		}
	}
	if strings.Contains(ev, "no delivery reached") {
		t.Errorf("lifecycle/2 evidence says no delivery arrived:\n%s", ev)
	}
}

// TestSuiteHTTPVendorWithoutWebhook: with no webhook served, the events
// case is skipped with a reason that says what to do, not failed for a
// reason the vendor cannot see; the others pass, and say that they relied
// on status reads.
func TestSuiteHTTPVendorWithoutWebhook(t *testing.T) {
	s, driver := httpVendor(t)
	rep := run(t, locker.Config{Driver: driver, DoorWait: 5 * time.Second, Timeout: 2 * time.Second})
	requirePassed(t, rep, "faults/1", "faults/2", "lifecycle/2")
	noSecrets(t, rep, s)
	r := result(t, rep, "lifecycle/2")
	for _, want := range []string{"receives door events only by webhook", "/hooks/vendor/B1", "--webhook-listen host:port"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("lifecycle/2 skipped for %q, lacking %q", r.Message, want)
		}
	}
	if ev := strings.Join(evidenceText(result(t, rep, "open/1")), "\n"); !strings.Contains(ev, "relies on status reads alone") {
		t.Errorf("open/1 evidence does not say that no webhook was served:\n%s", ev)
	}
	if s.Requests("POST /banks/{bank}/compartments/{id}/open") == 0 {
		t.Error("no door was opened: the cases did not run")
	}
}

// TestSuiteHTTPVendorWebhookProblems: what a vendor sees when its webhook
// is set up wrong. The events case fails, and its evidence shows each
// delivery and the answer it got, so the vendor can tell a wrong secret
// from a wrong path; a gateway-side driver without the secret is an error
// of the run, named.
func TestSuiteHTTPVendorWebhookProblems(t *testing.T) {
	tests := []struct {
		name        string
		path        string // where the vendor posts
		secret      string // what the vendor signs with
		noSecretEnv bool   // the driver configuration lacks webhook_secret_env
		want        conformance.Verdict
		wantText    []string // in the message or the evidence
	}{
		{"wrong secret", "/hooks/vendor/B1", "whsec_guess", false, conformance.Fail,
			[]string{"no door opened event for compartment 1", "webhook: door.opened of compartment 1 (event ", "refused: 401", "BAD_SIGNATURE"}},
		{"wrong path", "/hooks/B1", hookSecret, false, conformance.Fail,
			[]string{"webhook: POST /hooks/B1 refused: 404 no webhook at /hooks/B1; this run takes the bank's events at /hooks/vendor/B1"}},
		{"vendor not pointed at the webhook", "", "", false, conformance.Fail,
			[]string{"no door opened event for compartment 1", "webhook: no delivery reached http://127.0.0.1:", "/hooks/vendor/B1 while this case ran"}},
		{"no secret configured", "/hooks/vendor/B1", hookSecret, true, conformance.Error,
			[]string{"cannot take the vendor's events at http://127.0.0.1:", "/hooks/vendor/B1", "webhook_secret_env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, driver := httpVendor(t)
			if tt.noSecretEnv {
				driver = strings.Replace(driver, "&webhook_secret_env=LOCKERGATE_TEST_CONFORMANCE_VENDOR_HOOK", "", 1)
			}
			wh := listenWebhook(t)
			if tt.path != "" {
				s.SetWebhook(wh.URL(tt.path), []byte(tt.secret))
			}
			var mu sync.Mutex
			var logged []string
			cfg := locker.Config{Driver: driver, DoorWait: 5 * time.Second, Timeout: time.Second, Webhook: wh,
				Log: func(id, note string) { mu.Lock(); logged = append(logged, id+": "+note); mu.Unlock() }}
			rep := (&conformance.Runner{Run: "lifecycle/2", Timeout: 10 * time.Second}).Execute(context.Background(), locker.New(cfg), "x")
			r := result(t, rep, "lifecycle/2")
			if r.Verdict != tt.want {
				t.Errorf("lifecycle/2: %s, want %s: %s", r.Verdict, tt.want, r.Message)
			}
			all := strings.Join(append([]string{r.Message}, evidenceText(r)...), "\n")
			for _, want := range tt.wantText {
				if !strings.Contains(all, want) {
					t.Errorf("the report lacks %q:\n%s", want, all)
				}
			}
			if tt.want == conformance.Fail && tt.path != "" {
				// A refused delivery is shown to the operator as it happens.
				mu.Lock()
				if !slices.ContainsFunc(logged, func(s string) bool {
					return strings.HasPrefix(s, "lifecycle/2: webhook: ") && strings.Contains(s, "refused")
				}) {
					t.Errorf("no refused delivery was logged: %q", logged)
				}
				mu.Unlock()
			}
			noSecrets(t, rep, s)
		})
	}
}
