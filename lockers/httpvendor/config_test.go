package httpvendor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	hv "github.com/lockergate/lockergate/lockers/httpvendor"
	"github.com/lockergate/lockergate/lockers/internal/drivertest"
)

func TestParseURL(t *testing.T) {
	t.Setenv("LG_TEST_VENDOR_KEY", "sk_live_from_env")
	t.Setenv("LG_TEST_VENDOR_HOOK", "whsec_from_env")
	u, _ := url.Parse("https://vendor.example/api/v2/?bank=LOCKER%201&key_env=LG_TEST_VENDOR_KEY&auth=header&webhook_secret_env=LG_TEST_VENDOR_HOOK&timeout=2s&retries=0&confirm_timeout=9s")
	c, err := hv.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://vendor.example/api/v2" || c.Bank != "LOCKER 1" || c.Key != "sk_live_from_env" || c.Auth != hv.AuthHeader ||
		string(c.WebhookSecret) != "whsec_from_env" || c.Timeout != 2*time.Second || c.Retries != -1 || c.ConfirmTimeout != 9*time.Second {
		t.Errorf("ParseURL = %+v", c)
	}
	bad := []struct{ in, key, msg string }{
		{"https://vendor.example/api?key=k", "bank", "missing"},
		{"https://vendor.example/api?bank=B1", "key_env", "no API key"},
		{"https://vendor.example/api?bank=B1&key_env=LG_TEST_UNSET_VAR", "key_env", "LG_TEST_UNSET_VAR is not set"},
		{"https://vendor.example/api?bank=B1&key=k&auth=basic", "auth", "not bearer or header"},
		{"https://vendor.example/api?bank=B1&key=k&retries=many", "retries", "not a number"},
		{"https://vendor.example/api?bank=B1&key=k&colour=blue", "colour", "unknown option"},
		{"https://user:pw@vendor.example/api?bank=B1&key=k", "", "credentials in the URL"},
		{"ftp://vendor.example/api?bank=B1&key=k", "", "not https or http"},
	}
	for _, tt := range bad {
		u, _ := url.Parse(tt.in)
		_, err := hv.ParseURL(u)
		var ce *lockers.ConfigError
		if !errors.As(err, &ce) || ce.Key != tt.key || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseURL(%s) = %v, want a ConfigError for key %q containing %q", tt.in, err, tt.key, tt.msg)
		}
	}
}

// TestKeyInURLNeverLeaks opens drivers through the registry with the key
// in the URL and checks every error path for it.
func TestKeyInURLNeverLeaks(t *testing.T) {
	const key = "sk_live_DoNotPrintMe_4417"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			t.Errorf("request without the key in the header: %v", r.Header)
		}
		if strings.Contains(r.URL.String(), key) {
			t.Errorf("the key was sent in the URL: %s", r.URL)
		}
		http.Error(w, "upstream broke while handling "+r.Header.Get("Authorization"), http.StatusBadGateway)
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, cfg := range []string{
		srv.URL + "/api?bank=B1&key=" + key + "&retries=0",
		srv.URL + "/api?bank=B1&key=" + key + "&colour=x",
		"https://vendor.example/api?key=" + key,
	} {
		d, err := lockers.Open(ctx, cfg)
		if err != nil {
			if strings.Contains(err.Error(), key) {
				t.Errorf("lockers.Open error leaks the key: %v", err)
			}
			continue
		}
		_, err = d.Status(ctx, "1")
		if err == nil || strings.Contains(err.Error(), key) {
			t.Errorf("Status error = %v; want an error without the key", err)
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("Status error %q should show the echoed body with the key replaced", err)
		}
		d.Close()
	}
}

// FuzzStatusBody feeds arbitrary vendor answers to Status: no panic, and a
// status accepted is about the compartment asked for.
func FuzzStatusBody(f *testing.F) {
	f.Add(200, []byte(`{"compartment":"3","lock":"released","door":"open","item":"occupied","read_at":"2026-03-02T17:04:05Z"}`))
	f.Add(200, []byte(`{"compartment":"3","lock":"latched","door":"closed","fault":"DOOR_JAMMED"}`))
	f.Add(404, []byte(`{"error":{"code":"UNKNOWN_COMPARTMENT","message":"no 3"}}`))
	f.Add(503, []byte(`<html>down</html>`))
	f.Add(200, []byte(`{"compartment":"4"}`))
	var status int
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write(body)
	}))
	defer srv.Close()
	d, err := hv.New(hv.Config{BaseURL: srv.URL, Bank: "B1", Key: "k", Retries: -1})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	f.Fuzz(func(t *testing.T, s int, b []byte) {
		if s < 200 || s > 599 {
			s = 200 + s%400
			if s < 200 {
				s += 400
			}
		}
		status, body = s, b
		st, err := d.Status(context.Background(), "3")
		if err == nil && st.Compartment != "3" {
			t.Fatalf("accepted a status for %q", st.Compartment)
		}
		if err != nil && len(err.Error()) > 600 {
			t.Fatalf("error message of %d bytes", len(err.Error()))
		}
	})
}

// FuzzParseURL feeds arbitrary configuration strings with a secret planted
// where configurations carry them (user:password@, key=, token=,
// password=): ParseURL must not panic, must return a *ConfigError and
// must not repeat the secret; what it accepts must name a bank, a key and
// a base URL without query.
func FuzzParseURL(f *testing.F) {
	seeds := []string{
		"https://vendor.example/api?bank=LOCKER1&key=abc", "http://h/api/v2/?bank=B&key=k&auth=header&timeout=2s&retries=0",
		"https://h/api?bank=B&key_env=LG_NO_SUCH_VAR", "https://h/api?bank=B&key=k&retries=11",
		"https://h/?bank=B&key=k&webhook_secret_env=LG_NO_SUCH_VAR&webhook_tolerance=1m&confirm_interval=x",
		"https://u@h/api?bank=B", "https:///api?bank=B", "ftp://h/api?bank=B&key=k", "https://h/api?colour=blue",
	}
	drivertest.FuzzParse(f, "lockers: driver config ", seeds, func(t *testing.T, u *url.URL) error {
		c, err := hv.ParseURL(u)
		if err != nil {
			var ce *lockers.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%q: error %T %v is not a *lockers.ConfigError", u, err, err)
			}
			return err
		}
		if c.Bank == "" || c.Key == "" || c.BaseURL == "" || strings.ContainsAny(c.BaseURL, "?#") {
			t.Fatalf("%q: accepted an unusable config %+v", u, c)
		}
		return nil
	})
}
