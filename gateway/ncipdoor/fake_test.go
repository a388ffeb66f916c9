package ncipdoor_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/ncip/schema"
)

// fakeGateway is an in-memory stand-in for *gateway.Service that keeps to
// the ILL contract of gateway/ill.go (repeats, conflicts, states) and
// records every call.
type fakeGateway struct {
	mu       sync.Mutex
	banks    map[string]bool // bank IDs and location codes that are banks
	requests []*gateway.ILLRequest
	calls    []string
	accepts  []gateway.ILLAccept
	// fail, if set for a method name, is returned by that method.
	fail map[string]error
	// block, if set for a method name, makes it wait for its context to
	// end and return the context's error.
	block map[string]bool
}

func newFakeGateway() *fakeGateway {
	return &fakeGateway{banks: map[string]bool{"B1": true, "EAST-LOCKERS": true}, fail: map[string]error{}, block: map[string]bool{}}
}

func (g *fakeGateway) record(format string, args ...any) {
	g.calls = append(g.calls, fmt.Sprintf(format, args...))
}

func (g *fakeGateway) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

// put adds a request directly (as if an earlier AcceptItem made it).
func (g *fakeGateway) put(r gateway.ILLRequest) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, &r)
}

func (g *fakeGateway) state(id string) gateway.ILLState {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.requests {
		if r.ID == id {
			return r.State
		}
	}
	return ""
}

func (g *fakeGateway) AcceptILL(ctx context.Context, a gateway.ILLAccept) (*gateway.ILLRequest, bool, error) {
	if g.block["AcceptILL"] {
		<-ctx.Done()
		return nil, false, ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("AcceptILL %s %s", a.RequestID, a.Item)
	g.accepts = append(g.accepts, a)
	if err := g.fail["AcceptILL"]; err != nil {
		return nil, false, err
	}
	if !g.banks[a.PickupLocation] {
		return nil, false, gateway.Errorf(gateway.ENOTFOUND, "no locker bank %q", a.PickupLocation)
	}
	invalid := func(field, msg string) error {
		return &gateway.Error{Code: gateway.EINVALID, Field: field, Message: msg}
	}
	switch {
	case a.RequestID == "":
		return nil, false, invalid(gateway.FieldRequest, "request id missing")
	case a.Patron == "":
		return nil, false, invalid(gateway.FieldPatron, "patron missing")
	case a.Item == "":
		return nil, false, invalid(gateway.FieldItem, "item missing")
	}
	for _, r := range g.requests {
		if r.ID == a.RequestID {
			if r.Item != a.Item || r.Patron != a.Patron {
				return nil, false, gateway.Errorf(gateway.ECONFLICT, "request %s is known with another item or patron", a.RequestID)
			}
			c := *r
			return &c, false, nil
		}
	}
	for _, r := range g.requests {
		if r.Item == a.Item && !r.State.Final() {
			return nil, false, gateway.Errorf(gateway.ECONFLICT, "item %s is already in ILL request %s (%s)", a.Item, r.ID, r.State)
		}
	}
	r := &gateway.ILLRequest{ID: a.RequestID, Partner: a.Partner, Bank: "B1", Item: a.Item, Patron: a.Patron,
		PatronName: a.PatronName, Title: a.Title, Due: a.Due, PickupExpires: a.PickupExpires, State: gateway.ILLAwaited}
	g.requests = append(g.requests, r)
	c := *r
	return &c, true, nil
}

func (g *fakeGateway) CancelILL(ctx context.Context, id, actor string) (*gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("CancelILL %s %s", id, actor)
	if err := g.fail["CancelILL"]; err != nil {
		return nil, err
	}
	for _, r := range g.requests {
		if r.ID == id {
			switch r.State {
			case gateway.ILLAwaited:
				r.State = gateway.ILLCancelled
			case gateway.ILLArrived:
				r.State = gateway.ILLWithdrawn
			case gateway.ILLCancelled, gateway.ILLWithdrawn:
			default:
				return nil, gateway.Errorf(gateway.ECONFLICT, "request %s was already collected", id)
			}
			c := *r
			return &c, nil
		}
	}
	return nil, gateway.Errorf(gateway.ENOTFOUND, "no ILL request %s", id)
}

func (g *fakeGateway) forItem(item string, final bool) *gateway.ILLRequest {
	for i := len(g.requests) - 1; i >= 0; i-- {
		if r := g.requests[i]; r.Item == item && (final || !r.State.Final()) {
			return r
		}
	}
	return nil
}

func (g *fakeGateway) CheckInILL(ctx context.Context, item, actor string) (*gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("CheckInILL %s %s", item, actor)
	if err := g.fail["CheckInILL"]; err != nil {
		return nil, err
	}
	r := g.forItem(item, true)
	if r == nil {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "no ILL request holds item %s", item)
	}
	if r.State == gateway.ILLCollected {
		r.State = gateway.ILLReturned
	}
	c := *r
	return &c, nil
}

func (g *fakeGateway) DeleteILL(ctx context.Context, item, actor string) (*gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("DeleteILL %s %s", item, actor)
	if err := g.fail["DeleteILL"]; err != nil {
		return nil, err
	}
	r := g.forItem(item, true)
	if r == nil {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "no ILL request holds item %s", item)
	}
	// As gateway.Service.DeleteILL: a cancelled request (its item kept
	// by the ILS) is deleted too.
	r.State = gateway.ILLDeleted
	c := *r
	return &c, nil
}

func (g *fakeGateway) ILLRequests(ctx context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("ILLRequests %s", f.Item)
	if err := g.fail["ILLRequests"]; err != nil {
		return nil, err
	}
	var out []gateway.ILLRequest
	for _, r := range g.requests {
		if f.Item == "" || r.Item == f.Item {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (g *fakeGateway) ILLRequest(ctx context.Context, id string) (*gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("ILLRequest %s", id)
	if err := g.fail["ILLRequest"]; err != nil {
		return nil, err
	}
	for _, r := range g.requests {
		if r.ID == id {
			c := *r
			return &c, nil
		}
	}
	return nil, gateway.Errorf(gateway.ENOTFOUND, "no ILL request %s", id)
}

func (g *fakeGateway) ILLRequestForItem(ctx context.Context, item string) (*gateway.ILLRequest, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record("ILLRequestForItem %s", item)
	if err := g.fail["ILLRequestForItem"]; err != nil {
		return nil, err
	}
	if r := g.forItem(item, false); r != nil {
		c := *r
		return &c, nil
	}
	return nil, gateway.Errorf(gateway.ENOTFOUND, "no ILL request holds item %s", item)
}

// sideEffects returns the calls that change something.
func sideEffects(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "ILLRequest") {
			out = append(out, c)
		}
	}
	return out
}

// fakeILS is the ILS's NCIP responder: it records the raw bodies it
// receives and answers with answer (a fixed document).
type fakeILS struct {
	mu     sync.Mutex
	bodies [][]byte
	answer []byte
	srv    *httptest.Server
}

func newFakeILS(t *testing.T, answer string) *fakeILS {
	f := &fakeILS{answer: []byte(answer)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, b)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		w.Write(f.answer)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeILS) Bodies() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

func (f *fakeILS) client() *ncipclient.Client {
	return ncipclient.New(f.srv.URL, ncipclient.Options{Timeout: 5 * time.Second, Retries: -1})
}

// harness is a Responder on 127.0.0.1 over a fake gateway, with its log
// captured.
type harness struct {
	t   *testing.T
	gw  *fakeGateway
	log *syncbuf.Buffer
	url string
}

func newHarness(t *testing.T, partners ...ncipdoor.Partner) *harness {
	t.Helper()
	h := &harness{t: t, gw: newFakeGateway(), log: &syncbuf.Buffer{}}
	l := logrus.New()
	l.SetOutput(h.log)
	l.SetLevel(logrus.DebugLevel)
	r, err := ncipdoor.New(ncipdoor.Config{Partners: partners, Gateway: h.gw, Log: l, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/ncip"
	return h
}

// post sends body with the headers (name, value pairs) and returns the
// status and the answer's bytes.
func (h *harness) post(body []byte, headers ...string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/xml")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// send posts m and returns the decoded answer, failing the test when the
// answer is not schema-valid (validate) or not 200.
func (h *harness) send(m *ncip.Message, validate bool, headers ...string) *ncip.Message {
	h.t.Helper()
	b, err := ncip.Marshal(m)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.sendRaw(b, validate, headers...)
}

func (h *harness) sendRaw(body []byte, validate bool, headers ...string) *ncip.Message {
	h.t.Helper()
	status, b := h.post(body, headers...)
	if status != http.StatusOK {
		h.t.Fatalf("status %d, body %s", status, b)
	}
	if validate {
		mustValid(h.t, b)
	}
	out, err := ncip.Unmarshal(b)
	if err != nil {
		h.t.Fatalf("answer does not decode: %v\n%s", err, b)
	}
	return out
}

func mustValid(t testing.TB, b []byte) {
	t.Helper()
	if err := schema.NCIP().ValidateBytes(b); err != nil {
		t.Fatalf("answer is not valid NCIP 2.02: %v\n%s", err, b)
	}
}

// hdr is an InitiationHeader from agency to the gateway.
func hdr(agency string) *ncip.InitiationHeader {
	return &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(agency)}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("LOCKERGATE")}}
}

// problemOf returns the answer's first Problem's type, or "".
func problemOf(m *ncip.Message) string {
	if p := m.Problem(); p != nil {
		return p.Type.Value
	}
	return ""
}
