package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/lockers"
)

const (
	kioskSecret = "kiosk-secret-0001-aaaaaaaa"
	staffSecret = "staff-secret-0002-bbbbbbbb"
	adminSecret = "admin-secret-0003-cccccccc"
)

var testTokens = []Token{
	{Name: "kiosk1", Role: RoleKiosk, Secret: kioskSecret},
	{Name: "desk1", Role: RoleStaff, Secret: staffSecret},
	{Name: "ops", Role: RoleAdmin, Secret: adminSecret},
}

// newTestServer returns a server over svc with the test tokens and a log
// captured at debug level; opts adjust the configuration.
func newTestServer(t testing.TB, svc Service, opts ...func(*Config)) (*Server, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	log := logrus.New()
	log.SetOutput(logs)
	log.SetLevel(logrus.DebugLevel)
	log.SetFormatter(&logrus.JSONFormatter{})
	cfg := Config{Service: svc, Tokens: testTokens, Log: log, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	s := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, logs
}

// do sends one request to h; secret "" sends no Authorization header.
func do(t testing.TB, h http.Handler, method, path, secret, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorOf decodes an error body, failing the test if it is not one.
func errorOf(t testing.TB, rec *httptest.ResponseRecorder) errorDetail {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error.Code == "" {
		t.Fatalf("body %q is not an error body (%v)", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	return b.Error
}

// sampleBody is a valid body for each route that takes one.
var sampleBody = map[string]string{
	"POST /api/v1/banks/{bank}/loads":                             `{"item":"I0001"}`,
	"POST /api/v1/banks/{bank}/pickups":                           `{"code":"123456"}`,
	"POST /api/v1/banks/{bank}/returns":                           `{"item":"I0001"}`,
	"POST /api/v1/banks/{bank}/loans":                             `{"patron":"P0001","pin":"1234","type":"laptop"}`,
	"PUT /api/v1/banks/{bank}/compartments/{compartment}/service": `{"in_service":true}`,
	"POST /api/v1/ill/arrivals":                                   `{"item":"T0001"}`,
}

// concrete fills a route template with sample values.
func concrete(path string) string {
	r := strings.NewReplacer("{bank}", "B1", "{compartment}", "7", "{id}", "42")
	return r.Replace(path)
}

// TestRoles sends every route each kind of credential and checks the
// answer: 401 without or with an unknown token, 403 below the route's role,
// through to the Service from the role up.
func TestRoles(t *testing.T) {
	s, _ := newTestServer(t, &mockService{}, func(c *Config) { c.Metrics = http.NotFoundHandler(); c.MetricsRole = RoleAdmin })
	h := s.Handler()
	creds := []struct {
		name   string
		secret string
		role   Role
	}{
		{"none", "", ""},
		{"unknown", "not-a-configured-token-zzzz", ""},
		{"kiosk", kioskSecret, RoleKiosk},
		{"staff", staffSecret, RoleStaff},
		{"admin", adminSecret, RoleAdmin},
	}
	for _, rt := range s.routes {
		key := rt.method + " " + rt.path
		for _, c := range creds {
			t.Run(key+"/"+c.name, func(t *testing.T) {
				var rec *httptest.ResponseRecorder
				if rt.stream {
					// A stream runs until its client goes: this client
					// has gone already, so an allowed request answers
					// 200 and returns.
					ctx, cancel := context.WithCancel(context.Background())
					cancel()
					req := httptest.NewRequest(rt.method, concrete(rt.path), nil).WithContext(ctx)
					if c.secret != "" {
						req.Header.Set("Authorization", "Bearer "+c.secret)
					}
					rec = httptest.NewRecorder()
					h.ServeHTTP(rec, req)
				} else {
					rec = do(t, h, rt.method, concrete(rt.path), c.secret, sampleBody[key])
				}
				switch {
				case rt.role == "":
					if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
						t.Errorf("public route answered %d", rec.Code)
					}
				case c.role == "":
					if rec.Code != http.StatusUnauthorized {
						t.Fatalf("status = %d, want 401", rec.Code)
					}
					if errorOf(t, rec).Code != gateway.EUNAUTHORIZED {
						t.Errorf("code = %q", errorOf(t, rec).Code)
					}
					if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
					}
				case c.role.rank() < rt.role.rank():
					if rec.Code != http.StatusForbidden {
						t.Fatalf("status = %d, want 403 (%s)", rec.Code, rec.Body)
					}
					if errorOf(t, rec).Code != gateway.EFORBIDDEN {
						t.Errorf("code = %q", errorOf(t, rec).Code)
					}
				default:
					// The mock answers ENOTFOUND: the request got through.
					if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
						t.Fatalf("status = %d for role %s on a %s route: %s", rec.Code, c.role, rt.role, rec.Body)
					}
					if rt.stream && rec.Code != http.StatusOK {
						t.Fatalf("stream status = %d, want 200", rec.Code)
					}
				}
			})
		}
	}
}

func TestBearerParsing(t *testing.T) {
	s, _ := newTestServer(t, &mockService{BanksFn: func(context.Context) ([]gateway.BankState, error) { return nil, nil }})
	for _, tt := range []struct {
		header string
		want   int
	}{
		{"Bearer " + staffSecret, 200},
		{"bearer " + staffSecret, 200},
		{"BEARER  " + staffSecret + " ", 200},
		{"Basic " + staffSecret, 401},
		{staffSecret, 401},
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Bearer " + staffSecret[:len(staffSecret)-1], 401},
		{"Bearer " + staffSecret + "x", 401},
	} {
		req := httptest.NewRequest("GET", "/api/v1/banks", nil)
		req.Header.Set("Authorization", tt.header)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("Authorization %q: status %d, want %d", tt.header, rec.Code, tt.want)
		}
	}
}

// TestActor checks that the Service learns who acted as "<role>:<name>".
func TestActor(t *testing.T) {
	var got []string
	svc := &mockService{
		LoadFn: func(_ context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
			got = append(got, req.Actor)
			return &gateway.LoadResult{Reservation: "R1", Compartment: "3"}, nil
		},
		ExpireFn:      func(_ context.Context, id, actor string) error { got = append(got, actor); return nil },
		RetryOutboxFn: func(_ context.Context, id int64, actor string) error { got = append(got, actor); return nil },
	}
	s, _ := newTestServer(t, svc)
	h := s.Handler()
	do(t, h, "POST", "/api/v1/banks/B1/loads", staffSecret, `{"item":"I1"}`)
	do(t, h, "POST", "/api/v1/banks/B1/loads", adminSecret, `{"item":"I1"}`)
	do(t, h, "POST", "/api/v1/reservations/R1/expire", staffSecret, "")
	do(t, h, "POST", "/api/v1/outbox/9/retry", adminSecret, "")
	want := []string{"staff:desk1", "admin:ops", "staff:desk1", "admin:ops"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actors = %v, want %v", got, want)
	}
}

// TestErrorMapping checks the one table, the body shape and which
// messages reach the client.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		err        error
		status     int
		code, msg  string
		retryAfter string
	}{
		{gateway.Errorf(gateway.ECONFLICT, "compartment 3 is busy"), 409, "conflict", "compartment 3 is busy", ""},
		{gateway.Errorf(gateway.EINVALID, "bad size"), 400, "invalid", "bad size", ""},
		{gateway.Errorf(gateway.ENOTFOUND, "no bank B9"), 404, "not_found", "no bank B9", ""},
		{gateway.Errorf(gateway.ENOSPACE, "no free compartment fits"), 409, "no_space", "no free compartment fits", ""},
		{gateway.Errorf(gateway.EUNAUTHORIZED, "wrong card or PIN"), 401, "unauthorized", "wrong card or PIN", ""},
		{gateway.Errorf(gateway.EFORBIDDEN, "card blocked"), 403, "forbidden", "card blocked", ""},
		{gateway.Errorf(gateway.ELOCKED, "too many attempts"), 429, "locked", "too many attempts", "60"},
		{&lockedFor{gateway.Errorf(gateway.ELOCKED, "locked"), 15 * time.Minute}, 429, "locked", "locked", "900"},
		{&lockedFor{gateway.Errorf(gateway.ELOCKED, "locked"), 1500 * time.Millisecond}, 429, "locked", "locked", "2"},
		{gateway.Errorf(gateway.EUNAVAILABLE, "the ILS does not answer"), 503, "unavailable", "the ILS does not answer", ""},
		{gateway.Errorf(gateway.EREFUSED, "Item not checked out"), 422, "refused", "Item not checked out", ""},
		{gateway.Errorf(gateway.EDOOR, "door 3 did not open"), 502, "door_fault", "door 3 did not open", ""},
		{gateway.WrapError(gateway.EINTERNAL, errors.New("pq: relation missing"), "db broke at 10.0.0.5"), 500, "internal", "internal error", ""},
		{errors.New("dial tcp 10.0.0.5:5432: connection refused"), 500, "internal", "internal error", ""},
		{fmt.Errorf("waiting: %w", context.DeadlineExceeded), 503, "unavailable", "the request took too long; try again", ""},
		{fmt.Errorf("load: %w", gateway.Errorf(gateway.ENOTFOUND, "no item I9")), 404, "not_found", "no item I9", ""},
		{&gateway.Error{Code: "made_up"}, 500, "made_up", "made_up", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.msg, func(t *testing.T) {
			svc := &mockService{ReservationFn: func(context.Context, string) (*gateway.Reservation, error) { return nil, tt.err }}
			s, logs := newTestServer(t, svc)
			rec := do(t, s.Handler(), "GET", "/api/v1/reservations/R1", staffSecret, "")
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			e := errorOf(t, rec)
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("error = %+v, want {%s %s}", e, tt.code, tt.msg)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if strings.Contains(rec.Body.String(), "10.0.0.5") || strings.Contains(rec.Body.String(), "pq:") {
				t.Errorf("internal detail reached the client: %s", rec.Body)
			}
			if tt.status >= 500 && !strings.Contains(logs.String(), "request failed") {
				t.Errorf("a %d was not logged: %s", tt.status, logs)
			}
		})
	}
}

// lockedFor is an error that says how long its lockout lasts.
type lockedFor struct {
	err *gateway.Error
	d   time.Duration
}

func (e *lockedFor) Error() string             { return e.err.Error() }
func (e *lockedFor) Unwrap() error             { return e.err }
func (e *lockedFor) RetryAfter() time.Duration { return e.d }

func TestStatusCodeTableComplete(t *testing.T) {
	for _, code := range []string{gateway.ECONFLICT, gateway.EINTERNAL, gateway.EINVALID, gateway.ENOTFOUND, gateway.ENOSPACE,
		gateway.EUNAUTHORIZED, gateway.EFORBIDDEN, gateway.ELOCKED, gateway.EUNAVAILABLE, gateway.EREFUSED, gateway.EDOOR} {
		if _, ok := codes[code]; !ok {
			t.Errorf("code %q has no HTTP status", code)
		}
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	rec := do(t, s.Handler(), "GET", "/api/v1/nothing", staffSecret, "")
	if rec.Code != 404 || errorOf(t, rec).Code != gateway.ENOTFOUND {
		t.Errorf("unknown path: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, s.Handler(), "DELETE", "/api/v1/banks", staffSecret, "")
	if rec.Code != 405 || errorOf(t, rec).Code != "method_not_allowed" {
		t.Errorf("wrong method: %d %s", rec.Code, rec.Body)
	}
}

func TestPanicRecovered(t *testing.T) {
	svc := &mockService{BanksFn: func(context.Context) ([]gateway.BankState, error) { panic("boom in banks") }}
	s, logs := newTestServer(t, svc)
	rec := do(t, s.Handler(), "GET", "/api/v1/banks", staffSecret, "")
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if e := errorOf(t, rec); e.Code != "internal" || e.Message != "internal error" {
		t.Errorf("error = %+v", e)
	}
	if !strings.Contains(logs.String(), "boom in banks") || !strings.Contains(logs.String(), "handler panicked") {
		t.Errorf("panic not logged: %s", logs)
	}
	if !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("access log does not show the 500: %s", logs)
	}
}

// TestRequestTimeout checks that a Service call that outlives
// RequestTimeout ends with a 503, not a hang.
func TestRequestTimeout(t *testing.T) {
	svc := &mockService{BanksFn: func(ctx context.Context) ([]gateway.BankState, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("the request context had no deadline")
		}
	}}
	s, _ := newTestServer(t, svc, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
	start := time.Now()
	rec := do(t, s.Handler(), "GET", "/api/v1/banks", staffSecret, "")
	if rec.Code != 503 || errorOf(t, rec).Code != gateway.EUNAVAILABLE {
		t.Errorf("status %d %s, want 503 unavailable", rec.Code, rec.Body)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestAccessLog(t *testing.T) {
	svc := &mockService{BanksFn: func(context.Context) ([]gateway.BankState, error) { return nil, nil }}
	s, logs := newTestServer(t, svc)
	do(t, s.Handler(), "GET", "/api/v1/banks?x=1", staffSecret, "")
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"http request"`) {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line == nil {
		t.Fatalf("no access log line in %s", logs)
	}
	for k, want := range map[string]any{"method": "GET", "path": "/api/v1/banks", "status": float64(200), "actor": "staff:desk1"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("log has no duration")
	}
}

func TestConfigValidate(t *testing.T) {
	svc := &mockService{}
	good := Config{Service: svc, Tokens: testTokens}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no service", Config{}, "Service is nil"},
		{"short secret", Config{Service: svc, Tokens: []Token{{Name: "k", Role: RoleKiosk, Secret: "short-one"}}}, "tokens[0] (k): secret is shorter than 16"},
		{"bad role", Config{Service: svc, Tokens: []Token{{Name: "k", Role: "root", Secret: kioskSecret}}}, `tokens[0] (k): role "root"`},
		{"no name", Config{Service: svc, Tokens: []Token{{Role: RoleKiosk, Secret: kioskSecret}}}, "tokens[0]: name is empty"},
		{"colon in name", Config{Service: svc, Tokens: []Token{{Name: "a:b", Role: RoleKiosk, Secret: kioskSecret}}}, "must not contain"},
		{"dup name", Config{Service: svc, Tokens: []Token{testTokens[0], {Name: "kiosk1", Role: RoleStaff, Secret: staffSecret}}}, "tokens[1]: name kiosk1 is used twice"},
		{"dup secret", Config{Service: svc, Tokens: []Token{testTokens[0], {Name: "k2", Role: RoleStaff, Secret: kioskSecret}}}, "tokens[1] (k2): secret is the same"},
		{"metrics role", Config{Service: svc, MetricsRole: "boss"}, `MetricsRole "boss"`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
		for _, tok := range tt.cfg.Tokens {
			if err != nil && strings.Contains(err.Error(), tok.Secret) {
				t.Errorf("%s: error shows a secret: %v", tt.name, err)
			}
		}
	}
}

// TestBadTokenLeftOut checks that New drops an invalid token (and logs it
// without the secret) rather than accept it.
func TestBadTokenLeftOut(t *testing.T) {
	weak := "weak"
	s, logs := newTestServer(t, &mockService{}, func(c *Config) {
		c.Tokens = append(c.Tokens, Token{Name: "weakling", Role: RoleAdmin, Secret: weak})
	})
	rec := do(t, s.Handler(), "GET", "/api/v1/banks", weak, "")
	if rec.Code != 401 {
		t.Errorf("a too-short token was accepted: %d", rec.Code)
	}
	if !strings.Contains(logs.String(), "weakling") || strings.Contains(logs.String(), `"weak"`) {
		t.Errorf("log should name the token, not its secret: %s", logs)
	}
}

func TestTokenFormatting(t *testing.T) {
	tok := Token{Name: "desk1", Role: RoleStaff, Secret: staffSecret}
	cfg := Config{Tokens: []Token{tok}}
	for _, out := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)} {
		if strings.Contains(out, staffSecret) {
			t.Errorf("formatted token shows its secret: %s", out)
		}
	}
	if got := tok.String(); got != "staff:desk1" {
		t.Errorf("String() = %q", got)
	}
}

func TestKeyringLookup(t *testing.T) {
	k := newKeyring(testTokens)
	for _, tok := range testTokens {
		who, ok := k.lookup(tok.Secret)
		if !ok || who.name != tok.Name || who.role != tok.Role {
			t.Errorf("lookup(%s) = %+v %v", tok.Name, who, ok)
		}
	}
	for _, bad := range []string{"", "x", kioskSecret + " ", strings.ToUpper(kioskSecret)} {
		if _, ok := k.lookup(bad); ok {
			t.Errorf("lookup(%q) matched", bad)
		}
	}
}

var _ = lockers.CompartmentID("")

// newReq builds a request; secret "" sends no Authorization header.
func newReq(method, path, secret, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
