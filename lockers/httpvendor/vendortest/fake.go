// Package vendortest provides Server, an in-process fake of a vendor's
// cloud locker API following the contract of package lockers/httpvendor,
// with fault hooks for tests: a jammed lock, an offline controller, an open
// that is acknowledged but never seen, failing or slow answers, and
// webhook events signed with the shared secret.
package vendortest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	hv "github.com/lockergate/lockergate/lockers/httpvendor"
)

// Options configures a Server.
type Options struct {
	// Bank is the bank id. If empty, "B1".
	Bank string
	// Key is the API key clients must send (Bearer or X-API-Key). If
	// empty, a random one; read it from Server.Key.
	Key string
	// Compartments is the number of compartments, named "1".."n". If zero, 8.
	Compartments int
	// Now is the fake's clock. If nil, time.Now.
	Now func() time.Time
}

type door struct {
	id       string
	released bool
	open     bool
	occupied bool
	jammed   bool
	stayShut bool
	pulses   int
}

type idem struct {
	body   string
	status int
	resp   []byte
}

// Server is the fake vendor. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	// Key is the API key the server accepts.
	Key string
	// Bank is the bank id the server serves.
	Bank string

	now func() time.Time

	mu           sync.Mutex
	doors        map[string]*door
	order        []string
	offline      bool
	failNext     int
	failStatus   int
	failBody     string
	delay        time.Duration
	keys         map[string]idem // Idempotency-Key → first answer
	reservations map[string]hv.Reservation
	requests     map[string]int // "METHOD pattern" → count
	hookURL      string
	hookSecret   []byte
	hookClient   *http.Client
	hookErrs     []error
	hookWG       sync.WaitGroup
}

// NewServer starts a fake vendor and closes it when tb ends.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(s.Close)
	return s
}

// New starts a fake vendor; Close it when done.
func New(opts Options) *Server {
	if opts.Bank == "" {
		opts.Bank = "B1"
	}
	if opts.Key == "" {
		opts.Key = "sk_test_" + randomHex(12)
	}
	if opts.Compartments <= 0 {
		opts.Compartments = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{Key: opts.Key, Bank: opts.Bank, now: opts.Now,
		doors: make(map[string]*door), keys: make(map[string]idem),
		reservations: make(map[string]hv.Reservation), requests: make(map[string]int),
		hookClient: &http.Client{Timeout: 5 * time.Second}}
	for i := 1; i <= opts.Compartments; i++ {
		id := strconv.Itoa(i)
		s.doors[id] = &door{id: id}
		s.order = append(s.order, id)
	}
	mux := http.NewServeMux()
	b := "/banks/{bank}"
	s.route(mux, "GET "+b+"/compartments", s.compartments)
	s.route(mux, "GET "+b+"/status", s.bankStatus)
	s.route(mux, "GET "+b+"/health", s.health)
	s.route(mux, "GET "+b+"/compartments/{id}/status", s.status)
	s.route(mux, "POST "+b+"/compartments/{id}/open", s.open)
	s.route(mux, "POST "+b+"/reservations", s.reserve)
	s.route(mux, "DELETE "+b+"/reservations/{ext}", s.cancel)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close waits for webhook deliveries in flight and stops the server.
func (s *Server) Close() {
	s.hookWG.Wait()
	s.Server.Close()
}

// DriverURL returns the driver URL for this server with the key in the
// environment variable keyEnv (which the caller sets).
func (s *Server) DriverURL(keyEnv string) string {
	return s.Server.URL + "/api?bank=" + s.Bank + "&key_env=" + keyEnv
}

func (s *Server) route(mux *http.ServeMux, pattern string, h func(w http.ResponseWriter, r *http.Request) (int, any)) {
	// The API lives under /api, as a vendor's would under a path.
	method, path, _ := strings.Cut(pattern, " ")
	mux.HandleFunc(method+" /api"+path, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		delay := s.delay
		fail := s.failNext > 0
		status, body := s.failStatus, s.failBody
		if fail {
			s.failNext--
		} else {
			s.requests[pattern]++
		}
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if !s.authorized(r) {
			writeErr(w, http.StatusUnauthorized, hv.CodeUnauthorized, "missing or wrong API key")
			return
		}
		if fail {
			w.WriteHeader(status)
			w.Write([]byte(body))
			return
		}
		if r.PathValue("bank") != s.Bank {
			writeErr(w, http.StatusNotFound, hv.CodeUnknownBank, "no bank "+r.PathValue("bank"))
			return
		}
		code, v := h(w, r)
		if code == 0 {
			return // the handler wrote the answer
		}
		writeJSON(w, code, v)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.Key || r.Header.Get("X-API-Key") == s.Key
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if v != nil && code != http.StatusNoContent {
		json.NewEncoder(w).Encode(v)
	}
}

func writeErr(w http.ResponseWriter, code int, ecode, msg string) {
	writeJSON(w, code, errBody(ecode, msg))
}

func errBody(code, msg string) hv.ErrorBody {
	var b hv.ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	return b
}

func (d *door) state(now time.Time, offline bool) hv.CompartmentStatus {
	st := hv.CompartmentStatus{Compartment: d.id, Lock: hv.LockLatched, Door: hv.DoorClosed, Item: hv.ItemEmpty, ReadAt: now.UTC()}
	if d.released {
		st.Lock = hv.LockReleased
	}
	if d.open {
		st.Door = hv.DoorOpen
	}
	if d.occupied {
		st.Item = hv.ItemOccupied
	}
	if d.jammed {
		st.Fault = hv.CodeDoorJammed
	}
	if offline {
		st = hv.CompartmentStatus{Compartment: d.id, Lock: hv.StateUnknown, Door: hv.StateUnknown, Fault: hv.CodeControllerOffline, ReadAt: now.UTC()}
	}
	return st
}

func (s *Server) compartments(w http.ResponseWriter, r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l hv.CompartmentList
	for i, id := range s.order {
		size := []string{"S", "M", "L"}[i%3]
		l.Compartments = append(l.Compartments, hv.CompartmentInfo{ID: id, Size: size,
			Dimensions: &hv.Dimensions{WidthMM: 400, HeightMM: 100 * (i%3 + 1), DepthMM: 500},
			Features:   []string{hv.FeatureItemSensor}})
	}
	return http.StatusOK, l
}

func (s *Server) bankStatus(w http.ResponseWriter, r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := hv.BankStatus{Bank: s.Bank, Online: !s.offline, Compartments: []hv.CompartmentStatus{}}
	for _, id := range s.order {
		b.Compartments = append(b.Compartments, s.doors[id].state(s.now(), s.offline))
	}
	return http.StatusOK, b
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := hv.ControllerHealth{ID: Controller, Online: !s.offline, Compartments: s.order, LastSeen: s.now().UTC()}
	if s.offline {
		c.Error = "no heartbeat from the controller"
	}
	return http.StatusOK, hv.BankHealth{Online: !s.offline, Controllers: []hv.ControllerHealth{c}}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.doors[r.PathValue("id")]
	if d == nil {
		return http.StatusNotFound, errBody(hv.CodeUnknownCompartment, "no compartment "+r.PathValue("id"))
	}
	return http.StatusOK, d.state(s.now(), s.offline)
}

func (s *Server) open(w http.ResponseWriter, r *http.Request) (int, any) {
	var req hv.OpenRequest
	raw, err := readBody(w, r)
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	key := r.Header.Get(hv.HeaderIdempotencyKey)
	switch {
	case err != nil:
		return http.StatusBadRequest, errBody(hv.CodeInvalidRequest, "body: "+err.Error())
	case key == "" || req.CommandID == "" || key != req.CommandID:
		return http.StatusBadRequest, errBody(hv.CodeInvalidRequest, "Idempotency-Key and command_id are required and must match")
	case req.IssuedAt.IsZero() || req.ExpiresAt.IsZero():
		return http.StatusBadRequest, errBody(hv.CodeInvalidRequest, "issued_at and expires_at are required")
	}
	s.mu.Lock()
	if prev, ok := s.keys[key]; ok {
		s.mu.Unlock()
		if prev.body != r.URL.Path+" "+string(raw) {
			return http.StatusConflict, errBody(hv.CodeIdempotencyConflict, "Idempotency-Key reused with a different body")
		}
		// Replay the first answer, marked as a duplicate when it succeeded.
		if prev.status == http.StatusOK {
			var or hv.OpenResponse
			json.Unmarshal(prev.resp, &or)
			or.Duplicate = true
			return http.StatusOK, or
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(prev.status)
		w.Write(prev.resp)
		return 0, nil
	}
	code, v, ev := s.openLocked(r.PathValue("id"), req)
	b, _ := json.Marshal(v)
	s.keys[key] = idem{body: r.URL.Path + " " + string(raw), status: code, resp: b}
	s.mu.Unlock()
	if ev != nil {
		s.send(*ev)
	}
	return code, v
}

func (s *Server) openLocked(id string, req hv.OpenRequest) (int, any, *hv.Event) {
	d := s.doors[id]
	now := s.now()
	switch {
	case d == nil:
		return http.StatusNotFound, errBody(hv.CodeUnknownCompartment, "no compartment "+id), nil
	case now.After(req.ExpiresAt):
		return http.StatusUnprocessableEntity, errBody(hv.CodeStaleCommand, "received after expires_at"), nil
	case s.offline:
		return http.StatusServiceUnavailable, errBody(hv.CodeControllerOffline, "the bank's controller does not answer"), nil
	case d.jammed:
		d.pulses++
		return http.StatusConflict, errBody(hv.CodeDoorJammed, "lock did not release"), nil
	}
	d.pulses++
	if !d.stayShut {
		d.released, d.open = true, true
	}
	st := d.state(now, false)
	var ev *hv.Event
	if !d.stayShut {
		ev = &hv.Event{EventID: randomHex(8), Type: hv.EventDoorOpened, Bank: s.Bank, Compartment: id, CommandID: req.CommandID, Status: &st, OccurredAt: now.UTC()}
	}
	return http.StatusOK, hv.OpenResponse{CommandID: req.CommandID, Status: &st}, ev
}

func (s *Server) reserve(w http.ResponseWriter, r *http.Request) (int, any) {
	var req hv.ReservationRequest
	raw, err := readBody(w, r)
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil || req.ExternalID == "" {
		return http.StatusBadRequest, errBody(hv.CodeInvalidRequest, "external_id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if res, ok := s.reservations[req.ExternalID]; ok {
		return http.StatusOK, res
	}
	taken := map[string]bool{}
	for _, res := range s.reservations {
		taken[res.Compartment] = true
	}
	for _, id := range s.order {
		if taken[id] || (req.Compartment != "" && id != req.Compartment) {
			continue
		}
		res := hv.Reservation{ReservationID: "r-" + randomHex(6), ExternalID: req.ExternalID, Compartment: id, ExpiresAt: req.ExpiresAt}
		s.reservations[req.ExternalID] = res
		return http.StatusCreated, res
	}
	if req.Compartment != "" && s.doors[req.Compartment] == nil {
		return http.StatusNotFound, errBody(hv.CodeUnknownCompartment, "no compartment "+req.Compartment)
	}
	return http.StatusConflict, errBody(hv.CodeNoneAvailable, "no free compartment")
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ext := r.PathValue("ext")
	if _, ok := s.reservations[ext]; !ok {
		return http.StatusNotFound, errBody(hv.CodeInvalidRequest, "no reservation "+ext)
	}
	delete(s.reservations, ext)
	return http.StatusNoContent, nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<10))
	return b.Bytes(), err
}

// SetWebhook makes the fake deliver signed events to url.
func (s *Server) SetWebhook(url string, secret []byte) {
	s.mu.Lock()
	s.hookURL, s.hookSecret = url, secret
	s.mu.Unlock()
}

// send delivers e to the webhook, if one is set, in the background.
func (s *Server) send(e hv.Event) {
	s.mu.Lock()
	url, secret := s.hookURL, s.hookSecret
	s.mu.Unlock()
	if url == "" {
		return
	}
	body, _ := json.Marshal(e)
	s.hookWG.Add(1)
	go func() {
		defer s.hookWG.Done()
		if _, err := s.Deliver(context.Background(), url, secret, s.now(), body); err != nil {
			s.mu.Lock()
			s.hookErrs = append(s.hookErrs, err)
			s.mu.Unlock()
		}
	}()
}

// Deliver posts body to url signed at ts, as the vendor's webhook sender
// does, and returns the HTTP status. Tests use it to replay, tamper with
// and back-date deliveries.
func (s *Server) Deliver(ctx context.Context, url string, secret []byte, ts time.Time, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(hv.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(hv.HeaderSignature, hv.Sign(secret, ts, body))
	resp, err := s.hookClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("vendortest: webhook answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// WebhookErrors returns the failed webhook deliveries so far.
func (s *Server) WebhookErrors() []error {
	s.hookWG.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.hookErrs...)
}

func (s *Server) withDoor(id lockers.CompartmentID, f func(d *door) *hv.Event) error {
	s.mu.Lock()
	d := s.doors[string(id)]
	if d == nil {
		s.mu.Unlock()
		return fmt.Errorf("vendortest: no compartment %s", id)
	}
	ev := f(d)
	s.mu.Unlock()
	if ev != nil {
		s.send(*ev)
	}
	return nil
}

func (s *Server) event(typ string, d *door) *hv.Event {
	st := d.state(s.now(), s.offline)
	return &hv.Event{EventID: randomHex(8), Type: typ, Bank: s.Bank, Compartment: d.id, Status: &st, OccurredAt: s.now().UTC()}
}

// Jam makes the lock of id fail: opens answer 409 DOOR_JAMMED.
func (s *Server) Jam(id lockers.CompartmentID, on bool) error {
	return s.withDoor(id, func(d *door) *hv.Event { d.jammed = on; return nil })
}

// StayShut makes opens of id succeed without the lock ever showing
// released: acknowledged, never confirmed.
func (s *Server) StayShut(id lockers.CompartmentID, on bool) error {
	return s.withDoor(id, func(d *door) *hv.Event { d.stayShut = on; return nil })
}

// CloseDoor closes the door of id and latches its lock.
func (s *Server) CloseDoor(id lockers.CompartmentID) error {
	return s.withDoor(id, func(d *door) *hv.Event {
		d.open, d.released = false, false
		return s.event(hv.EventDoorClosed, d)
	})
}

// Force opens the door of id without a command.
func (s *Server) Force(id lockers.CompartmentID) error {
	return s.withDoor(id, func(d *door) *hv.Event {
		d.open = true
		return s.event(hv.EventDoorForced, d)
	})
}

// Offline makes the bank's controller unreachable (or back): opens answer
// 503 CONTROLLER_OFFLINE, statuses carry the fault, a controller event is
// sent.
func (s *Server) Offline(on bool) {
	s.mu.Lock()
	s.offline = on
	s.mu.Unlock()
	typ := hv.EventControllerOnline
	if on {
		typ = hv.EventControllerOffline
	}
	s.send(hv.Event{EventID: randomHex(8), Type: typ, Bank: s.Bank, OccurredAt: s.now().UTC()})
}

// Controller is the name of the fake's single controller in Health.
const Controller = "ctl-1"

// SetBoardOnline takes the controller offline or back, as Offline does.
// It implements lockerstest.Faults.
func (s *Server) SetBoardOnline(board string, online bool) error {
	if board != Controller {
		return fmt.Errorf("vendortest: no controller %q; there is only %q", board, Controller)
	}
	s.Offline(!online)
	return nil
}

// FailNext makes the next n requests answer status with body verbatim
// (e.g. 503 and an HTML page), before authentication and routing.
func (s *Server) FailNext(n, status int, body string) {
	s.mu.Lock()
	s.failNext, s.failStatus, s.failBody = n, status, body
	s.mu.Unlock()
}

// Delay makes every answer wait d.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Pulses reports how often the lock of id was pulsed.
func (s *Server) Pulses(id lockers.CompartmentID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.doors[string(id)]; d != nil {
		return d.pulses
	}
	return 0
}

// Requests reports how many requests, not failed by FailNext, matched a route pattern such as
// "POST /banks/{bank}/compartments/{id}/open".
func (s *Server) Requests(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[pattern]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
