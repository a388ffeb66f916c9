package locker

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

// fakeHook stands in for a driver's webhook handler: it accepts a POST
// whose X-Test-Sig is "good" and refuses anything else as the HTTP
// contract's handler would.
var fakeHook = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	switch {
	case r.Method != http.MethodPost:
		w.WriteHeader(http.StatusMethodNotAllowed)
		io.WriteString(w, `{"error":{"code":"INVALID_REQUEST","message":"POST only"}}`)
	case r.Header.Get("X-Test-Sig") != "good":
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"code":"BAD_SIGNATURE","message":"signature missing or wrong"}}`)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
})

func listen(t *testing.T) *Webhook {
	t.Helper()
	w, err := ListenWebhook("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Shutdown(context.Background()) })
	return w
}

func deliver(t *testing.T, w *Webhook, method, path, sig, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+w.Addr().String()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Sig", sig)
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func notes(ev *conformance.T) []string {
	var out []string
	for _, e := range ev.Evidence() {
		out = append(out, e.Data)
	}
	return out
}

// TestWebhookDeliveries: each delivery reaches the running case's driver
// and is noted in that case's evidence with its answer; refused ones also
// reach the progress log.
func TestWebhookDeliveries(t *testing.T) {
	w := listen(t)
	ev := conformance.NewT()
	var logged []string
	release := w.attach(&hookTarget{path: "/hooks/vendor/B1", h: fakeHook, ev: ev, log: func(s string) { logged = append(logged, s) }})
	defer release()
	opened := `{"event_id":"evt_1","type":"door.opened","bank":"B1","compartment":"3"}`
	tests := []struct {
		method, path, sig, body string
		status                  int
		note                    string
	}{
		{"POST", "/hooks/vendor/B1", "good", opened, 204, "webhook: door.opened of compartment 3 (event evt_1) accepted (204)"},
		{"POST", "/hooks/vendor/B1", "bad", opened, 401,
			`webhook: door.opened of compartment 3 (event evt_1) refused: 401 {"error":{"code":"BAD_SIGNATURE","message":"signature missing or wrong"}}`},
		{"POST", "/hooks/vendor/B1", "good", `{"type":"controller.offline","bank":"B1"}`, 204, "webhook: controller.offline accepted (204)"},
		{"POST", "/hooks/vendor/B1", "good", "hello", 204, "webhook: POST of 5 bytes that is not an event accepted (204)"},
		{"GET", "/hooks/vendor/B1", "good", "", 405, "webhook: GET request refused: 405"},
		{"POST", "/hooks/vendor/B2", "good", opened, 404,
			"webhook: POST /hooks/vendor/B2 refused: 404 no webhook at /hooks/vendor/B2; this run takes the bank's events at /hooks/vendor/B1"},
	}
	for _, tt := range tests {
		status, _, _ := deliver(t, w, tt.method, tt.path, tt.sig, tt.body)
		if status != tt.status {
			t.Errorf("%s %s (%s): %d, want %d", tt.method, tt.path, tt.sig, status, tt.status)
		}
		if got := notes(ev); !slices.ContainsFunc(got, func(n string) bool { return strings.HasPrefix(n, tt.note) }) {
			t.Errorf("%s %s (%s): no note %q in %q", tt.method, tt.path, tt.sig, tt.note, got)
		}
	}
	if len(logged) != 3 {
		t.Errorf("logged %q; want the three refused deliveries only", logged)
	}
	for _, l := range logged {
		if !strings.Contains(l, "refused") {
			t.Errorf("an accepted delivery was logged: %q", l)
		}
	}
}

// TestWebhookBetweenCases: with no case running a delivery is answered
// 503 with Retry-After (the contract's "retry with backoff"), and a case
// abandoned at its time limit that releases late does not detach the case
// that followed it.
func TestWebhookBetweenCases(t *testing.T) {
	w := listen(t)
	body := `{"event_id":"e","type":"door.closed","bank":"B1","compartment":"1"}`
	status, msg, h := deliver(t, w, "POST", "/hooks/vendor/B1", "good", body)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(msg, "no conformance case is running") {
		t.Errorf("before any case: %d %q (Retry-After %q), want 503 saying no case runs", status, msg, h.Get("Retry-After"))
	}
	first, second := conformance.NewT(), conformance.NewT()
	releaseFirst := w.attach(&hookTarget{path: "/hooks/vendor/B1", h: fakeHook, ev: first})
	releaseSecond := w.attach(&hookTarget{path: "/hooks/vendor/B1", h: fakeHook, ev: second})
	releaseFirst()
	if status, _, _ := deliver(t, w, "POST", "/hooks/vendor/B1", "good", body); status != http.StatusNoContent {
		t.Errorf("after the abandoned case released: %d, want the running case's 204", status)
	}
	if len(notes(first)) != 0 || len(notes(second)) != 1 {
		t.Errorf("evidence: first %q, second %q; want the delivery in the second only", notes(first), notes(second))
	}
	releaseSecond()
	if status, _, _ := deliver(t, w, "POST", "/hooks/vendor/B1", "good", body); status != http.StatusServiceUnavailable {
		t.Errorf("after the last case released: %d, want 503", status)
	}
}

// lyingListener reports an address other than the one it listens on.
type lyingListener struct {
	net.Listener
	addr net.Addr
}

func (l lyingListener) Addr() net.Addr { return l.addr }

// TestWebhookURL: the URL names the listening address; a listener on
// every interface has none to name, and says so instead of printing
// 0.0.0.0, which a vendor cannot reach.
func TestWebhookURL(t *testing.T) {
	w := listen(t)
	if got, want := w.URL("/hooks/vendor/B1"), "http://"+w.Addr().String()+"/hooks/vendor/B1"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	for _, ip := range []net.IP{net.IPv4zero, net.IPv6unspecified} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		all := ServeWebhook(lyingListener{ln, &net.TCPAddr{IP: ip, Port: 8443}})
		if got := all.URL("/hooks/vendor/B1"); got != "http://<this host>:8443/hooks/vendor/B1" {
			t.Errorf("URL on %v = %q", ip, got)
		}
		if err := all.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}
}

// TestWebhookShutdown: Shutdown stops the server, closes its port and
// returns; the server has timeouts, so that a client trickling a request
// cannot hold it.
func TestWebhookShutdown(t *testing.T) {
	w, err := ListenWebhook("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.ReadHeaderTimeout <= 0 || w.srv.ReadTimeout <= 0 || w.srv.WriteTimeout <= 0 || w.srv.IdleTimeout <= 0 {
		t.Errorf("the server lacks a timeout: %+v", w.srv)
	}
	addr := w.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Shutdown", addr)
	}
	again, err := ListenWebhook(addr)
	if err != nil {
		t.Errorf("the port was not released: %v", err)
	} else {
		again.Shutdown(ctx)
	}
	if _, err := ListenWebhook("127.0.0.1:99999"); err == nil || !strings.Contains(err.Error(), "cannot listen for the vendor's webhook") {
		t.Errorf("ListenWebhook on a bad port: %v", err)
	}
}
