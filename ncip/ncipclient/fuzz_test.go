package ncipclient_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// fixedTransport answers every request with one status and body, so that
// the fuzzer drives the client's response path without a network.
type fixedTransport struct {
	status int
	body   []byte
}

func (f fixedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: f.status, Header: http.Header{"Content-Type": {"application/xml"}},
		Body: io.NopCloser(bytes.NewReader(f.body)), Request: r}, nil
}

// FuzzClientResponse: whatever a peer answers, the client returns a
// response, a *ncip.Problem, a *TransportError or an Invalid Date error,
// never panics, and never shows the token.
func FuzzClientResponse(f *testing.F) {
	files, _ := filepath.Glob("../schema/testdata/examples/*.xml")
	if len(files) == 0 {
		f.Fatal("no seed examples in ../schema/testdata/examples")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(200, b)
	}
	f.Add(500, []byte("<html><body>Internal Server Error</body></html>"))
	f.Add(200, []byte("It works!"))
	f.Add(401, []byte("Bearer tok-fuzz-SECRET"))
	const token = "tok-fuzz-SECRET"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		hc := &http.Client{Transport: fixedTransport{status, body}}
		c := ncipclient.New("http://ncip.invalid/ncip", ncipclient.Options{Token: token, Retries: -1, HTTPClient: hc})
		out, err := c.LookupUser(t.Context(), &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "U1"}})
		if err == nil {
			if out == nil {
				t.Fatal("nil response and nil error")
			}
			return
		}
		if strings.Contains(err.Error(), token) {
			t.Fatalf("error shows the token: %v", err)
		}
		var p *ncip.Problem
		var te *ncipclient.TransportError
		if !errors.As(err, &p) && !errors.As(err, &te) && !strings.HasPrefix(err.Error(), "ncipclient: ") {
			t.Fatalf("error %T without the package prefix: %v", err, err)
		}
	})
}
