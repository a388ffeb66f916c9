package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lockergate/lockergate/gateway"
)

// source is an EventSource with an outbox depth and alerts.
type source struct {
	mu     sync.Mutex
	ch     chan gateway.Event
	depth  map[gateway.OutboxState]int
	alerts []gateway.Alert
	err    error
	subs   int
}

func newSource() *source { return &source{ch: make(chan gateway.Event, 64)} }

func (s *source) Subscribe(buffer int) (<-chan gateway.Event, func()) {
	s.mu.Lock()
	s.subs++
	s.mu.Unlock()
	return s.ch, func() {}
}

func (s *source) OutboxDepth(ctx context.Context) (map[gateway.OutboxState]int, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("scrape without a deadline")
	}
	return s.depth, s.err
}

func (s *source) Alerts(ctx context.Context, f gateway.AlertFilter) ([]gateway.Alert, error) {
	if !f.ActiveOnly {
		return nil, errors.New("asked for all alerts")
	}
	return s.alerts, s.err
}

func TestEventsCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newSource()
	m := New(reg, src)
	if m.Err() != nil {
		t.Fatal(m.Err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()

	events := []gateway.Event{
		{Type: "load", Bank: "B1"},
		{Type: "loaded", Bank: "B1", Item: "I1", Outcome: "ok"},
		{Type: "loaded", Bank: "B1", Item: "I2", Outcome: "ok"},
		{Type: "loaded", Bank: "B1", Reservation: "R1", Outcome: "ready"}, // the reservation, not an item
		{Type: "loaded", Bank: "B2", Item: "I3", Outcome: "ok"},
		{Type: "pickup", Bank: "B1", Outcome: "ok", Duration: 1200 * time.Millisecond},
		{Type: "pickup", Bank: "B1", Outcome: "door_failed", Duration: 4 * time.Second},
		{Type: "pickup", Bank: "B1", Outcome: gateway.EUNAUTHORIZED}, // a wrong PIN: no duration
		{Type: "expired", Bank: "B1"},
		{Type: "expired", Bank: "B2"},
		{Type: "door", Bank: "B1", Outcome: "closed"},
		{Type: "door", Bank: "B1", Outcome: "opened"},
		{Type: "door", Bank: "B1", Outcome: "emptied"},
		{Type: "alert", Bank: "B1", Outcome: gateway.AlertDoorFailed},
		{Type: "alert", Bank: "B1", Outcome: gateway.AlertDoorForced},
		{Type: "alert", Bank: "B1", Outcome: gateway.AlertDoorForced},
		{Type: "alert", Bank: "B1", Outcome: gateway.AlertOutboxFailed}, // not a door
		{Type: "alert_cleared", Bank: "B1", Outcome: gateway.AlertDoorForced},
		{Type: "outbox", Outcome: "checkout:done"},
		{Type: "outbox", Outcome: "checkin:retry"},
	}
	for _, e := range events {
		src.ch <- e
	}
	// Run consumes asynchronously: wait until the last event is counted.
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(m.deliveries.WithLabelValues("checkin", "retry")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("events not consumed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	want := `
# HELP lockergate_loads_total Items loaded into lockers (the door closed on them).
# TYPE lockergate_loads_total counter
lockergate_loads_total{bank="B1"} 2
lockergate_loads_total{bank="B2"} 1
# HELP lockergate_pickups_total Pickup attempts by outcome: ok, door_failed (a door did not open), canceled, or the error code of a refused attempt (unauthorized, locked, forbidden, unavailable, ...).
# TYPE lockergate_pickups_total counter
lockergate_pickups_total{bank="B1",outcome="door_failed"} 1
lockergate_pickups_total{bank="B1",outcome="ok"} 1
lockergate_pickups_total{bank="B1",outcome="unauthorized"} 1
# HELP lockergate_expiries_total Reservations that expired uncollected.
# TYPE lockergate_expiries_total counter
lockergate_expiries_total 2
# HELP lockergate_door_faults_total Door faults by alert kind (door_failed, door_forced, door_left_open).
# TYPE lockergate_door_faults_total counter
lockergate_door_faults_total{bank="B1",kind="door_failed"} 1
lockergate_door_faults_total{bank="B1",kind="door_forced"} 2
# HELP lockergate_outbox_deliveries_total Outbox sends by operation and result.
# TYPE lockergate_outbox_deliveries_total counter
lockergate_outbox_deliveries_total{op="checkin",outcome="retry"} 1
lockergate_outbox_deliveries_total{op="checkout",outcome="done"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"lockergate_loads_total", "lockergate_pickups_total", "lockergate_expiries_total",
		"lockergate_door_faults_total", "lockergate_outbox_deliveries_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.pickupDuration); n != 1 {
		t.Errorf("pickup histogram series = %d", n)
	}
	// Two pickups had a duration: 1.2s and 4s.
	h := gatherHistogram(t, reg, "lockergate_pickup_duration_seconds")
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 5.2 {
		t.Errorf("pickup durations: count %d sum %v, want 2 and 5.2", h.GetSampleCount(), h.GetSampleSum())
	}
	if got := testutil.ToFloat64(m.events.WithLabelValues("alert")); got != 4 {
		t.Errorf("events_total{type=alert} = %v, want 4", got)
	}
}

func TestObserveILS(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.ObserveILS("checkout", 30*time.Millisecond, nil)
	m.ObserveILS("checkout", 2*time.Second, gateway.Errorf(gateway.EUNAVAILABLE, "ILS down"))
	m.ObserveILS("verify_patron", 10*time.Millisecond, gateway.Errorf(gateway.EUNAUTHORIZED, "wrong PIN"))
	m.ObserveILS("checkin", 5*time.Millisecond, errors.New("raw"))
	want := `
# HELP lockergate_ils_errors_total Failed ILS requests by operation and gateway error code.
# TYPE lockergate_ils_errors_total counter
lockergate_ils_errors_total{code="internal",op="checkin"} 1
lockergate_ils_errors_total{code="unauthorized",op="verify_patron"} 1
lockergate_ils_errors_total{code="unavailable",op="checkout"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lockergate_ils_errors_total"); err != nil {
		t.Error(err)
	}
	h := gatherHistogram(t, reg, "lockergate_ils_request_duration_seconds", "op", "checkout")
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 2.03 {
		t.Errorf("checkout latency: count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
}

func TestScrapeTimeCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newSource()
	src.depth = map[gateway.OutboxState]int{gateway.OutboxPending: 4, gateway.OutboxFailed: 1, gateway.OutboxDone: 99}
	src.alerts = []gateway.Alert{
		{Kind: gateway.AlertDoorFailed, Bank: "B1"},
		{Kind: gateway.AlertDoorFailed, Bank: "B1"},
		{Kind: gateway.AlertBoardOffline, Bank: "B2"},
		{Kind: gateway.AlertDoorForced, Bank: "B1", ClearedAt: time.Now()}, // cleared: not counted
	}
	New(reg, src)
	want := `
# HELP lockergate_outbox_depth Unfinished outbox entries by state (read at scrape).
# TYPE lockergate_outbox_depth gauge
lockergate_outbox_depth{state="failed"} 1
lockergate_outbox_depth{state="pending"} 4
lockergate_outbox_depth{state="sent"} 0
# HELP lockergate_alerts_active Alerts not yet cleared, by bank and kind (read at scrape).
# TYPE lockergate_alerts_active gauge
lockergate_alerts_active{bank="B1",kind="door_failed"} 2
lockergate_alerts_active{bank="B2",kind="board_offline"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lockergate_outbox_depth", "lockergate_alerts_active"); err != nil {
		t.Error(err)
	}
	// The depth follows the store, not a counter.
	src.depth = map[gateway.OutboxState]int{}
	want = `
# HELP lockergate_outbox_depth Unfinished outbox entries by state (read at scrape).
# TYPE lockergate_outbox_depth gauge
lockergate_outbox_depth{state="failed"} 0
lockergate_outbox_depth{state="pending"} 0
lockergate_outbox_depth{state="sent"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lockergate_outbox_depth"); err != nil {
		t.Error(err)
	}
}

// TestHandlerSurvivesFailingScrape checks that a database failure during a
// scrape leaves those metrics out and serves the rest.
func TestHandlerSurvivesFailingScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	src := newSource()
	src.err = errors.New("database is locked")
	m := New(reg, src)
	m.ObserveILS("ping", time.Millisecond, nil)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.Contains(string(body), "lockergate_ils_request_duration_seconds_count{op=\"ping\"} 1") {
		t.Errorf("status %d, body:\n%s", rec.Code, body)
	}
	if strings.Contains(string(body), "lockergate_outbox_depth{") {
		t.Errorf("a failed depth read was served as numbers:\n%s", body)
	}
}

// TestRegisterTwice checks that a second Metrics on one registry reuses the
// first one's collectors instead of failing or panicking.
func TestRegisterTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := New(reg)
	b := New(reg)
	if a.Err() != nil || b.Err() != nil {
		t.Fatalf("errors: %v, %v", a.Err(), b.Err())
	}
	a.Observe(gateway.Event{Type: "expired"})
	b.Observe(gateway.Event{Type: "expired"})
	if got := testutil.ToFloat64(a.expiries); got != 2 {
		t.Errorf("shared counter = %v, want 2", got)
	}
}

func TestNilRegistry(t *testing.T) {
	m := New(nil)
	m.ObserveILS("ping", time.Millisecond, nil)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{"lockergate_ils_request_duration_seconds_count", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRunEndsWhenSourceCloses checks that Run returns once every source's
// subscription is closed (the Service shut down).
func TestRunEndsWhenSourceCloses(t *testing.T) {
	src := newSource()
	m := New(prometheus.NewRegistry(), src)
	done := make(chan error)
	go func() { done <- m.Run(context.Background()) }()
	src.ch <- gateway.Event{Type: "loaded", Bank: "B1", Item: "I1"}
	close(src.ch)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if got := testutil.ToFloat64(m.loads.WithLabelValues("B1")); got != 1 {
		t.Errorf("loads = %v", got)
	}
}

// TestAddSource checks the order a program needs: Metrics first (for
// ObserveILS), the Service added once it exists.
func TestAddSource(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	src := newSource()
	src.depth = map[gateway.OutboxState]int{gateway.OutboxSent: 2}
	m.AddSource(src)
	m.AddSource(nil)
	if got, err := testutil.GatherAndCount(reg, "lockergate_outbox_depth"); err != nil || got != 3 {
		t.Errorf("outbox depth series = %d (%v), want 3", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	src.ch <- gateway.Event{Type: "expired"}
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(m.expiries) != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if got := testutil.ToFloat64(m.expiries); got != 1 {
		t.Errorf("expiries = %v, want 1", got)
	}
	// A second Metrics on the registry shares the scrape-time collectors.
	other := newSource()
	other.depth = map[gateway.OutboxState]int{gateway.OutboxSent: 3}
	m2 := New(reg, other)
	if m2.Err() != nil {
		t.Fatal(m2.Err())
	}
	want := `
# HELP lockergate_outbox_depth Unfinished outbox entries by state (read at scrape).
# TYPE lockergate_outbox_depth gauge
lockergate_outbox_depth{state="failed"} 0
lockergate_outbox_depth{state="pending"} 0
lockergate_outbox_depth{state="sent"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lockergate_outbox_depth"); err != nil {
		t.Error(err)
	}
}
