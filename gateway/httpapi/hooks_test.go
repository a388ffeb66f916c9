package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestVendorHooks: a bank's vendor events reach its handler without a
// bearer token (the handler checks the vendor's signature), with the body
// and headers intact; a bank without a handler is 404 and other methods 405.
func TestVendorHooks(t *testing.T) {
	var got struct {
		body, sig string
		calls     int
	}
	s, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.VendorHooks = map[string]http.Handler{"LOCKER1": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got.body, got.sig = string(b), r.Header.Get("Lockers-Signature")
			got.calls++
			w.WriteHeader(http.StatusNoContent)
		})}
	})
	h := s.Handler()
	req, _ := http.NewRequest(http.MethodPost, VendorHookPath+"LOCKER1", strings.NewReader(`{"event_id":"e1"}`))
	req.Header.Set("Lockers-Signature", "v1=abc")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || got.calls != 1 || got.body != `{"event_id":"e1"}` || got.sig != "v1=abc" {
		t.Errorf("POST to LOCKER1's hook: status %d, handler saw %+v", rec.Code, got)
	}
	if rec := do(t, h, http.MethodPost, VendorHookPath+"OTHER", "", `{}`); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"not_found"`) {
		t.Errorf("POST to a bank without a hook: %d %s, want 404 JSON", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodGet, VendorHookPath+"LOCKER1", "", ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET on a hook: %d, want 405", rec.Code)
	}
	if got.calls != 1 {
		t.Errorf("handler called %d times, want 1", got.calls)
	}
}
