package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

type received struct {
	header http.Header
	body   []byte
}

// receiver is an httptest server that records requests and answers with
// status (and, for errors, a body that echoes the request, as careless
// receivers do).
func receiver(t *testing.T, status int) (*httptest.Server, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), b})
		mu.Unlock()
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(status)
		if status >= 300 {
			fmt.Fprintf(w, "cannot deliver %s", b)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func TestWebhookDelivers(t *testing.T) {
	srv, got := receiver(t, http.StatusAccepted)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/send?key=k-secret", Token: "tok-secret"})
	if err != nil {
		t.Fatal(err)
	}
	n := sample(gateway.NotifyReady, "en")
	if err := w.Notify(context.Background(), n); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	h := reqs[0].header
	if h.Get("Authorization") != "Bearer tok-secret" || h.Get("Idempotency-Key") != "ntf-42" ||
		!strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("headers %v", h)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].body, &body); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, reqs[0].body)
	}
	want := map[string]any{
		"id": "ntf-42", "kind": "ready", "site": "main-lobby", "language": "en",
		"patron":       map[string]any{"id": "P0001", "name": "Ada Lovelace", "email": "ada@example.org", "phone": "+15550100"},
		"bank":         "LOCKER1",
		"bank_name":    "Lobby lockers",
		"compartments": []any{"7", "12"},
		"items":        []any{map[string]any{"id": "I0010", "title": "Le Piège de Bogotá"}, map[string]any{"id": "I0011", "title": ""}},
		"code":         testCode,
		"expires":      "2027-01-15T18:00:00Z",
		"message":      "Door 7 was forced open",
		"subject":      "Your items are ready to collect at Lobby lockers",
	}
	for k, v := range want {
		if fmt.Sprint(body[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if text, _ := body["text"].(string); !strings.Contains(text, "Pickup code: "+testCode) {
		t.Errorf("text %q lacks the rendered message", text)
	}
	if len(body) != len(want)+1 {
		t.Errorf("body has %d keys, want %d: %s", len(body), len(want)+1, reqs[0].body)
	}

	// No expiry: null, not year 1.
	n.Expires = time.Time{}
	n.ID = "ntf-43"
	if err := w.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got()[1].body), `"expires":null`) {
		t.Errorf("zero expiry: %s", got()[1].body)
	}
}

func TestWebhookErrors(t *testing.T) {
	srv, got := receiver(t, http.StatusInternalServerError)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL + "/send?key=k-secret", Token: "tok-secret"})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Notify(context.Background(), sample(gateway.NotifyReady, "en"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "ntf-42") {
		t.Fatalf("error %v, want HTTP 500 naming the notification", err)
	}
	if n := len(got()); n != 1 {
		t.Errorf("%d attempts, want exactly 1 (retries are the outbox's job)", n)
	}
	for _, secret := range []string{testCode, "k-secret", "tok-secret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error contains %q: %v", secret, err)
		}
	}

	// Transport failure: nothing listens.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	w, _ = NewWebhook(WebhookConfig{URL: url + "/x?key=k-secret", Timeout: time.Second})
	err = w.Notify(context.Background(), sample(gateway.NotifyReady, "en"))
	if err == nil || strings.Contains(err.Error(), "k-secret") || strings.Contains(err.Error(), testCode) {
		t.Errorf("transport error %v", err)
	}

	// Timeout.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	w, _ = NewWebhook(WebhookConfig{URL: slow.URL, Timeout: 200 * time.Millisecond})
	start := time.Now()
	if err := w.Notify(context.Background(), sample(gateway.NotifyReady, "en")); err == nil {
		t.Error("a receiver that never answers did not fail")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestWebhookConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "http://", "not a url", "://x?key=k-secret"} {
		_, err := NewWebhook(WebhookConfig{URL: u})
		if err == nil {
			t.Errorf("URL %q accepted", u)
		} else if strings.Contains(err.Error(), "k-secret") {
			t.Errorf("URL key in error: %v", err)
		}
	}
	s := fmt.Sprintf("%v %#v", WebhookConfig{URL: "https://sms.example.org/send?key=k-secret", Token: "tok-secret"}, WebhookConfig{Token: "tok-secret"})
	if strings.Contains(s, "k-secret") || strings.Contains(s, "tok-secret") {
		t.Errorf("String shows a secret: %s", s)
	}
}

// TestWebhookEndlessAnswer: a receiver whose answer never ends (a broken
// proxy, a hostile endpoint) neither fills memory nor hides its status
// behind a timeout: the status decides, and only the start of the body is
// read for the error's excerpt.
func TestWebhookEndlessAnswer(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(status)
				chunk := []byte(strings.Repeat("x", 32<<10))
				for r.Context().Err() == nil {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}))
			t.Cleanup(srv.Close)
			w, err := NewWebhook(WebhookConfig{URL: srv.URL, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = w.Notify(context.Background(), sample(gateway.NotifyReady, "en"))
			switch {
			case status == http.StatusOK && err != nil:
				t.Fatalf("a 200 answer failed: %v", err)
			case status != http.StatusOK && (err == nil || !strings.Contains(err.Error(), "HTTP 502")):
				t.Fatalf("error %v, want HTTP 502", err)
			case err != nil && len(err.Error()) > 1000:
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
}

func TestReadExcerpt(t *testing.T) {
	pad := strings.Repeat(" ", maxExcerpt-3)
	tests := []struct{ body, want string }{
		{"refused 123456 twice", "refused **** twice"},
		{pad + "123456789", pad + "****"}, // cut inside the code
		{pad + "9958", pad + "995"},       // no start of the code at the cut: kept
		{"", ""},
	}
	for _, tt := range tests {
		if got := readExcerpt(strings.NewReader(tt.body), "123456"); got != tt.want {
			t.Errorf("readExcerpt(%.20q...) = %.40q, want %.40q", tt.body, strings.TrimSpace(got), strings.TrimSpace(tt.want))
		}
	}
}
