package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/httpapi"
	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/gateway/metrics"
	"github.com/lockergate/lockergate/gateway/sqlstore"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

const (
	staffToken = "staff-token-integration-0001"
	kioskToken = "kiosk-token-integration-0002"
)

// codeCatcher is a Notifier that keeps the pickup codes it is asked to
// deliver, as the patron's phone would.
type codeCatcher struct {
	mu    sync.Mutex
	codes map[string]string // reservation's first item → code
}

func (c *codeCatcher) Notify(_ context.Context, n gateway.Notification) error {
	if n.Kind != gateway.NotifyReady || n.Code == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, it := range n.Items {
		c.codes[it.ID] = n.Code
	}
	return nil
}

func (c *codeCatcher) code(item string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[item]
}

// stack is a whole gateway behind the API: the demo ILS over SIP2, SQLite
// in a temporary directory, a simulated 24-compartment bank.
type stack struct {
	lib     *sip2mem.Library
	bank    *sim.Bank
	svc     *gateway.Service
	codes   *codeCatcher
	base    string
	logs    *bytes.Buffer
	logMu   *sync.Mutex
	metrics *metrics.Metrics
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := &stack{lib: sip2mem.NewDemo(), codes: &codeCatcher{codes: map[string]string{}}, logs: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	log := logrus.New()
	log.SetOutput(lockedWriter{st.logMu, st.logs})
	log.SetLevel(logrus.DebugLevel)

	acs := sip2test.NewServer(t, st.lib)
	reg := prometheus.NewRegistry()
	st.metrics = metrics.New(reg)
	sip, err := ils.NewSIP2(ils.SIP2Config{Addr: acs.Addr, User: sip2mem.DemoUser, Password: sip2mem.DemoPassword, Institution: "DEMO", Location: "MAIN", PoolSize: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "lockergate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	drv, err := lockers.Open(ctx, "sim:?compartments=24&sizes=S:12,M:8,L:4")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drv.Close() })
	st.bank = lockers.Unguard(drv).(*sim.Bank)

	st.svc, err = gateway.New(gateway.Config{
		Store:    db,
		ILS:      map[string]gateway.ILS{"main": ils.Instrument(sip, st.metrics.ObserveILS)},
		Notifier: st.codes,
		Sites: []gateway.Site{{ID: "main", ILS: "main", Banks: []gateway.BankConfig{
			{ID: "B1", Name: "Lobby", Location: "MAIN", Driver: drv, Returns: []lockers.CompartmentID{"24"}},
		}}},
		Secret:         []byte("integration-test-secret-0123456789abcdef"),
		Log:            log,
		OutboxInterval: 20 * time.Millisecond,
		Backoff:        50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The metrics subscribe before the Service starts so they miss nothing.
	st.metrics.AddSource(st.svc)
	runCtx, stopMetrics := context.WithCancel(context.Background())
	metricsDone := make(chan struct{})
	go func() { st.metrics.Run(runCtx); close(metricsDone) }()
	if err := st.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st.svc.Shutdown(ctx)
		stopMetrics()
		<-metricsDone
	})

	api := httpapi.New(httpapi.Config{
		Service: st.svc,
		Tokens: []httpapi.Token{
			{Name: "desk", Role: httpapi.RoleStaff, Secret: staffToken},
			{Name: "kiosk", Role: httpapi.RoleKiosk, Secret: kioskToken},
		},
		Log:     log,
		Metrics: st.metrics.Handler(),
		Ready:   st.svc.Ready,
		Version: "integration",
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go api.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		api.Shutdown(ctx)
	})
	st.base = "http://" + l.Addr().String()
	return st
}

// call sends a JSON request and decodes the JSON answer into out (if not
// nil), returning the status.
func (st *stack) call(t *testing.T, method, path, token, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, st.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntegrationPickupByCode drives the real Service only through HTTP:
// staff load a held item, the door closes (sim hook), the patron collects
// with the code from the notification, and the ILS records the loan. The
// event stream and the metrics see it happen.
func TestIntegrationPickupByCode(t *testing.T) {
	st := newStack(t)

	// A dashboard watches the event stream.
	req, _ := http.NewRequest("GET", st.base+"/api/v1/events?bank=B1", nil)
	req.Header.Set("Authorization", "Bearer "+staffToken)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	events := make(chan string, 256)
	go func() {
		buf := make([]byte, 4096)
		var pending string
		for {
			n, err := stream.Body.Read(buf)
			pending += string(buf[:n])
			for {
				i := strings.Index(pending, "\n\n")
				if i < 0 {
					break
				}
				events <- pending[:i]
				pending = pending[i+2:]
			}
			if err != nil {
				close(events)
				return
			}
		}
	}()
	waitEvent := func(typ string) string {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case f, ok := <-events:
				if !ok {
					t.Fatalf("stream ended before a %s event", typ)
				}
				if strings.Contains(f, "\nevent: "+typ+"\n") {
					return f
				}
			case <-timeout:
				t.Fatalf("no %s event within 15s", typ)
			}
		}
	}

	if code := st.call(t, "GET", "/readyz", "", "", nil); code != 200 {
		t.Fatalf("readyz = %d", code)
	}

	// P0007 has a hold on I0012 for pickup at MAIN, not yet trapped.
	var load struct {
		Reservation, Patron, Compartment, Size string
	}
	if code := st.call(t, "POST", "/api/v1/banks/B1/loads", staffToken, `{"item":"I0012"}`, &load); code != 201 {
		t.Fatalf("load = %d %+v\n%s", code, load, st.logText())
	}
	if load.Patron != "P0007" || load.Compartment == "" || load.Size != "S" {
		t.Fatalf("load = %+v", load)
	}
	comp := lockers.CompartmentID(load.Compartment)

	// Staff put the item in and close the door.
	if err := st.bank.CloseDoor(comp); err != nil {
		t.Fatal(err)
	}
	waitEvent("loaded")
	eventually(t, "the pickup code is sent", func() bool { return st.codes.code("I0012") != "" })
	code := st.codes.code("I0012")

	var res struct {
		State string
		Items []struct{ Item, State, Compartment string }
	}
	if c := st.call(t, "GET", "/api/v1/reservations/"+load.Reservation, staffToken, "", &res); c != 200 || res.State != "ready" {
		t.Fatalf("reservation: %d %+v", c, res)
	}

	// A wrong code is refused; the kiosk token alone opens nothing.
	wrong := "000000"
	if wrong == code {
		wrong = "999999"
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if c := st.call(t, "POST", "/api/v1/banks/B1/pickups", kioskToken, `{"code":"`+wrong+`"}`, &e); c != 401 || e.Error.Code != "unauthorized" {
		t.Fatalf("wrong code: %d %+v", c, e)
	}

	// The patron collects with the code.
	var pick struct {
		Compartments []string
		Items        []struct{ Item, Checkout string }
	}
	if c := st.call(t, "POST", "/api/v1/banks/B1/pickups", kioskToken, `{"code":"`+code+`"}`, &pick); c != 200 {
		t.Fatalf("pickup: %d %+v\n%s", c, pick, st.logText())
	}
	if len(pick.Compartments) != 1 || pick.Compartments[0] != load.Compartment || len(pick.Items) != 1 || pick.Items[0].Item != "I0012" {
		t.Fatalf("pickup = %+v", pick)
	}
	if ck := pick.Items[0].Checkout; ck != "done" && ck != "queued" {
		t.Errorf("checkout = %q, want done or queued", ck)
	}
	t.Logf("load %+v; pickup %+v", load, pick)
	waitEvent("pickup")

	// The ILS recorded the checkout.
	eventually(t, "the ILS records the loan", func() bool {
		for _, l := range st.lib.Loans() {
			if l.ItemID == "I0012" && l.PatronID == "P0007" {
				return true
			}
		}
		return false
	})

	// The patron takes the item and closes the door: the compartment is free.
	if err := st.bank.CloseDoor(comp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the compartment is free", func() bool {
		var bank struct {
			Compartments []struct{ ID, State string }
		}
		st.call(t, "GET", "/api/v1/banks/B1", staffToken, "", &bank)
		for _, c := range bank.Compartments {
			if c.ID == load.Compartment {
				return c.State == "free"
			}
		}
		return false
	})

	// The audit log tells the story.
	var audit []struct{ Action, Actor string }
	if c := st.call(t, "GET", "/api/v1/audit?item=I0012", staffToken, "", &audit); c != 200 || len(audit) == 0 {
		t.Fatalf("audit: %d %+v", c, audit)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action+"/"+a.Actor)
	}
	if !strings.Contains(strings.Join(actions, " "), "load/staff:desk") {
		t.Errorf("audit lacks the staff load: %v", actions)
	}

	// The metrics counted it.
	eventually(t, "metrics count the load and the pickup", func() bool {
		m := st.metricsText(t)
		return strings.Contains(m, `lockergate_loads_total{bank="B1"} 1`) && strings.Contains(m, `lockergate_pickups_total{bank="B1",outcome="ok"} 1`)
	})
	m := st.metricsText(t)
	for _, want := range []string{`lockergate_ils_request_duration_seconds_count{op="checkin"}`, `lockergate_outbox_depth{state="pending"} 0`, "lockergate_pickup_duration_seconds_count 1"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Neither the code nor a token reached the log.
	logs := st.logText()
	for _, secret := range []string{code, staffToken, kioskToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret (%d chars)", len(secret))
		}
	}
}

func (st *stack) logText() string {
	st.logMu.Lock()
	defer st.logMu.Unlock()
	return st.logs.String()
}

func (st *stack) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(st.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	return string(data)
}

// TestIntegrationPINLockout checks the real Service's failure path through
// HTTP: wrong PINs are 401, and the attempt that locks the card is 429 with
// a Retry-After, as is the right PIN while the lock lasts.
func TestIntegrationPINLockout(t *testing.T) {
	st := newStack(t)
	var e struct {
		Error struct{ Code, Message string }
	}
	statuses := []int{}
	for i := 0; i < 6; i++ {
		e.Error.Code = ""
		statuses = append(statuses, st.call(t, "POST", "/api/v1/banks/B1/pickups", kioskToken, `{"patron":"P0007","pin":"9999"}`, &e))
	}
	if fmt.Sprint(statuses) != "[401 401 401 401 429 429]" {
		t.Fatalf("statuses = %v (last %+v), want four 401s then 429s", statuses, e)
	}
	req, _ := http.NewRequest("POST", st.base+"/api/v1/banks/B1/pickups", strings.NewReader(`{"patron":"P0007","pin":"1234"}`))
	req.Header.Set("Authorization", "Bearer "+kioskToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("right PIN while locked: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if strings.Contains(st.logText(), "9999") {
		t.Error("the log holds the PIN")
	}
}

// TestIntegrationILL drives an interlibrary loan through HTTP on the real
// Service: the ILL system's AcceptItem (called on the Service: the NCIP
// front door is not part of this API) leaves an awaited request; the desk
// scan (POST /ill/arrivals) reserves a compartment without asking who the
// parcel is for, and a second scan names the same one; the scan at the bank
// (POST /loads) opens that compartment and names the request; the door
// closes, the patron is sent a code and collects. The demo ILS speaks SIP2
// only, so the request is recorded without being forwarded (in_ils false).
func TestIntegrationILL(t *testing.T) {
	st := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	due := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, created, err := st.svc.AcceptILL(ctx, gateway.ILLAccept{
		RequestID: "ILL-77", Partner: "ILLSYS", PickupLocation: "B1", Patron: "P0007", PatronName: "Pat Seven",
		Item: "T0077", Title: "A borrowed book", Due: due, Actor: "ncip:ILLSYS",
	}); err != nil || !created {
		t.Fatalf("AcceptILL: created %v, %v", created, err)
	}

	type illJSON struct {
		ID, Partner, Bank, Reservation, Item, Patron, State string
		InILS                                               bool      `json:"in_ils"`
		Due                                                 time.Time `json:"due"`
	}
	var list []illJSON
	if c := st.call(t, "GET", "/api/v1/ill/requests?bank=B1&state=awaited", staffToken, "", &list); c != 200 || len(list) != 1 {
		t.Fatalf("awaited ILL requests: %d %+v", c, list)
	}
	if r := list[0]; r.ID != "ILL-77" || r.Partner != "ILLSYS" || r.Item != "T0077" || r.Patron != "P0007" || r.InILS || !r.Due.Equal(due) || r.Reservation == "" {
		t.Fatalf("awaited request %+v", r)
	}
	if c := st.call(t, "GET", "/api/v1/ill/requests?state=arrived", staffToken, "", &list); c != 200 || len(list) != 0 {
		t.Fatalf("arrived ILL requests before the scan: %d %+v", c, list)
	}

	// The desk scans the parcel, twice.
	type arrival struct {
		Bank, Compartment, Size, Patron, Request, Reservation string
		PatronName                                            string `json:"patron_name"`
		Repeated                                              bool
	}
	var first, second arrival
	if c := st.call(t, "POST", "/api/v1/ill/arrivals", staffToken, `{"item":"T0077"}`, &first); c != 200 {
		t.Fatalf("arrival: %d %+v\n%s", c, first, st.logText())
	}
	if first.Bank != "B1" || first.Compartment == "" || first.Request != "ILL-77" || first.Patron != "P0007" || first.PatronName != "Pat Seven" || first.Repeated {
		t.Fatalf("arrival = %+v", first)
	}
	if c := st.call(t, "POST", "/api/v1/ill/arrivals", staffToken, `{"item":"T0077"}`, &second); c != 200 || !second.Repeated || second.Compartment != first.Compartment {
		t.Fatalf("second arrival scan: %d %+v, want compartment %s again", c, second, first.Compartment)
	}
	var e struct{ Error struct{ Code string } }
	if c := st.call(t, "POST", "/api/v1/ill/arrivals", staffToken, `{"item":"T-unknown"}`, &e); c != 404 || e.Error.Code != "not_found" {
		t.Fatalf("arrival of an unknown parcel: %d %+v", c, e)
	}
	var one illJSON
	if c := st.call(t, "GET", "/api/v1/ill/requests/ILL-77", staffToken, "", &one); c != 200 || one.State != "arrived" || one.Reservation != first.Reservation {
		t.Fatalf("request after the scan: %d %+v", c, one)
	}
	var res struct {
		State      string
		ILLRequest string `json:"ill_request"`
	}
	if c := st.call(t, "GET", "/api/v1/reservations/"+first.Reservation, staffToken, "", &res); c != 200 || res.ILLRequest != "ILL-77" {
		t.Fatalf("reservation of the request: %d %+v", c, res)
	}

	// At the bank: the reserved compartment opens for it.
	var load struct {
		Reservation, Compartment string
		ILLRequest               string `json:"ill_request"`
	}
	if c := st.call(t, "POST", "/api/v1/banks/B1/loads", staffToken, `{"item":"T0077"}`, &load); c != 201 {
		t.Fatalf("load: %d %+v\n%s", c, load, st.logText())
	}
	if load.ILLRequest != "ILL-77" || load.Compartment != first.Compartment || load.Reservation != first.Reservation {
		t.Fatalf("load = %+v, want ILL-77 in compartment %s", load, first.Compartment)
	}
	if err := st.bank.CloseDoor(lockers.CompartmentID(load.Compartment)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pickup code is sent", func() bool { return st.codes.code("T0077") != "" })

	// The patron collects it.
	var pick struct {
		Compartments []string
		Items        []struct{ Item string }
	}
	if c := st.call(t, "POST", "/api/v1/banks/B1/pickups", kioskToken, `{"code":"`+st.codes.code("T0077")+`"}`, &pick); c != 200 {
		t.Fatalf("pickup: %d %+v\n%s", c, pick, st.logText())
	}
	if len(pick.Items) != 1 || pick.Items[0].Item != "T0077" || len(pick.Compartments) != 1 || pick.Compartments[0] != load.Compartment {
		t.Fatalf("pickup = %+v", pick)
	}
	if c := st.call(t, "GET", "/api/v1/ill/requests/ILL-77", staffToken, "", &one); c != 200 || one.State != "collected" {
		t.Fatalf("request after the pickup: %d %+v", c, one)
	}
}
