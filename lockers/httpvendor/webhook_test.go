package httpvendor_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	hv "github.com/lockergate/lockergate/lockers/httpvendor"
)

var hookSecret = []byte("whsec_test_3f9a1c")

func newHook(t *testing.T) (*hv.Driver, *httptest.Server, <-chan lockers.Event) {
	t.Helper()
	d, err := hv.New(hv.Config{BaseURL: "http://127.0.0.1:1/api", Bank: "B1", Key: "k-unused", WebhookSecret: hookSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	srv := httptest.NewServer(d.WebhookHandler())
	t.Cleanup(srv.Close)
	ch, err := d.Watch(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return d, srv, ch
}

func post(t *testing.T, url string, ts time.Time, sig string, body []byte) (int, hv.ErrorBody) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set(hv.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(hv.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb hv.ErrorBody
	json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb
}

func TestWebhook(t *testing.T) {
	_, srv, ch := newHook(t)
	body, _ := os.ReadFile("testdata/events/door_opened.json")
	now := time.Now()

	tamper := bytes.Replace(body, []byte(`"compartment":"3"`), []byte(`"compartment":"4"`), 1)
	forced, _ := os.ReadFile("testdata/events/door_forced.json")
	otherBank := bytes.Replace(body, []byte(`"bank":"B1"`), []byte(`"bank":"B2"`), 1)
	tests := []struct {
		name   string
		ts     time.Time
		sig    string
		body   []byte
		status int
		code   string
	}{
		{"good", now, hv.Sign(hookSecret, now, body), body, 204, ""},
		{"replay", now, hv.Sign(hookSecret, now, body), body, 409, hv.CodeDuplicateEvent},
		{"tampered body", now, hv.Sign(hookSecret, now, body), tamper, 401, hv.CodeBadSignature},
		{"wrong secret", now, hv.Sign([]byte("guess"), now, tamper), tamper, 401, hv.CodeBadSignature},
		{"no signature", now, "", tamper, 401, hv.CodeBadSignature},
		{"stale timestamp", now.Add(-10 * time.Minute), hv.Sign(hookSecret, now.Add(-10*time.Minute), tamper), tamper, 400, hv.CodeStaleEvent},
		{"future timestamp", now.Add(10 * time.Minute), hv.Sign(hookSecret, now.Add(10*time.Minute), tamper), tamper, 400, hv.CodeStaleEvent},
		{"timestamp moved, signature kept", now.Add(time.Second), hv.Sign(hookSecret, now, tamper), tamper, 401, hv.CodeBadSignature},
		{"other bank", now, hv.Sign(hookSecret, now, otherBank), otherBank, 400, hv.CodeUnknownBank},
		{"not JSON", now, hv.Sign(hookSecret, now, []byte("hello")), []byte("hello"), 400, hv.CodeInvalidRequest},
		{"rotation: second signature matches", now, "v1=00ff," + hv.Sign(hookSecret, now, forced), forced, 204, ""},
	}
	for _, tt := range tests {
		status, eb := post(t, srv.URL, tt.ts, tt.sig, tt.body)
		if status != tt.status || eb.Error.Code != tt.code {
			t.Errorf("%s: %d %s (%s), want %d %s", tt.name, status, eb.Error.Code, eb.Error.Message, tt.status, tt.code)
		}
		if strings.Contains(eb.Error.Message, string(hookSecret)) {
			t.Errorf("%s: the answer leaks the secret", tt.name)
		}
	}
	// Exactly two events were delivered: the good one and the rotated one.
	for i, want := range []struct {
		typ lockers.EventType
		id  lockers.CompartmentID
	}{{lockers.EventDoorOpened, "3"}, {lockers.EventDoorForced, "5"}} {
		select {
		case ev := <-ch:
			if ev.Type != want.typ || ev.Compartment != want.id || ev.Status.Door != lockers.DoorOpen {
				t.Errorf("event %d = %+v, want %v for door %s", i, ev, want.typ, want.id)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event %d not delivered", i)
		}
	}
	select {
	case ev := <-ch:
		t.Errorf("an extra event was delivered: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
	if resp, err := http.Get(srv.URL); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on the webhook = %v, %v; want 405", resp.StatusCode, err)
	}
}

func TestWebhookWithoutSecret(t *testing.T) {
	d, err := hv.New(hv.Config{BaseURL: "http://127.0.0.1:1/api", Bank: "B1", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d.WebhookHandler())
	defer srv.Close()
	body, _ := os.ReadFile("testdata/events/door_forced.json")
	now := time.Now()
	if status, _ := post(t, srv.URL, now, hv.Sign(nil, now, body), body); status != http.StatusServiceUnavailable {
		t.Errorf("webhook without a configured secret answered %d, want 503", status)
	}
}

func TestDecodeEvent(t *testing.T) {
	files, _ := filepath.Glob("testdata/events/*.json")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if _, err := hv.DecodeEvent(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := []struct{ in, msg string }{
		{`{"type":"door.opened","bank":"B1","compartment":"1"}`, `"event_id" missing`},
		{`{"event_id":"e","type":"door.opened","compartment":"1"}`, `"bank" missing`},
		{`{"event_id":"e","type":"door.opened","bank":"B1"}`, `"compartment" missing`},
		{`{"event_id":"e","type":"door.melted","bank":"B1","compartment":"1"}`, `unknown event type "door.melted"`},
		{`{"event_id":"e","type":"door.opened","bank":"B1","compartment":"1","status":{"compartment":"2","lock":"released","door":"open"}}`, "status is for compartment"},
		{`{"event_id":"e","type":"door.opened","bank":"B1","compartment":"1","status":{"compartment":"1","lock":"wobbly"}}`, `lock "wobbly"`},
		{`{"event_id":5}`, "wrong type"},
		{`{"event_id":`, "invalid JSON"},
	}
	for _, tt := range bad {
		_, err := hv.DecodeEvent([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "httpvendor: ") {
			t.Errorf("DecodeEvent(%s) = %v, want an error with %q", tt.in, err, tt.msg)
		}
	}
}

// FuzzWebhook posts arbitrary bodies, correctly signed, to the handler:
// it must never panic, must answer 204 only for bodies DecodeEvent
// accepts, and must never deliver one event id twice.
func FuzzWebhook(f *testing.F) {
	files, _ := filepath.Glob("testdata/events/*.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	d, err := hv.New(hv.Config{BaseURL: "http://127.0.0.1:1/api", Bank: "B1", Key: "k", WebhookSecret: hookSecret})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	h := d.WebhookHandler()
	delivered := map[string]bool{}
	f.Fuzz(func(t *testing.T, body []byte) {
		now := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		req.Header.Set(hv.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(hv.HeaderSignature, hv.Sign(hookSecret, now, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		e, derr := hv.DecodeEvent(body)
		if rec.Code == http.StatusNoContent {
			if derr != nil {
				t.Fatalf("accepted a body DecodeEvent refuses (%v): %q", derr, body)
			}
			if delivered[e.EventID] {
				t.Fatalf("event id %q accepted twice", e.EventID)
			}
			delivered[e.EventID] = true
		}
	})
}

func TestVerifySignature(t *testing.T) {
	ts := time.Unix(1772470800, 0)
	body := []byte(`{"event_id":"e"}`)
	// The signature of the README example, computed by hand with
	// printf '1772470800.{"event_id":"e"}' | openssl dgst -sha256 -hmac whsec_test_3f9a1c
	const want = "v1=a878a9825b5b096b0144c7f64286ca8eea004171f230959545c469faca926471"
	if got := hv.Sign(hookSecret, ts, body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := hv.VerifySignature(hookSecret, "1772470800", want, body, ts.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("VerifySignature of a fresh signature: %v", err)
	}
	if err := hv.VerifySignature(hookSecret, "soon", want, body, ts, 5*time.Minute); err == nil {
		t.Error("a non-numeric timestamp was accepted")
	}
}

// TestStateWordsAreLockersWords: toStatus reads the contract's state words
// with lockers' Parse functions, so they must be the words lockers prints.
func TestStateWordsAreLockersWords(t *testing.T) {
	if lockers.ParseLockState(hv.LockLatched) != lockers.LockLatched || lockers.ParseLockState(hv.LockReleased) != lockers.LockReleased ||
		lockers.ParseDoorState(hv.DoorOpen) != lockers.DoorOpen || lockers.ParseDoorState(hv.DoorClosed) != lockers.DoorClosed ||
		lockers.ParsePresence(hv.ItemEmpty) != lockers.PresenceEmpty || lockers.ParsePresence(hv.ItemOccupied) != lockers.PresenceOccupied {
		t.Fatal("a state word of the contract is not the one lockers uses")
	}
}

// TestWebhookPathAndReady: the path is the README's /hooks/vendor/{bank},
// escaped, and reachable through the registry's guard; a driver without
// the shared secret says so before any delivery fails.
func TestWebhookPathAndReady(t *testing.T) {
	t.Setenv("LOCKERGATE_TEST_HV_KEY", "sk_test_path")
	t.Setenv("LOCKERGATE_TEST_HV_HOOK", "whsec_path")
	t.Setenv("LOCKERGATE_TEST_HV_EMPTY", "")
	type hooked interface {
		WebhookHandler() http.Handler
		WebhookPath() string
		WebhookReady() error
	}
	tests := []struct {
		driver  string
		path    string
		noReady bool
	}{
		{"https://vendor.example/api?bank=LOCKER1&key_env=LOCKERGATE_TEST_HV_KEY&webhook_secret_env=LOCKERGATE_TEST_HV_HOOK", "/hooks/vendor/LOCKER1", false},
		{"https://vendor.example/api?bank=site%2F1+a&key_env=LOCKERGATE_TEST_HV_KEY&webhook_secret_env=LOCKERGATE_TEST_HV_HOOK", "/hooks/vendor/site%2F1%20a", false},
		{"https://vendor.example/api?bank=B1&key_env=LOCKERGATE_TEST_HV_KEY", "/hooks/vendor/B1", true},
		{"https://vendor.example/api?bank=B1&key_env=LOCKERGATE_TEST_HV_KEY&webhook_secret_env=LOCKERGATE_TEST_HV_EMPTY", "/hooks/vendor/B1", true},
	}
	for _, tt := range tests {
		d, err := lockers.Open(ctx(t), tt.driver)
		if err != nil {
			t.Fatalf("%s: %v", tt.driver, err)
		}
		h, ok := lockers.Unguard(d).(hooked)
		if !ok {
			t.Fatalf("%s: the opened driver lacks WebhookPath or WebhookReady", tt.driver)
		}
		if got := h.WebhookPath(); got != tt.path || !strings.HasPrefix(got, hv.WebhookPathPrefix) {
			t.Errorf("%s: WebhookPath = %q, want %q", tt.driver, got, tt.path)
		}
		err = h.WebhookReady()
		if tt.noReady != errors.Is(err, hv.ErrNoWebhookSecret) || (!tt.noReady && err != nil) {
			t.Errorf("%s: WebhookReady = %v, want ErrNoWebhookSecret %v", tt.driver, err, tt.noReady)
		}
		if err != nil && (strings.Contains(err.Error(), "whsec_path") || strings.Contains(err.Error(), "sk_test_path")) {
			t.Errorf("%s: WebhookReady leaks a secret: %v", tt.driver, err)
		}
		d.Close()
	}
}
