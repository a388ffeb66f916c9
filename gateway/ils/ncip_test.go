package ils

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
	"github.com/lockergate/lockergate/ncip/schema"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

const (
	testToken  = "s3cret-ncip-token-xyz"
	ourAgency  = "LOCKERS"
	ilsAgency  = "MAINLIB"
	testPatron = "P0001"
)

// scriptedBackend is an nciptest.Memory whose answers a test can replace:
// the next call of a service takes the first queued Problem instead of
// reaching the Memory.
type scriptedBackend struct {
	*nciptest.Memory
	mu     sync.Mutex
	queued map[string][]*ncip.Problem
}

func (b *scriptedBackend) fail(service string, p *ncip.Problem) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queued[service] = append(b.queued[service], p)
}

func (b *scriptedBackend) next(service string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queued[service]
	if len(q) == 0 {
		return nil
	}
	b.queued[service] = q[1:]
	return q[0]
}

// scriptedCall answers one call of service: the first queued Problem, else
// the Memory's answer (mem).
func scriptedCall[Q, R any](b *scriptedBackend, service string, ctx context.Context, req Q, mem func(context.Context, Q) (R, error)) (R, error) {
	if err := b.next(service); err != nil {
		var zero R
		return zero, err
	}
	return mem(ctx, req)
}

func (b *scriptedBackend) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	return scriptedCall(b, "AcceptItem", ctx, req, b.Memory.AcceptItem)
}

func (b *scriptedBackend) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	return scriptedCall(b, "CheckOutItem", ctx, req, b.Memory.CheckOutItem)
}

func (b *scriptedBackend) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	return scriptedCall(b, "CheckInItem", ctx, req, b.Memory.CheckInItem)
}

func (b *scriptedBackend) CancelRequestItem(ctx context.Context, req *ncip.CancelRequestItem) (*ncip.CancelRequestItemResponse, error) {
	return scriptedCall(b, "CancelRequestItem", ctx, req, b.Memory.CancelRequestItem)
}

func (b *scriptedBackend) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	return scriptedCall(b, "DeleteItem", ctx, req, b.Memory.DeleteItem)
}

func (b *scriptedBackend) LookupItem(ctx context.Context, req *ncip.LookupItem) (*ncip.LookupItemResponse, error) {
	return scriptedCall(b, "LookupItem", ctx, req, b.Memory.LookupItem)
}

func (b *scriptedBackend) LookupAgency(ctx context.Context, req *ncip.LookupAgency) (*ncip.LookupAgencyResponse, error) {
	return scriptedCall(b, "LookupAgency", ctx, req, b.Memory.LookupAgency)
}

// ilsNCIP is a test ILS's NCIP side: a Memory behind a responder that
// fails the test on any request that is not valid against the NCIP 2.02
// schema or lacks the token, and records the services it was sent.
type ilsNCIP struct {
	t    *testing.T
	mem  *nciptest.Memory
	back *scriptedBackend
	srv  *httptest.Server
	// noHeader: the adapter under test has no agencies, so its requests
	// must carry no InitiationHeader.
	noHeader atomic.Bool

	mu     sync.Mutex
	sent   []string // service names, in order
	bodies []string
}

func newILSNCIP(t *testing.T) *ilsNCIP {
	t.Helper()
	mem := nciptest.New()
	mem.Agency = ilsAgency
	mem.AddUser(nciptest.User{ID: testPatron, Name: "Ada Lovelace"})
	mem.AddUser(nciptest.User{ID: "P0002", Name: "Grace Hopper"})
	mem.AddItem(nciptest.Item{ID: "SHELF1", Title: "A shelf item"})
	s := &ilsNCIP{t: t, mem: mem, back: &scriptedBackend{Memory: mem, queued: map[string][]*ncip.Problem{}}}
	h := &ncip.Handler{Backend: s.back}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request: %v", err)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization header %q, want the bearer token", got)
		}
		if err := schema.NCIP().ValidateBytes(body); err != nil {
			t.Errorf("the adapter sent a message that is not valid NCIP 2.02: %v\n%s", err, body)
		}
		if m, err := ncip.Unmarshal(body); err == nil {
			ih := initiationHeader(m)
			switch {
			case s.noHeader.Load():
				if ih != nil {
					t.Errorf("%s: InitiationHeader %+v, want none", m.Service(), ih)
				}
			case ih == nil || ih.FromAgencyID.AgencyID.Value != ourAgency || ih.ToAgencyID.AgencyID.Value != ilsAgency:
				t.Errorf("%s: InitiationHeader %+v, want from %s to %s", m.Service(), ih, ourAgency, ilsAgency)
			}
			s.mu.Lock()
			s.sent = append(s.sent, m.Service())
			s.bodies = append(s.bodies, string(body))
			s.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// initiationHeader returns a request's InitiationHeader.
func initiationHeader(m *ncip.Message) *ncip.InitiationHeader {
	switch {
	case m.AcceptItem != nil:
		return m.AcceptItem.InitiationHeader
	case m.CheckOutItem != nil:
		return m.CheckOutItem.InitiationHeader
	case m.CheckInItem != nil:
		return m.CheckInItem.InitiationHeader
	case m.CancelRequestItem != nil:
		return m.CancelRequestItem.InitiationHeader
	case m.DeleteItem != nil:
		return m.DeleteItem.InitiationHeader
	case m.LookupItem != nil:
		return m.LookupItem.InitiationHeader
	case m.LookupAgency != nil:
		return m.LookupAgency.InitiationHeader
	}
	return nil
}

func (s *ilsNCIP) services() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

func (s *ilsNCIP) lastBody() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == 0 {
		return ""
	}
	return s.bodies[len(s.bodies)-1]
}

func (s *ilsNCIP) config() NCIPConfig {
	return NCIPConfig{URL: s.srv.URL + "/ncip", Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: 5 * time.Second}
}

func (s *ilsNCIP) adapter(tweak ...func(*NCIPConfig)) *NCIP {
	s.t.Helper()
	cfg := s.config()
	for _, f := range tweak {
		f(&cfg)
	}
	n, err := NewNCIP(cfg)
	if err != nil {
		s.t.Fatalf("NewNCIP: %v", err)
	}
	return n
}

func problem(t ncip.ProblemType, detail string) *ncip.Problem {
	return ncip.NewProblem(t, "ItemId", detail)
}

func rawProblem(typ, detail string) *ncip.Problem {
	return &ncip.Problem{Type: ncip.SchemeValue{Scheme: "http://example.org/problems.scm", Value: typ}, Detail: detail}
}

// noSecret fails if err's text or message holds the token.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(gateway.ErrorMessage(err), testToken) ||
		strings.Contains(fmt.Sprintf("%+v %#v", err, err), testToken) {
		t.Errorf("the token appears in the error: %v", err)
	}
}

func illItem(req, item string) gateway.ILLItem {
	return gateway.ILLItem{
		Request: req, Partner: "ILLPARTNER", Patron: testPatron, Item: item, Title: "Gödel, Escher, Bach",
		PickupLocation: "LOCKER-A",
		Due:            time.Date(2031, 5, 1, 12, 0, 0, 0, time.UTC),
		PickupExpires:  time.Date(2031, 4, 10, 18, 0, 0, 0, time.UTC),
	}
}

func TestNewNCIPValidates(t *testing.T) {
	good := NCIPConfig{URL: "https://ils.example.org/ncip", Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency}
	tests := []struct {
		name string
		edit func(*NCIPConfig)
		want string // in the error; "" for success
	}{
		{"good", func(*NCIPConfig) {}, ""},
		{"circulation ncip", func(c *NCIPConfig) { c.Circulation = "ncip" }, ""},
		{"okapi header", func(c *NCIPConfig) { c.TokenHeader = "X-Okapi-Token" }, ""},
		{"no url", func(c *NCIPConfig) { c.URL = "" }, "url is required"},
		{"not http", func(c *NCIPConfig) { c.URL = "ftp://ils/ncip" }, "want http(s)"},
		{"no host", func(c *NCIPConfig) { c.URL = "http:///ncip" }, "want http(s)"},
		{"no agencies: no header", func(c *NCIPConfig) { c.FromAgency, c.ToAgency = "", "" }, ""},
		{"no from agency", func(c *NCIPConfig) { c.FromAgency = "" }, "from_agency and to_agency go together"},
		{"no to agency", func(c *NCIPConfig) { c.ToAgency = "" }, "from_agency and to_agency go together"},
		{"bad circulation", func(c *NCIPConfig) { c.Circulation = "z3950" }, `circulation "z3950"`},
		{"negative timeout", func(c *NCIPConfig) { c.Timeout = -time.Second }, "timeout"},
		{"header without token", func(c *NCIPConfig) { c.Token = ""; c.TokenHeader = "X-Key" }, "no token"},
		{"bad header", func(c *NCIPConfig) { c.TokenHeader = "X Key:" }, "not a valid HTTP header"},
		{"token with newline", func(c *NCIPConfig) { c.Token = testToken + "\r\nX-Evil: 1" }, "line break"},
		{"token in the url query", func(c *NCIPConfig) { c.URL = "gopher://ils/?key=" + testToken }, "want http(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			n, err := NewNCIP(cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("NewNCIP: %v", err)
				}
				if n.Config().Timeout != 20*time.Second {
					t.Errorf("default timeout %v, want 20s", n.Config().Timeout)
				}
				if cfg.Circulation == "" && n.Config().Circulation != CirculationSIP2 {
					t.Errorf("default circulation %q, want sip2", n.Config().Circulation)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewNCIP accepted %v", cfg)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the token appears in the error: %v", err)
			}
		})
	}
}

func TestNCIPConfigStringHidesToken(t *testing.T) {
	cfg := NCIPConfig{URL: "https://user:pw-" + testToken + "@ils.example.org/ncip?apikey=" + testToken, Token: testToken,
		TokenHeader: "X-Okapi-Token", FromAgency: ourAgency, ToAgency: ilsAgency, Circulation: "ncip"}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg)} {
		if strings.Contains(s, testToken) {
			t.Errorf("the token appears in %q", s)
		}
		for _, want := range []string{"ils.example.org/ncip", "from=" + ourAgency, "to=" + ilsAgency, "circulation=ncip", "token=[redacted]"} {
			if !strings.Contains(s, want) {
				t.Errorf("%q lacks %q", s, want)
			}
		}
	}
	if s := (NCIPConfig{URL: "http://x/"}).String(); strings.Contains(s, "token") {
		t.Errorf("no token configured, but String says %q", s)
	}
}

func TestAcceptItem(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	it := illItem("ILL-1", "TMP-1")
	if err := n.AcceptItem(ctx, it); err != nil {
		t.Fatalf("AcceptItem: %v", err)
	}
	item, ok := s.mem.Item("TMP-1")
	if !ok || !item.Temporary || item.Title != it.Title {
		t.Fatalf("temporary item at the ILS: %+v %v", item, ok)
	}
	req, ok := s.mem.Request("ILL-1")
	if !ok || req.UserID != testPatron || req.ItemID != "TMP-1" || req.Action != "Hold For Pickup" || req.PickupLocation != "LOCKER-A" {
		t.Fatalf("request at the ILS: %+v %v", req, ok)
	}
	body := s.lastBody()
	for _, want := range []string{"<DateForReturn>2031-05-01T12:00:00Z</DateForReturn>", "<PickupExpiryDate>2031-04-10T18:00:00Z</PickupExpiryDate>", "<Title>Gödel, Escher, Bach</Title>"} {
		if !strings.Contains(body, want) {
			t.Errorf("AcceptItem lacks %s:\n%s", want, body)
		}
	}
	// The same AcceptItem again: the Memory answers as the first time.
	if err := n.AcceptItem(ctx, it); err != nil {
		t.Fatalf("repeated AcceptItem: %v", err)
	}
	// Without the optional fields the message is still valid.
	if err := n.AcceptItem(ctx, gateway.ILLItem{Request: "ILL-2", Item: "TMP-2"}); err != nil {
		t.Fatalf("minimal AcceptItem: %v", err)
	}
}

func TestNCIPWithoutAgencies(t *testing.T) {
	s := newILSNCIP(t)
	s.noHeader.Store(true)
	n := s.adapter(func(c *NCIPConfig) { c.FromAgency, c.ToAgency = "", "" })
	// In order: the item is accepted, its request cancelled and the item
	// deleted, so what follows meets an unknown item, a definite answer.
	for name, err := range ncipCalls(ctxT(t), n) {
		switch name {
		case "AcceptItem", "CancelRequest", "DeleteItem", "Ping":
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if c := gateway.ErrorCode(err); c != gateway.EREFUSED && c != gateway.ENOTFOUND {
				t.Errorf("%s: %v, want the unknown item refused", name, err)
			}
		}
	}
	if got := len(s.services()); got < 7 {
		t.Errorf("%d requests reached the responder, want at least 7", got)
	}
}

func TestAcceptItemProblems(t *testing.T) {
	tests := []struct {
		name    string
		it      gateway.ILLItem
		setup   func(s *ilsNCIP, n *NCIP) // before the AcceptItem under test
		code    string                    // "" for success
		message string                    // in the error's message
		lookups int                       // LookupItem requests expected
	}{
		{
			name: "a repeat answered Duplicate Item is confirmed by LookupItem",
			it:   illItem("ILL-1", "TMP-1"),
			setup: func(s *ilsNCIP, n *NCIP) {
				mustAccept(s.t, n, illItem("ILL-1", "TMP-1"))
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeDuplicateItem, "barcode TMP-1 exists"))
			},
			lookups: 1,
		},
		{
			name: "Duplicate Request is success without a lookup",
			it:   illItem("ILL-1", "TMP-1"),
			setup: func(s *ilsNCIP, n *NCIP) {
				mustAccept(s.t, n, illItem("ILL-1", "TMP-1"))
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeDuplicateRequest, ""))
			},
		},
		{
			name: "free-text barcode exists (Koha style), confirmed",
			it:   illItem("ILL-1", "TMP-1"),
			setup: func(s *ilsNCIP, n *NCIP) {
				mustAccept(s.t, n, illItem("ILL-1", "TMP-1"))
				s.back.fail("AcceptItem", rawProblem("Unknown Error", "Item with barcode TMP-1 already exists"))
			},
			lookups: 1,
		},
		{
			name: "the barcode is another record's (Memory: Cannot Accept Item, already exists)",
			it:   illItem("ILL-9", "SHELF1"),
			code: gateway.EREFUSED, message: "already exists", lookups: 1,
		},
		{
			name: "the request holds another item at the ILS",
			it:   illItem("ILL-1", "TMP-OTHER"),
			setup: func(s *ilsNCIP, n *NCIP) {
				mustAccept(s.t, n, illItem("ILL-1", "TMP-1"))
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeDuplicateItem, ""))
			},
			code: gateway.EREFUSED, message: `holds item "TMP-1" there, not "TMP-OTHER"`, lookups: 1,
		},
		{
			name: "duplicate, and the responder cannot look a request up: its word stands",
			it:   illItem("ILL-1", "TMP-1"),
			setup: func(s *ilsNCIP, n *NCIP) {
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeDuplicateItem, ""))
				s.back.fail("LookupItem", problem(ncip.ProblemTypeUnsupportedService, "no LookupItem here"))
			},
			lookups: 1,
		},
		{
			name: "unknown patron",
			it:   gateway.ILLItem{Request: "ILL-3", Item: "TMP-3", Patron: "NOBODY"},
			code: gateway.EREFUSED, message: "Unknown User: no such user",
		},
		{
			name: "a generic refusal that mentions no duplicate stays a refusal",
			it:   illItem("ILL-4", "TMP-4"),
			setup: func(s *ilsNCIP, n *NCIP) {
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeCannotAcceptItem, "pickup location closed"))
			},
			code: gateway.EREFUSED, message: "Cannot Accept Item: pickup location closed",
		},
		{
			name: "Temporary Processing Failure is unavailable, not a refusal",
			it:   illItem("ILL-5", "TMP-5"),
			setup: func(s *ilsNCIP, n *NCIP) {
				s.back.fail("AcceptItem", problem(ncip.ProblemTypeTemporaryProcessingFailure, "database busy"))
			},
			code: gateway.EUNAVAILABLE, message: "could not process it now",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newILSNCIP(t)
			n := s.adapter()
			if tt.setup != nil {
				tt.setup(s, n)
			}
			before := count(s.services(), "LookupItem")
			err := n.AcceptItem(ctxT(t), tt.it)
			if got := count(s.services(), "LookupItem") - before; got != tt.lookups {
				t.Errorf("%d LookupItem requests, want %d", got, tt.lookups)
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("AcceptItem: %v", err)
				}
				return
			}
			ge := wantCode(t, err, tt.code)
			if !strings.Contains(ge.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", ge.Message, tt.message)
			}
			if errors.Is(err, gateway.ErrNotSent) {
				t.Errorf("an answered request must not wrap ErrNotSent: %v", err)
			}
		})
	}
}

func mustAccept(t *testing.T, n *NCIP, it gateway.ILLItem) {
	t.Helper()
	if err := n.AcceptItem(ctxT(t), it); err != nil {
		t.Fatalf("AcceptItem %s: %v", it.Request, err)
	}
}

func count(list []string, v string) int {
	c := 0
	for _, s := range list {
		if s == v {
			c++
		}
	}
	return c
}

func TestCancelRequest(t *testing.T) {
	tests := []struct {
		name  string
		it    gateway.ILLItem
		setup func(s *ilsNCIP, n *NCIP)
		code  string
		sent  bool // whether a CancelRequestItem reached the ILS
	}{
		{name: "cancels the hold", it: illItem("ILL-1", "TMP-1"), sent: true,
			setup: func(s *ilsNCIP, n *NCIP) { mustAccept(s.t, n, illItem("ILL-1", "TMP-1")) }},
		{name: "a request the ILS does not know is gone already", it: illItem("ILL-GONE", "TMP-GONE"), sent: true},
		{name: "Unknown Item is gone already", it: illItem("ILL-1", "TMP-1"), sent: true,
			setup: func(s *ilsNCIP, n *NCIP) { s.back.fail("CancelRequestItem", problem(ncip.ProblemTypeUnknownItem, "")) }},
		{name: "Request Already Processed is a refusal", it: illItem("ILL-1", "TMP-1"), sent: true, code: gateway.EREFUSED,
			setup: func(s *ilsNCIP, n *NCIP) {
				s.back.fail("CancelRequestItem", problem(ncip.ProblemTypeRequestAlreadyProcessed, "checked out"))
			}},
		{name: "unknown patron is a refusal", it: gateway.ILLItem{Request: "ILL-1", Item: "TMP-1", Patron: "NOBODY"}, sent: true, code: gateway.EREFUSED},
		{name: "no patron: not sent", it: gateway.ILLItem{Request: "ILL-1", Item: "TMP-1"}, code: gateway.EINVALID},
		{name: "no request id: not sent", it: gateway.ILLItem{Item: "TMP-1", Patron: testPatron}, code: gateway.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newILSNCIP(t)
			n := s.adapter()
			if tt.setup != nil {
				tt.setup(s, n)
			}
			err := n.CancelRequest(ctxT(t), tt.it)
			if sent := count(s.services(), "CancelRequestItem") > 0; sent != tt.sent {
				t.Errorf("CancelRequestItem sent: %v, want %v", sent, tt.sent)
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CancelRequest: %v", err)
				}
				if _, ok := s.mem.Request(tt.it.Request); ok {
					t.Errorf("request %s still at the ILS", tt.it.Request)
				}
				return
			}
			wantCode(t, err, tt.code)
			if tt.code == gateway.EINVALID && !errors.Is(err, gateway.ErrNotSent) {
				t.Errorf("a request refused before sending must wrap ErrNotSent: %v", err)
			}
		})
	}
	// A repeat after success succeeds.
	s := newILSNCIP(t)
	n := s.adapter()
	mustAccept(t, n, illItem("ILL-1", "TMP-1"))
	for i := 0; i < 2; i++ {
		if err := n.CancelRequest(ctxT(t), illItem("ILL-1", "TMP-1")); err != nil {
			t.Fatalf("CancelRequest #%d: %v", i+1, err)
		}
	}
	if body := s.lastBody(); !strings.Contains(body, "<RequestType>Hold</RequestType>") {
		t.Errorf("CancelRequestItem without RequestType Hold:\n%s", body)
	}
}

func TestDeleteItem(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	mustAccept(t, n, illItem("ILL-1", "TMP-1"))
	for i := 0; i < 2; i++ { // the second time, Unknown Item: gone already
		if err := n.DeleteItem(ctx, illItem("ILL-1", "TMP-1")); err != nil {
			t.Fatalf("DeleteItem #%d: %v", i+1, err)
		}
		if _, ok := s.mem.Item("TMP-1"); ok {
			t.Fatal("the item is still at the ILS")
		}
	}
	// An item on loan cannot be deleted.
	mustAccept(t, n, illItem("ILL-2", "TMP-2"))
	if _, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-2", ILL: "ILL-2"}); err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	ge := wantCode(t, n.DeleteItem(ctx, illItem("ILL-2", "TMP-2")), gateway.EREFUSED)
	if !strings.Contains(ge.Message, "Element Rule Violated") {
		t.Errorf("message %q", ge.Message)
	}
	wantCode(t, n.DeleteItem(ctx, gateway.ILLItem{Request: "ILL-3"}), gateway.EINVALID)
}

func TestNCIPCheckout(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	mustAccept(t, n, illItem("ILL-1", "TMP-1"))
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	res, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1", ILL: "ILL-1", Due: due})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if !res.Due.Equal(due) || res.Patron != testPatron || res.Item != "TMP-1" {
		t.Errorf("result %+v, want due %v", res, due)
	}
	loan, ok := s.mem.Loan("TMP-1")
	if !ok || loan.UserID != testPatron || !loan.Due.Equal(due) {
		t.Fatalf("loan at the ILS: %+v %v", loan, ok)
	}
	if body := s.lastBody(); !strings.Contains(body, "<RequestIdentifierValue>ILL-1</RequestIdentifierValue>") {
		t.Errorf("CheckOutItem without the request id:\n%s", body)
	}
	// The same checkout again (Memory: success with the loan).
	if _, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1", ILL: "ILL-1"}); err != nil {
		t.Fatalf("repeated Checkout: %v", err)
	}

	tests := []struct {
		name   string
		patron string
		p      *ncip.Problem
		lookup *ncip.Problem // the answer to the LookupItem that asks whose loan it is; nil: the ILS's
		code   string
		says   string // in the message; "" for p's type
	}{
		{"Koha's already-checked-out to the same patron is the loan", testPatron,
			rawProblem("Check Out Not Allowed - Item Is Already Checked Out", ""), nil, "", ""},
		{"already checked out (free text) to the same patron", testPatron,
			rawProblem("Problem performing checkout", "Item TMP-1 is already checked out"), nil, "", ""},
		{"already checked out to another patron", "P0002",
			rawProblem("Check Out Not Allowed - Item Is Already Checked Out", ""), nil, gateway.EREFUSED, ""},
		// A replayed checkout that the ILS executed the first time: whose
		// loan it is cannot be told now, which is no refusal (a refusal
		// would fail the outbox entry and alert staff about a loan that
		// is fine); the outbox asks again later.
		{"already checked out, and the lookup fails for now", testPatron,
			rawProblem("Check Out Not Allowed - Item Is Already Checked Out", ""),
			problem(ncip.ProblemTypeTemporaryProcessingFailure, "database busy"), gateway.EUNAVAILABLE, "database busy"},
		{"user blocked", testPatron, problem(ncip.ProblemTypeUserBlocked, "fines"), nil, gateway.EREFUSED, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.back.fail("CheckOutItem", tt.p)
			if tt.lookup != nil {
				s.back.fail("LookupItem", tt.lookup)
			}
			res, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: tt.patron, Item: "TMP-1", ILL: "ILL-1"})
			if tt.code != "" {
				ge := wantCode(t, err, tt.code)
				says := tt.says
				if says == "" {
					says = tt.p.Type.Value
				}
				if !strings.Contains(ge.Message, says) {
					t.Errorf("message %q does not say %q", ge.Message, says)
				}
				if errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("an answered checkout must not wrap ErrNotSent: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Checkout: %v", err)
			}
			if !res.Due.Equal(due) {
				t.Errorf("due %v, want the existing loan's %v", res.Due, due)
			}
		})
	}
	// An item the ILS does not know; ids NCIP cannot carry are not sent.
	wantCode(t, errOf(n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "NOPE"})), gateway.EREFUSED)
	before := len(s.services())
	for _, bad := range []gateway.CheckoutRequest{{Patron: testPatron, Item: "A\x01B"}, {Patron: "", Item: "TMP-1"}, {Patron: testPatron, Item: "\xff"}} {
		_, err := n.Checkout(ctx, bad)
		wantCode(t, err, gateway.EINVALID)
		if !errors.Is(err, gateway.ErrNotSent) {
			t.Errorf("%q: want ErrNotSent: %v", bad.Item, err)
		}
	}
	_, err = n.Checkout(ctx, gateway.CheckoutRequest{Patron: "CARD\x0712345", Item: "TMP-1"})
	if ge := wantCode(t, err, gateway.EINVALID); strings.Contains(ge.Error(), "12345") {
		t.Errorf("the card number appears in the error: %v", err)
	}
	if after := len(s.services()); after != before {
		t.Errorf("%d requests sent for ids that cannot be sent", after-before)
	}
}

func errOf[T any](_ T, err error) error { return err }

func TestNCIPCheckin(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	mustAccept(t, n, illItem("ILL-1", "TMP-1"))
	if _, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1", ILL: "ILL-1"}); err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	res, err := n.Checkin(ctx, gateway.CheckinRequest{Item: "TMP-1", ILL: "ILL-1"})
	if err != nil {
		t.Fatalf("Checkin: %v", err)
	}
	if res.Item != "TMP-1" || res.Hold != nil {
		t.Errorf("result %+v", res)
	}
	if _, ok := s.mem.Loan("TMP-1"); ok {
		t.Fatal("still on loan at the ILS")
	}
	// Again: the Memory answers success for an item not on loan.
	if _, err := n.Checkin(ctx, gateway.CheckinRequest{Item: "TMP-1", ILL: "ILL-1"}); err != nil {
		t.Fatalf("repeated Checkin: %v", err)
	}
	tests := []struct {
		name string
		p    *ncip.Problem
		code string
	}{
		{"Item Not Checked Out", problem(ncip.ProblemTypeItemNotCheckedOut, ""), ""},
		{"Not On Loan", rawProblem("Not On Loan", ""), ""},
		{"9022", rawProblem("9022", "whatever"), ""},
		{"free text", rawProblem("Problem performing check in", "Item is not checked out"), ""},
		{"lower case", rawProblem("item not checked out", ""), ""},
		{"Unknown Item is a refusal", problem(ncip.ProblemTypeUnknownItem, "no such item"), gateway.EREFUSED},
		{"a generic failure is a refusal", rawProblem("Problem performing check in", "the item is lost"), gateway.EREFUSED},
		{"Temporary Processing Failure", problem(ncip.ProblemTypeTemporaryProcessingFailure, ""), gateway.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.back.fail("CheckInItem", tt.p)
			res, err := n.Checkin(ctx, gateway.CheckinRequest{Item: "TMP-1", ILL: "ILL-1"})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Checkin: %v", err)
				}
				if res.Hold != nil || res.Item != "TMP-1" {
					t.Errorf("result %+v", res)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
	// Memory itself: an item it does not know.
	wantCode(t, errOf(n.Checkin(ctx, gateway.CheckinRequest{Item: "NOPE"})), gateway.EREFUSED)
}

func TestNCIPItemStatus(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	mustAccept(t, n, illItem("ILL-1", "TMP-1"))
	st, err := n.ItemStatus(ctx, "TMP-1")
	if err != nil {
		t.Fatalf("ItemStatus: %v", err)
	}
	if st.Circulation != gateway.ItemAvailable || st.Title != "Gödel, Escher, Bach" || st.Raw != "Available On Shelf" {
		t.Errorf("status %+v", st)
	}
	if _, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1"}); err != nil {
		t.Fatal(err)
	}
	st, err = n.ItemStatus(ctx, "TMP-1")
	if err != nil {
		t.Fatalf("ItemStatus: %v", err)
	}
	if st.Circulation != gateway.ItemOnLoan || st.Due.IsZero() {
		t.Errorf("status %+v", st)
	}
	wantCode(t, errOf(n.ItemStatus(ctx, "NOPE")), gateway.ENOTFOUND)
}

func TestNCIPCirculationMap(t *testing.T) {
	due := time.Now()
	tests := []struct {
		status string
		due    time.Time
		want   string
	}{
		{"Available On Shelf", time.Time{}, gateway.ItemAvailable},
		{"available  on shelf", time.Time{}, gateway.ItemAvailable},
		{"Available", time.Time{}, gateway.ItemAvailable},
		{"On Loan", due, gateway.ItemOnLoan},
		{"Checked out", due, gateway.ItemOnLoan},
		{"Recalled", due, gateway.ItemOnLoan},
		{"Available For Pickup", time.Time{}, gateway.ItemOnHold},
		{"Awaiting pickup", time.Time{}, gateway.ItemOnHold},
		{"In Transit Between Library Locations", time.Time{}, gateway.ItemInTransit},
		{"In transit", time.Time{}, gateway.ItemInTransit},
		{"Lost", time.Time{}, gateway.ItemOtherState},
		{"Missing", due, gateway.ItemOtherState},
		{"", due, gateway.ItemOnLoan},
		{"", time.Time{}, gateway.ItemOtherState},
	}
	for _, tt := range tests {
		if got := ncipCirculation(tt.status, tt.due); got != tt.want {
			t.Errorf("ncipCirculation(%q, due %v) = %s, want %s", tt.status, !tt.due.IsZero(), got, tt.want)
		}
	}
}

func TestNCIPPing(t *testing.T) {
	s := newILSNCIP(t)
	n := s.adapter()
	ctx := ctxT(t)
	if err := n.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	tests := []struct {
		name string
		p    *ncip.Problem
		code string
	}{
		{"unsupported service: up", problem(ncip.ProblemTypeUnsupportedService, ""), ""},
		{"unknown agency: unavailable", problem(ncip.ProblemTypeUnknownAgency, ""), gateway.EUNAVAILABLE},
		{"authentication failed: unavailable", problem(ncip.ProblemTypeAgencyAuthenticationFailed, ""), gateway.EUNAVAILABLE},
		{"temporary failure: unavailable", problem(ncip.ProblemTypeTemporaryProcessingFailure, ""), gateway.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.back.fail("LookupAgency", tt.p)
			err := n.Ping(ctx)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Ping: %v", err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

// TestNCIPStatus: NCIPStatus names each ILS whose NCIP side does not
// answer, in name order, with the adapter's message (never the token),
// and nothing for those that do; an empty map checks nothing.
func TestNCIPStatus(t *testing.T) {
	up := newILSNCIP(t)
	refusing := newILSNCIP(t)
	refusing.back.fail("LookupAgency", problem(ncip.ProblemTypeAgencyAuthenticationFailed, "bad token "+testToken))
	down, err := NewNCIP(NCIPConfig{URL: closedURL(t), Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	status := NCIPStatus(map[string]*NCIP{"main": up.adapter(), "zeta": down, "branch": refusing.adapter(), "nil": nil})
	got := status(ctxT(t))
	if len(got) != 2 || !strings.HasPrefix(got[0], "ils branch: NCIP: ") || !strings.HasPrefix(got[1], "ils zeta: NCIP: ") {
		t.Fatalf("NCIPStatus = %q, want branch and zeta, in that order", got)
	}
	if !strings.Contains(got[0], "Agency Authentication Failed") || !strings.Contains(got[1], "cannot be reached") {
		t.Errorf("NCIPStatus = %q, want each adapter's reason", got)
	}
	for _, line := range got {
		if strings.Contains(line, testToken) {
			t.Errorf("the token appears in %q", line)
		}
	}
	if got := NCIPStatus(nil)(ctxT(t)); got != nil {
		t.Errorf("NCIPStatus(nil) = %q", got)
	}
}

// closedURL is the URL of a port nothing listens on any more.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/ncip"
}

// ncipCall is one adapter method, called with fixed arguments.
type ncipCall struct {
	name string
	call func(ctx context.Context) error
}

// ncipCallList lists every adapter method.
func ncipCallList(n *NCIP) []ncipCall {
	it := illItem("ILL-1", "TMP-1")
	return []ncipCall{
		{"AcceptItem", func(ctx context.Context) error { return n.AcceptItem(ctx, it) }},
		{"CancelRequest", func(ctx context.Context) error { return n.CancelRequest(ctx, it) }},
		{"DeleteItem", func(ctx context.Context) error { return n.DeleteItem(ctx, it) }},
		{"Checkout", func(ctx context.Context) error {
			return errOf(n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1", ILL: "ILL-1"}))
		}},
		{"Checkin", func(ctx context.Context) error {
			return errOf(n.Checkin(ctx, gateway.CheckinRequest{Item: "TMP-1", ILL: "ILL-1"}))
		}},
		{"ItemStatus", func(ctx context.Context) error { return errOf(n.ItemStatus(ctx, "TMP-1")) }},
		{"Ping", func(ctx context.Context) error { return n.Ping(ctx) }},
	}
}

// ncipCalls runs every adapter method once and returns their errors by
// name.
func ncipCalls(ctx context.Context, n *NCIP) map[string]error {
	out := map[string]error{}
	for _, c := range ncipCallList(n) {
		out[c.name] = c.call(ctx)
	}
	return out
}

func TestNCIPNotSent(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"connection refused", closedURL(t)},
		{"no such host", "http://lockergate-test.invalid/ncip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewNCIP(NCIPConfig{URL: tt.url, Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for name, err := range ncipCalls(ctxT(t), n) {
				ge := wantCode(t, err, gateway.EUNAVAILABLE)
				if !errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("%s: a request with no connection must wrap ErrNotSent: %v", name, err)
				}
				if !strings.Contains(ge.Message, "not sent") {
					t.Errorf("%s: message %q", name, ge.Message)
				}
				noSecret(t, err)
			}
		})
	}
}

func TestNCIPNoAnswer(t *testing.T) {
	release := make(chan struct{})
	var received atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.Close() })
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		// A proxy's error page that echoes the request's headers.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><body>Bad gateway. Authorization: %s</body></html>", r.Header.Get("Authorization"))
	}))
	t.Cleanup(echo.Close)
	notNCIP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		io.WriteString(w, "It works!") // Koha with a bad token
	}))
	t.Cleanup(notNCIP.Close)
	tests := []struct {
		name, url string
		timeout   time.Duration
	}{
		{"a responder that hangs", hang.URL, time.Second},
		{"an HTML error page echoing the token", echo.URL, 3 * time.Second},
		{"not NCIP", notNCIP.URL, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := NewNCIP(NCIPConfig{URL: tt.url, Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			asserted := 0
			for _, c := range ncipCallList(n) {
				before := received.Load()
				// The test's context is 20s: a call that returns at all
				// returned on the adapter's own timeout.
				err := c.call(ctxT(t))
				ge := wantCode(t, err, gateway.EUNAVAILABLE)
				noSecret(t, err)
				if received.Load() == before {
					// On a loaded machine the timeout may pass before
					// the connection is made: then nothing was sent and
					// either answer is right.
					continue
				}
				asserted++
				if errors.Is(err, gateway.ErrNotSent) {
					t.Errorf("%s: a request that reached the responder must not claim ErrNotSent: %v", c.name, err)
				}
				if !strings.Contains(ge.Message, "may have been executed") {
					t.Errorf("%s: message %q", c.name, ge.Message)
				}
			}
			if asserted == 0 {
				t.Error("no request reached the responder")
			}
		})
	}
}

func TestNCIPProblemHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		p := rawProblem("Agency Authentication Failed", "token "+tok+" is not valid")
		p.Value = tok
		w.Header().Set("Content-Type", "application/xml")
		w.Write(nciptest.MustMarshal(t, &ncip.Message{Problems: []ncip.Problem{*p}}))
	}))
	t.Cleanup(srv.Close)
	n, err := NewNCIP(NCIPConfig{URL: srv.URL, Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range ncipCalls(ctxT(t), n) {
		if err == nil {
			t.Errorf("%s: no error for an authentication failure", name)
			continue
		}
		if !strings.Contains(gateway.ErrorMessage(err), "Agency Authentication Failed") {
			t.Errorf("%s: message %q does not name the problem", name, gateway.ErrorMessage(err))
		}
		noSecret(t, err)
	}
}

func TestNCIPTokenHeader(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Get("X-Okapi-Token") + "|" + r.Header.Get("Authorization"):
		default:
		}
		(&ncip.Handler{Backend: nciptest.New()}).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	n, err := NewNCIP(NCIPConfig{URL: srv.URL, Token: testToken, TokenHeader: "X-Okapi-Token", FromAgency: ourAgency, ToAgency: "LOCKERGATE"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Ping(ctxT(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if h := <-got; h != testToken+"|" {
		t.Errorf("headers %q, want the token in X-Okapi-Token only", h)
	}
}

// combined starts a SIP2 demo library and an NCIP responder for one ILS
// and returns them combined with WithNCIP.
func combined(t *testing.T, circulation string) (gateway.ILS, *sip2mem.Library, *ilsNCIP) {
	t.Helper()
	s, lib := demo(t)
	nc := newILSNCIP(t)
	return WithNCIP(s, nc.adapter(func(c *NCIPConfig) { c.Circulation = circulation })), lib, nc
}

func TestWithNCIPRouting(t *testing.T) {
	const sipItem = "I0001" // on the SIP2 demo library's shelf
	tests := []struct {
		name        string
		circulation string
		ill         string
		item        string
		overNCIP    bool
	}{
		{"ILL item, circulation ncip", CirculationNCIP, "ILL-1", "TMP-1", true},
		{"ILL item, circulation sip2", CirculationSIP2, "ILL-1", sipItem, false},
		{"ILL item, circulation default", "", "ILL-1", sipItem, false},
		{"not an ILL item, circulation ncip", CirculationNCIP, "", sipItem, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, lib, nc := combined(t, tt.circulation)
			ctx := ctxT(t)
			ill, ok := c.(gateway.ILLSystem)
			if !ok {
				t.Fatal("WithNCIP does not implement gateway.ILLSystem")
			}
			if err := ill.AcceptItem(ctx, illItem("ILL-1", "TMP-1")); err != nil {
				t.Fatalf("AcceptItem: %v", err)
			}
			patron := "P0001"
			if _, err := c.Checkout(ctx, gateway.CheckoutRequest{Patron: patron, Item: tt.item, ILL: tt.ill}); err != nil {
				t.Fatalf("Checkout: %v", err)
			}
			_, ncipLoan := nc.mem.Loan(tt.item)
			sipCounts := lib.Counts(tt.item)
			if tt.overNCIP != ncipLoan || tt.overNCIP == (sipCounts.Checkouts == 1) {
				t.Fatalf("checkout over NCIP %v (want %v), SIP2 checkouts %d", ncipLoan, tt.overNCIP, sipCounts.Checkouts)
			}
			if _, err := c.Checkin(ctx, gateway.CheckinRequest{Item: tt.item, ILL: tt.ill}); err != nil {
				t.Fatalf("Checkin: %v", err)
			}
			_, ncipLoan = nc.mem.Loan(tt.item)
			if ncipLoan {
				t.Error("still on loan over NCIP")
			}
			if got := lib.Counts(tt.item).Checkins; (got == 1) == tt.overNCIP {
				t.Errorf("SIP2 checkins %d; over NCIP: %v", got, tt.overNCIP)
			}
			// Everything else goes over SIP2.
			if _, err := c.Patron(ctx, "P0001"); err != nil {
				t.Errorf("Patron: %v", err)
			}
			if err := c.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
			for _, svc := range nc.services() {
				switch svc {
				case "AcceptItem", "CheckOutItem", "CheckInItem":
				default:
					t.Errorf("unexpected NCIP %s", svc)
				}
			}
		})
	}
}

func TestWithNCIPItemStatus(t *testing.T) {
	tests := []struct {
		name        string
		circulation string
		item        string
		want        string // circulation state, or an error code
		lookups     int
	}{
		{"SIP2 knows it", CirculationNCIP, "I0001", gateway.ItemAvailable, 0},
		{"only NCIP knows it, circulation ncip", CirculationNCIP, "TMP-1", gateway.ItemOnLoan, 1},
		{"only NCIP knows it, circulation sip2", CirculationSIP2, "TMP-1", gateway.ENOTFOUND, 0},
		{"nobody knows it", CirculationNCIP, "NOPE", gateway.ENOTFOUND, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, nc := combined(t, tt.circulation)
			ctx := ctxT(t)
			n := c.(*Combined).NCIP()
			mustAccept(t, n, illItem("ILL-1", "TMP-1"))
			if _, err := n.Checkout(ctx, gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1"}); err != nil {
				t.Fatal(err)
			}
			st, err := c.ItemStatus(ctx, tt.item)
			if got := count(nc.services(), "LookupItem"); got != tt.lookups {
				t.Errorf("%d NCIP LookupItem, want %d", got, tt.lookups)
			}
			if tt.want == gateway.ENOTFOUND {
				wantCode(t, err, gateway.ENOTFOUND)
				return
			}
			if err != nil {
				t.Fatalf("ItemStatus: %v", err)
			}
			if st.Circulation != tt.want {
				t.Errorf("status %+v, want %s", st, tt.want)
			}
		})
	}
}

func TestInstrumentKeepsILLSystem(t *testing.T) {
	c, _, nc := combined(t, CirculationNCIP)
	var mu sync.Mutex
	var ops []string
	observe := func(op string, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op+":"+gateway.ErrorCode(err))
	}
	wrapped := Instrument(c, observe)
	ill, ok := wrapped.(gateway.ILLSystem)
	if !ok {
		t.Fatal("Instrument hides gateway.ILLSystem")
	}
	ctx := ctxT(t)
	if err := ill.AcceptItem(ctx, illItem("ILL-1", "TMP-1")); err != nil {
		t.Fatal(err)
	}
	if err := ill.CancelRequest(ctx, illItem("ILL-1", "TMP-1")); err != nil {
		t.Fatal(err)
	}
	if err := ill.DeleteItem(ctx, illItem("ILL-1", "TMP-1")); err != nil {
		t.Fatal(err)
	}
	_ = ill.DeleteItem(ctx, gateway.ILLItem{}) // EINVALID
	mu.Lock()
	got := strings.Join(ops, " ")
	mu.Unlock()
	if want := "accept_item: cancel_request: delete_item: delete_item:invalid"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
	if _, ok := nc.mem.Item("TMP-1"); ok {
		t.Error("the calls did not reach the ILS")
	}
	// A plain SIP2 adapter stays without it.
	s, _ := demo(t)
	if _, ok := Instrument(s, observe).(gateway.ILLSystem); ok {
		t.Error("Instrument of a SIP2-only adapter claims gateway.ILLSystem")
	}
}

func TestProblemKind(t *testing.T) {
	tests := []struct {
		typ, detail string
		want        problemClass
	}{
		{"Unknown Item", "", problemUnknownItem},
		{"unknown item", "", problemUnknownItem},
		{"Unknown Request", "", problemUnknownRequest},
		{"Item Not Checked Out", "", problemNotCheckedOut},
		{"Not On Loan", "", problemNotCheckedOut},
		{"9022", "", problemNotCheckedOut},
		{"Problem performing check in", "item is not checked out", problemNotCheckedOut},
		{"Duplicate Request", "", problemDuplicateRequest},
		{"Duplicate Item", "", problemDuplicateItem},
		{"Cannot Accept Item", "an item with this id already exists", problemDuplicateItem},
		{"Cannot Accept Item", "pickup location closed", problemOther},
		{"Unknown Error", "request R1 already exists", problemDuplicateRequest},
		{"Check Out Not Allowed - Item Is Already Checked Out", "", problemAlreadyCheckedOut},
		{"Temporary Processing Failure", "", problemTemporary},
		{"Unknown Agency", "", problemAuth},
		// A standard type decides alone, whatever its detail says.
		{"Unknown User", "item is not checked out", problemOther},
		{"User Blocked", "duplicate", problemOther},
		{"Unknown Item", "already exists", problemUnknownItem},
		{"", "", problemOther},
		{"Something odd", "nothing to see", problemOther},
	}
	for _, tt := range tests {
		if got := problemKind(&ncip.Problem{Type: ncip.SV(tt.typ), Detail: tt.detail}); got != tt.want {
			t.Errorf("problemKind(%q, %q) = %d, want %d", tt.typ, tt.detail, got, tt.want)
		}
	}
	if problemKind(nil) != problemOther {
		t.Error("nil problem")
	}
}

func FuzzProblemKind(f *testing.F) {
	for _, s := range [][2]string{
		{"Unknown Item", ""}, {"Item Not Checked Out", "x"}, {"9022", ""}, {"Cannot Accept Item", "already exists"},
		{"Problem performing checkout", "is already checked out"}, {"Duplicate Request", ""},
		{"Unknown User", "not on loan"}, {"\xff\x00", "\u2028 ä"}, {"  unknown   ITEM ", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, typ, detail string) {
		p := &ncip.Problem{Type: ncip.SV(typ), Detail: detail}
		k := problemKind(p)
		if k != problemKind(p) {
			t.Fatal("not deterministic")
		}
		// A standard type decides alone: the detail never turns it into
		// a success.
		if isStandardType(normalize(typ)) && !readDetail[normalize(typ)] {
			if k2 := problemKind(&ncip.Problem{Type: ncip.SV(typ)}); k2 != k {
				t.Fatalf("type %q: kind %d with detail %q, %d without", typ, k, detail, k2)
			}
		}
		txt := problemText(p)
		if strings.ContainsAny(txt, "\r\n\x00") {
			t.Fatalf("problemText %q holds a line break or NUL", txt)
		}
		if len(txt) > 80+2+200+6 {
			t.Fatalf("problemText is %d bytes", len(txt))
		}
		if !strings.Contains(refused("x", p).Error(), "refused") {
			t.Fatal("refused error does not say so")
		}
	})
}

func TestNCIPUnreadableAnswer(t *testing.T) {
	// A CheckOutItemResponse whose DateDue cannot be read (CrossLink's
	// mock and others send such): the checkout may have happened, so it
	// is no refusal.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="2.02">
<CheckOutItemResponse><ItemId><ItemIdentifierValue>TMP-1</ItemIdentifierValue></ItemId>
<UserId><UserIdentifierValue>P0001</UserIdentifierValue></UserId><DateDue>invalid</DateDue></CheckOutItemResponse></NCIPMessage>`)
	}))
	t.Cleanup(srv.Close)
	n, err := NewNCIP(NCIPConfig{URL: srv.URL, Token: testToken, FromAgency: ourAgency, ToAgency: ilsAgency, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Checkout(ctxT(t), gateway.CheckoutRequest{Patron: testPatron, Item: "TMP-1", ILL: "ILL-1"})
	ge := wantCode(t, err, gateway.EUNAVAILABLE)
	if errors.Is(err, gateway.ErrNotSent) || !strings.Contains(ge.Message, "may have been executed") {
		t.Errorf("error %v", err)
	}
}
