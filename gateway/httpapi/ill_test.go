package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// TestLoadOfILLItem: a load the Service recognised as an awaited ILL item
// names the request; a hold's load has no ill_request field at all (see
// testdata/load.golden).
func TestLoadOfILLItem(t *testing.T) {
	svc := &mockService{LoadFn: func(_ context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
		return &gateway.LoadResult{Reservation: "R8", Patron: "P0003", Compartment: "5", Size: "M", ILLRequest: "ILL-1"}, nil
	}}
	s, _ := newTestServer(t, svc)
	rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/loads", staffSecret, `{"item":"T0001"}`)
	if rec.Code != 201 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["ill_request"] != "ILL-1" || got["reservation"] != "R8" || got["compartment"] != "5" {
		t.Errorf("load answer %v, want ill_request ILL-1 in compartment 5", got)
	}
}

// TestILLErrors: the Service's codes reach the client through the one
// table, on each ILL route.
func TestILLErrors(t *testing.T) {
	routes := []struct{ method, path, body string }{
		{"POST", "/api/v1/ill/arrivals", `{"item":"T0001"}`},
		{"GET", "/api/v1/ill/requests/ILL-9", ""},
		{"GET", "/api/v1/ill/requests", ""},
	}
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{gateway.Errorf(gateway.ENOTFOUND, "no awaited ILL request holds T0001"), 404, "not_found"},
		{gateway.Errorf(gateway.ENOSPACE, "no free compartment fits at bank B1"), 409, "no_space"},
		{gateway.Errorf(gateway.EINVALID, "unknown size XXL"), 400, "invalid"},
		{gateway.Errorf(gateway.ECONFLICT, "ILL request ILL-1 is collected"), 409, "conflict"},
		{gateway.Errorf(gateway.EUNAVAILABLE, "database: timed out"), 503, "unavailable"},
		{gateway.Errorf(gateway.EINTERNAL, "sql: secret detail"), 500, "internal"},
	}
	for _, rt := range routes {
		for _, tt := range tests {
			t.Run(rt.method+" "+rt.path+"/"+tt.code, func(t *testing.T) {
				svc := &mockService{
					ArriveILLFn:  func(context.Context, gateway.ArrivalRequest) (*gateway.ArrivalResult, error) { return nil, tt.err },
					ILLRequestFn: func(context.Context, string) (*gateway.ILLRequest, error) { return nil, tt.err },
					ILLRequestsFn: func(context.Context, gateway.ILLFilter) ([]gateway.ILLRequest, error) {
						return nil, tt.err
					},
				}
				s, _ := newTestServer(t, svc)
				rec := do(t, s.Handler(), rt.method, rt.path, staffSecret, rt.body)
				if rec.Code != tt.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
				}
				e := errorOf(t, rec)
				if e.Code != tt.code {
					t.Errorf("code %q, want %q", e.Code, tt.code)
				}
				if tt.status < 500 && e.Message != gateway.ErrorMessage(tt.err) {
					t.Errorf("message %q, want the Service's %q", e.Message, gateway.ErrorMessage(tt.err))
				}
				if strings.Contains(rec.Body.String(), "secret detail") {
					t.Errorf("internal detail reached the client: %s", rec.Body)
				}
			})
		}
	}
}

// TestILLBadInput: malformed bodies and query parameters are refused with
// a 400 naming the field, before the Service is called.
func TestILLBadInput(t *testing.T) {
	called := false
	svc := &mockService{
		ArriveILLFn: func(context.Context, gateway.ArrivalRequest) (*gateway.ArrivalResult, error) {
			called = true
			return &gateway.ArrivalResult{}, nil
		},
		ILLRequestsFn: func(context.Context, gateway.ILLFilter) ([]gateway.ILLRequest, error) {
			called = true
			return nil, nil
		},
	}
	s, _ := newTestServer(t, svc)
	tests := []struct{ method, path, body, want string }{
		{"POST", "/api/v1/ill/arrivals", `{"size":"M"}`, `"item" is required`},
		{"POST", "/api/v1/ill/arrivals", `{"item":"  "}`, `"item" is required`},
		{"POST", "/api/v1/ill/arrivals", `{"item":"T1","bank":"B1"}`, `unknown field "bank"`},
		{"POST", "/api/v1/ill/arrivals", `{"item":7}`, `field "item" must be a string`},
		{"POST", "/api/v1/ill/arrivals", `{"item":"T1"`, `JSON ends early`},
		{"POST", "/api/v1/ill/arrivals", ``, `request body is empty`},
		{"POST", "/api/v1/ill/arrivals", `[]`, `must be a JSON object`},
		{"GET", "/api/v1/ill/requests?state=awaited,lost", "", `state: "lost" is not one of awaited, arrived, collected, returned, cancelled, withdrawn, deleted`},
		{"GET", "/api/v1/ill/requests?limit=0", "", `limit: "0" is not a number`},
		{"GET", "/api/v1/ill/requests?limit=x", "", `limit: "x" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			called = false
			rec := do(t, s.Handler(), tt.method, tt.path, staffSecret, tt.body)
			if rec.Code != 400 {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			if e := errorOf(t, rec); e.Code != gateway.EINVALID || !strings.Contains(e.Message, tt.want) {
				t.Errorf("error %+v, want a message with %q", e, tt.want)
			}
			if called {
				t.Error("the Service was called with bad input")
			}
		})
	}
}

// TestILLListDefaults: no parameters list everything up to the default
// limit, and an empty list is [] (not null).
func TestILLListDefaults(t *testing.T) {
	var got gateway.ILLFilter
	svc := &mockService{ILLRequestsFn: func(_ context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error) {
		got = f
		return nil, nil
	}}
	s, _ := newTestServer(t, svc)
	rec := do(t, s.Handler(), "GET", "/api/v1/ill/requests", staffSecret, "")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Fatalf("empty list: %d %s", rec.Code, rec.Body)
	}
	if got.Bank != "" || got.Partner != "" || got.Item != "" || got.States != nil || got.Limit != DefaultLimit {
		t.Errorf("filter %+v, want only the default limit", got)
	}
}

// TestNCIPMount: Config.NCIP is served at POST /ncip without a bearer
// token (the responder authenticates partners itself), its answer passed
// through untouched; without it there is no such route.
func TestNCIPMount(t *testing.T) {
	var gotBody, gotAuth string
	ncip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotAuth = string(b), r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<NCIPMessage/>")
	})
	s, _ := newTestServer(t, &mockService{}, func(c *Config) { c.NCIP = ncip })
	const msg = `<NCIPMessage><AcceptItem/></NCIPMessage>`
	for _, secret := range []string{"", "partner-token-not-an-api-token"} {
		rec := do(t, s.Handler(), "POST", "/ncip", secret, msg)
		if rec.Code != 200 || rec.Body.String() != "<NCIPMessage/>" || rec.Header().Get("Content-Type") != "application/xml" {
			t.Errorf("POST /ncip with token %q: %d %q %q", secret, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if gotBody != msg {
			t.Errorf("the responder read %q, want the message", gotBody)
		}
		if secret != "" && gotAuth != "Bearer "+secret {
			t.Errorf("the responder saw Authorization %q", gotAuth)
		}
	}
	if rec := do(t, s.Handler(), "GET", "/ncip", "", ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /ncip: %d", rec.Code)
	}
	bare, _ := newTestServer(t, &mockService{})
	if rec := do(t, bare.Handler(), "POST", "/ncip", "", msg); rec.Code != 404 {
		t.Errorf("POST /ncip without Config.NCIP: %d %s", rec.Code, rec.Body)
	}
}

// TestILLRequestIDWithSlash: an ILL request id is the partner's, which
// may hold a slash ("2024/00117"); staff open it with the slash encoded,
// and the Service gets the id whole.
func TestILLRequestIDWithSlash(t *testing.T) {
	var got []string
	svc := &mockService{ILLRequestFn: func(_ context.Context, id string) (*gateway.ILLRequest, error) {
		got = append(got, id)
		return &gateway.ILLRequest{ID: id, Item: "T1", Bank: "B1", State: gateway.ILLAwaited}, nil
	}}
	s, _ := newTestServer(t, svc)
	for path, want := range map[string]string{
		"/api/v1/ill/requests/2024%2F00117":    "2024/00117",
		"/api/v1/ill/requests/ILL%2Fa%2Fb%20c": "ILL/a/b c",
		"/api/v1/ill/requests/ILL-1":           "ILL-1",
	} {
		got = nil
		rec := do(t, s.Handler(), "GET", path, staffSecret, "")
		if rec.Code != 200 || len(got) != 1 || got[0] != want {
			t.Errorf("GET %s: %d %s; the Service got %q, want %q", path, rec.Code, rec.Body, got, want)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["id"] != want {
			t.Errorf("GET %s: answer %s, want id %q", path, rec.Body, want)
		}
	}
}
