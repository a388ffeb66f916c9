package ncip_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

type partnerKey struct{}

// partnerBackend serves LookupUser for the partner a middleware put in
// the context, the way a gateway keys its per-partner profiles.
type partnerBackend struct{ *nciptest.Memory }

func (b partnerBackend) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	partner, _ := ctx.Value(partnerKey{}).(string)
	if req.InitiationHeader == nil || !req.InitiationHeader.FromAgencyID.AgencyID.Is(partner) {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnauthorizedServiceForAgency, "FromAgencyId", "the agency does not match the API key")
	}
	return b.Memory.LookupUser(ctx, req)
}

// TestMountOnGorillaMux: the Handler works behind a gorilla/mux router,
// at /ncip and under a path with a variable (edge-ncip's /ncip/{apikey}),
// and a middleware's context values reach the Backend.
func TestMountOnGorillaMux(t *testing.T) {
	keys := map[string]string{"k-ill": "ILL", "k-other": "OTHER"}
	h := &ncip.Handler{Backend: partnerBackend{nciptest.NewDemo()}}
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := mux.Vars(r)["apikey"]
			if key == "" {
				key = r.Header.Get("X-Api-Key")
			}
			partner, ok := keys[key]
			if !ok {
				http.Error(w, "unknown API key", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), partnerKey{}, partner)))
		})
	}
	r := mux.NewRouter()
	r.Handle("/ncip", auth(h)).Methods(http.MethodPost)
	r.Handle("/ncip/{apikey}", auth(h)).Methods(http.MethodPost)
	srv := httptest.NewServer(r)
	defer srv.Close()

	send := func(path, key, contentType, body string) (int, *ncip.Message) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, nil
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ncip.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: response is not NCIP: %v", path, err)
		}
		return resp.StatusCode, m
	}
	for _, tc := range []struct{ path, key, ct, body string }{
		{"/ncip", "k-ill", "application/xml", lookupU1},
		{"/ncip/k-ill", "", "text/xml; charset=UTF-8", lookupU1},
		{"/ncip/k-ill", "", "application/x-www-form-urlencoded", url.Values{"xml": {lookupU1}}.Encode()},
	} {
		code, m := send(tc.path, tc.key, tc.ct, tc.body)
		if code != 200 || m.LookupUserResponse == nil || m.LookupUserResponse.UserID == nil || m.LookupUserResponse.UserID.UserIdentifierValue != "U1" {
			t.Errorf("%s (%s): status %d, response %+v", tc.path, tc.ct, code, m)
		}
	}
	// The partner from the key is checked against the message's agency.
	if _, m := send("/ncip/k-other", "", "application/xml", lookupU1); m == nil || m.Problem() == nil || !m.Problem().Type.Is("Unauthorized Service For Agency") {
		t.Errorf("other partner's key: %+v, want Unauthorized Service For Agency", m)
	}
	if code, _ := send("/ncip", "wrong", "application/xml", lookupU1); code != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d, want 401 from the middleware", code)
	}
}
