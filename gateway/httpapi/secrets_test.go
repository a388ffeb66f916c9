package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// TestSecretsNeverLogged drives the patron endpoints through success,
// refusal, lockout, malformed and flood paths and checks that no PIN,
// pickup code or token reaches the log or an answer.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		pin  = "482913"
		code = "739146"
		card = "P0001"
	)
	var outcome error
	svc := &mockService{
		PickupFn: func(_ context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error) {
			if req.PIN != pin && req.Code != code {
				t.Errorf("the Service did not get the credentials: %+v", req)
			}
			if outcome != nil {
				return nil, outcome
			}
			return &gateway.PickupResult{Reservations: []string{"R1"}}, nil
		},
		LendFn: func(_ context.Context, req gateway.LendRequest) (*gateway.LendResult, error) {
			if outcome != nil {
				return nil, outcome
			}
			return &gateway.LendResult{Item: "E1"}, nil
		},
	}
	s, logs := newTestServer(t, svc, func(c *Config) { c.PatronBurst = 8; c.PatronRate = 0.001 })
	outcomes := []error{
		nil,
		gateway.Errorf(gateway.EUNAUTHORIZED, "wrong card or PIN"),
		gateway.Errorf(gateway.ELOCKED, "too many attempts; try later"),
		gateway.WrapError(gateway.EINTERNAL, context.DeadlineExceeded, "verify failed"),
	}
	bodies := []string{
		`{"patron":"` + card + `","pin":"` + pin + `"}`,
		`{"code":"` + code + `"}`,
	}
	var answers strings.Builder
	for _, o := range outcomes {
		outcome = o
		for _, b := range bodies {
			rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/pickups", kioskSecret, b)
			answers.WriteString(rec.Body.String())
		}
		rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"`+card+`","pin":"`+pin+`","type":"laptop"}`)
		answers.WriteString(rec.Body.String())
	}
	// Malformed bodies carrying the secrets, and the flood answer (the
	// bucket of 8 is empty by now).
	for _, b := range []string{`{"patron":"` + card + `","pin":` + pin + `}`, `{"code":"` + code + `","x":1}`, `{"code":"` + code} {
		rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/pickups", kioskSecret, b)
		answers.WriteString(rec.Body.String())
	}
	if !strings.Contains(answers.String(), "too many requests from this terminal") {
		t.Errorf("the flood limit never answered: %s", answers.String())
	}
	log := logs.String()
	if !strings.Contains(log, "/api/v1/banks/B1/pickups") {
		t.Fatalf("no access log: %s", log)
	}
	for _, secret := range []string{pin, code, kioskSecret} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q:\n%s", secret, log)
		}
		if strings.Contains(answers.String(), secret) {
			t.Errorf("an answer holds a secret %q: %s", secret, answers.String())
		}
	}
}

// TestFloodLimit checks the per-address bucket on the patron endpoints.
func TestFloodLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := &mockService{PickupFn: func(context.Context, gateway.PickupRequest) (*gateway.PickupResult, error) {
		return nil, gateway.Errorf(gateway.EUNAUTHORIZED, "wrong code")
	}, ReturnFn: func(context.Context, gateway.ReturnRequest) (*gateway.ReturnResult, error) {
		return &gateway.ReturnResult{Compartment: "1"}, nil
	}}
	s, _ := newTestServer(t, svc, func(c *Config) { c.Now = clock; c.PatronRate = 0.5; c.PatronBurst = 3 })
	from := func(addr, path, body string) int {
		req := newReq("POST", path, kioskSecret, body)
		req.RemoteAddr = addr
		rec := serve(s.Handler(), req)
		if rec.Code == 429 {
			if ra := rec.Header().Get("Retry-After"); ra != "2" {
				t.Errorf("Retry-After = %q, want 2 (one token at 0.5/s)", ra)
			}
			if errorOf(t, rec).Code != gateway.ELOCKED {
				t.Errorf("flood code = %q", errorOf(t, rec).Code)
			}
		}
		return rec.Code
	}
	pick := func(addr string) int { return from(addr, "/api/v1/banks/B1/pickups", `{"code":"111111"}`) }
	for i := 0; i < 3; i++ {
		if c := pick("10.0.0.1:5000"); c != 401 {
			t.Fatalf("request %d: %d, want 401 from the Service", i, c)
		}
	}
	if c := pick("10.0.0.1:5001"); c != 429 {
		t.Fatalf("4th request: %d, want 429", c)
	}
	// Loans share the bucket; returns are not limited.
	if c := from("10.0.0.1:5002", "/api/v1/banks/B1/loans", `{"patron":"P1","pin":"1","type":"x"}`); c != 429 {
		t.Errorf("loan after the burst: %d, want 429", c)
	}
	if c := from("10.0.0.1:5003", "/api/v1/banks/B1/returns", `{"item":"I1"}`); c != 200 {
		t.Errorf("return: %d, want 200", c)
	}
	if c := pick("10.0.0.2:5000"); c != 401 {
		t.Errorf("another address: %d, want its own bucket", c)
	}
	now = now.Add(2 * time.Second)
	if c := pick("10.0.0.1:5000"); c != 401 {
		t.Errorf("after the refill: %d, want 401", c)
	}
	if c := pick("10.0.0.1:5000"); c != 429 {
		t.Errorf("one token refilled, two taken: %d, want 429", c)
	}
}

func TestFloodLimitOff(t *testing.T) {
	svc := &mockService{PickupFn: func(context.Context, gateway.PickupRequest) (*gateway.PickupResult, error) {
		return &gateway.PickupResult{}, nil
	}}
	s, _ := newTestServer(t, svc, func(c *Config) { c.PatronRate = -1 })
	for i := 0; i < 3*DefaultPatronBurst; i++ {
		if rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/pickups", kioskSecret, `{"code":"1"}`); rec.Code != 200 {
			t.Fatalf("request %d: %d with the bucket off", i, rec.Code)
		}
	}
}

// TestLimiterForgets checks that idle addresses are dropped and that the
// table stays bounded under a flood from many addresses.
func TestLimiterForgets(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(1, 2, func() time.Time { return now })
	for i := 0; i < maxBuckets+50; i++ {
		l.allow(string(rune(i)))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets, want at most %d", n, maxBuckets)
	}
	now = now.Add(3 * time.Second)
	l.allow("fresh")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after every address went idle, want 1", n)
	}
}
