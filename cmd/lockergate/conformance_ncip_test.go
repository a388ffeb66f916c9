package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func TestConformanceNCIP(t *testing.T) {
	srv := nciptest.NewServer(t, nciptest.NewDemo())
	t.Setenv("LG_TEST_NCIP_AUTH", "input:U1:1234")

	code, out, errs := runNCIPCmd(t, "conformance", "ncip", "--url", srv.URL+"/ncip?apikey=K-SECRET-1", "--user", "U1", "--item", "I1",
		"--to-agency", "LOCKERGATE", "--auth-env", "LG_TEST_NCIP_AUTH", "--auth", "token:tok-SECRET-2", "--timeout", "5s", "--request-timeout", "2s")
	if code != 0 || !strings.Contains(out, "PASSED") || !strings.Contains(out, "46 pass") {
		t.Errorf("reference responder: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if !strings.Contains(out, "apikey=****") {
		t.Errorf("the target does not show the URL with its key masked:\n%s", out)
	}
	for _, secret := range []string{"K-SECRET-1", "tok-SECRET-2"} {
		if strings.Contains(out+errs, secret) {
			t.Errorf("output shows the secret %s", secret)
		}
	}

	// A responder that answers every business error with HTTP 500 fails.
	h := &ncip.Handler{Backend: nciptest.NewDemo()}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if strings.Contains(rec.Body.String(), "<Problem>") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		w.Write(rec.Body.Bytes())
	}))
	defer broken.Close()
	code, out, _ = runNCIPCmd(t, "conformance", "ncip", "--url", broken.URL, "--user", "U1", "--item", "I1", "--quiet", "--run", "http")
	if code != 1 || !strings.Contains(out, "http/2") || !strings.Contains(out, "FAILED") {
		t.Errorf("broken responder: exit %d\n%s", code, out)
	}
}

func TestConformanceNCIPUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no url", []string{"--user", "U", "--item", "I"}, "--url is required"},
		{"not http", []string{"--url", "ftp://x/", "--user", "U", "--item", "I"}, "http:// or https://"},
		{"no user", []string{"--url", "http://127.0.0.1:1/", "--item", "I"}, "--user is required"},
		{"no item", []string{"--url", "http://127.0.0.1:1/", "--user", "U"}, "--item is required"},
		{"bad auth kind", []string{"--url", "http://127.0.0.1:1/", "--user", "U", "--item", "I", "--auth", "bearer:hunter2-secret"}, "want token:T"},
		{"basic without secret part", []string{"--url", "http://127.0.0.1:1/", "--user", "U", "--item", "I", "--auth", "basic:onlyuser"}, "basic:USER:SECRET"},
		{"token and basic", []string{"--url", "http://127.0.0.1:1/", "--user", "U", "--item", "I", "--auth", "token:t1-secret", "--auth", "basic:u:p-secret"}, "both set the Authorization header"},
		{"empty env", []string{"--url", "http://127.0.0.1:1/", "--user", "U", "--item", "I", "--auth-env", "LG_TEST_UNSET_VAR"}, "is empty"},
		{"from without to", []string{"--url", "http://127.0.0.1:1/", "--user", "U", "--item", "I", "--from-agency", "A"}, "--from-agency needs --to-agency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runNCIPCmd(t, append([]string{"conformance", "ncip"}, tt.args...)...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
			for _, secret := range []string{"hunter2-secret", "t1-secret", "p-secret"} {
				if strings.Contains(errs, secret) {
					t.Errorf("stderr shows %s: %s", secret, errs)
				}
			}
		})
	}
}
