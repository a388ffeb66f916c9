// Package metrics exposes lockergate's Prometheus metrics. Counters and
// histograms are fed by the gateway's event stream (Service.Subscribe);
// the outbox depth and the active alerts are read from the Service at each
// scrape, so they are right even after a restart; ILS latency and errors
// come from gateway/ils.Instrument through ObserveILS.
//
// Metrics (all prefixed lockergate_):
//
//	loads_total{bank}                      items loaded (the door closed on them)
//	pickups_total{bank,outcome}            pickup attempts: ok, door_failed, canceled, or an error code
//	pickup_duration_seconds                from a patron's request to the doors open
//	expiries_total                         reservations expired
//	door_faults_total{bank,kind}           door alerts: failed to open, forced, left open
//	alerts_active{bank,kind}               alerts not yet cleared (at scrape)
//	outbox_depth{state}                    unfinished outbox entries (at scrape)
//	outbox_deliveries_total{op,outcome}    outbox sends by operation and result
//	ils_request_duration_seconds{op}       ILS round trips
//	ils_errors_total{op,code}              failed ILS calls by gateway error code
//	events_total{type}                     every event, by type
//
// Labels never hold a patron, an item or a secret: only banks, outcomes,
// kinds, states, operations and error codes.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lockergate/lockergate/gateway"
)

// EventSource publishes the gateway's events (*gateway.Service does).
type EventSource interface {
	Subscribe(buffer int) (events <-chan gateway.Event, cancel func())
}

// OutboxDepther counts unfinished outbox entries. A source that has it
// feeds lockergate_outbox_depth at each scrape.
type OutboxDepther interface {
	OutboxDepth(ctx context.Context) (map[gateway.OutboxState]int, error)
}

// AlertLister lists alerts. A source that has it feeds
// lockergate_alerts_active at each scrape.
type AlertLister interface {
	Alerts(ctx context.Context, f gateway.AlertFilter) ([]gateway.Alert, error)
}

// ScrapeTimeout bounds the Service calls made during one scrape.
const ScrapeTimeout = 5 * time.Second

// SubscribeBuffer is Run's subscription buffer: large, because a metrics
// consumer that falls behind loses events and so under-counts.
const SubscribeBuffer = 4096

// Metrics holds the collectors.
type Metrics struct {
	sources  []EventSource
	reg      prometheus.Registerer
	gatherer prometheus.Gatherer
	err      error
	depth    *depthCollector
	alerts   *alertCollector

	loads          *prometheus.CounterVec
	pickups        *prometheus.CounterVec
	pickupDuration prometheus.Histogram
	expiries       prometheus.Counter
	doorFaults     *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	events         *prometheus.CounterVec
	ilsDuration    *prometheus.HistogramVec
	ilsErrors      *prometheus.CounterVec
}

// New registers the collectors with reg and returns them; Run feeds them
// from the sources. A nil reg gets a new registry with the Go and process
// collectors. Registering on a registry that already holds lockergate's
// collectors reuses those; any other registration failure is kept for Err.
func New(reg prometheus.Registerer, src ...EventSource) *Metrics {
	m := &Metrics{}
	for _, s := range src {
		if s != nil {
			m.sources = append(m.sources, s)
		}
	}
	if reg == nil {
		r := prometheus.NewRegistry()
		r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = r
	}
	m.gatherer = prometheus.DefaultGatherer
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	}

	m.loads = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_loads_total", Help: "Items loaded into lockers (the door closed on them).",
	}, []string{"bank"}))
	m.pickups = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_pickups_total", Help: "Pickup attempts by outcome: ok, door_failed (a door did not open), canceled, or the error code of a refused attempt (unauthorized, locked, forbidden, unavailable, ...).",
	}, []string{"bank", "outcome"}))
	m.pickupDuration = register(m, reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "lockergate_pickup_duration_seconds", Help: "Time from a patron's pickup request to the doors open.",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60},
	}))
	m.expiries = register(m, reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lockergate_expiries_total", Help: "Reservations that expired uncollected.",
	}))
	m.doorFaults = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_door_faults_total", Help: "Door faults by alert kind (door_failed, door_forced, door_left_open).",
	}, []string{"bank", "kind"}))
	m.deliveries = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_outbox_deliveries_total", Help: "Outbox sends by operation and result.",
	}, []string{"op", "outcome"}))
	m.events = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_events_total", Help: "Gateway events by type.",
	}, []string{"type"}))
	m.ilsDuration = register(m, reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "lockergate_ils_request_duration_seconds", Help: "ILS request round trips by operation.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"op"}))
	m.ilsErrors = register(m, reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockergate_ils_errors_total", Help: "Failed ILS requests by operation and gateway error code.",
	}, []string{"op", "code"}))

	m.reg = reg
	srcs := m.sources
	m.sources = nil
	for _, s := range srcs {
		m.AddSource(s)
	}
	return m
}

// AddSource adds an event source after New, for a program that must
// create the Metrics (for ObserveILS) before the Service that publishes
// the events. Call it before Run. A source that also counts the outbox
// (OutboxDepther) or lists alerts (AlertLister) feeds those gauges.
func (m *Metrics) AddSource(src EventSource) {
	if src == nil {
		return
	}
	m.sources = append(m.sources, src)
	if d, ok := src.(OutboxDepther); ok {
		if m.depth == nil {
			m.depth = register(m, m.reg, &depthCollector{})
		}
		m.depth.add(d)
	}
	if a, ok := src.(AlertLister); ok {
		if m.alerts == nil {
			m.alerts = register(m, m.reg, &alertCollector{})
		}
		m.alerts.add(a)
	}
}

// register registers c, or returns the collector already registered in its
// place.
func register[C prometheus.Collector](m *Metrics, reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if old, ok := are.ExistingCollector.(C); ok {
			return old
		}
	}
	if m.err == nil {
		m.err = err
	}
	return c
}

// Err returns the first registration failure, if any.
func (m *Metrics) Err() error { return m.err }

// Handler serves the registry's metrics in Prometheus' text format. A
// failing scrape-time collector (the database down) leaves its metrics out
// but serves the rest.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Run feeds the collectors from every source's events until ctx is done or
// every source has closed its subscription.
func (m *Metrics) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, s := range m.sources {
		ch, cancel := s.Subscribe(SubscribeBuffer)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			for {
				select {
				case <-ctx.Done():
					return
				case e, ok := <-ch:
					if !ok {
						return
					}
					m.Observe(e)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// doorAlerts are the alert kinds that count as door faults; an "alert"
// event names its kind in Outcome.
var doorAlerts = map[string]bool{gateway.AlertDoorFailed: true, gateway.AlertDoorForced: true, gateway.AlertDoorLeftOpen: true}

// Observe counts one event. Run calls it; the demo may call it directly.
//
// The Service publishes "loaded" once per item (with Item set) and once
// more per reservation when it is ready (without Item): only the first
// counts as a load. Door faults come as "alert" events of a door kind.
// "outbox" events carry "<op>:<result>" in Outcome.
func (m *Metrics) Observe(e gateway.Event) {
	m.events.WithLabelValues(e.Type).Inc()
	switch e.Type {
	case "loaded":
		if e.Item != "" {
			m.loads.WithLabelValues(e.Bank).Inc()
		}
	case "pickup":
		outcome := e.Outcome
		if outcome == "" {
			outcome = "ok"
		}
		m.pickups.WithLabelValues(e.Bank, outcome).Inc()
		if e.Duration > 0 {
			m.pickupDuration.Observe(e.Duration.Seconds())
		}
	case "expired":
		m.expiries.Inc()
	case "alert":
		if doorAlerts[e.Outcome] {
			m.doorFaults.WithLabelValues(e.Bank, e.Outcome).Inc()
		}
	case "outbox":
		op, result, ok := strings.Cut(e.Outcome, ":")
		if !ok {
			op, result = "", e.Outcome
		}
		if result != "" {
			m.deliveries.WithLabelValues(op, result).Inc()
		}
	}
}

// ObserveILS records one ILS call; its signature matches the observe
// function of gateway/ils.Instrument.
func (m *Metrics) ObserveILS(op string, d time.Duration, err error) {
	m.ilsDuration.WithLabelValues(op).Observe(d.Seconds())
	if err != nil {
		m.ilsErrors.WithLabelValues(op, gateway.ErrorCode(err)).Inc()
	}
}

var depthDesc = prometheus.NewDesc("lockergate_outbox_depth", "Unfinished outbox entries by state (read at scrape).", []string{"state"}, nil)

// sourceList is a scrape-time collector's sources: AddSource appends while
// a scrape may be reading.
type sourceList[T any] struct {
	mu   sync.Mutex
	srcs []T
}

func (l *sourceList[T]) add(s T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.srcs = append(l.srcs, s)
}

func (l *sourceList[T]) sources() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.srcs
}

// depthCollector reads the outbox depth at scrape time.
type depthCollector struct {
	sourceList[OutboxDepther]
}

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	sum := map[gateway.OutboxState]int{gateway.OutboxPending: 0, gateway.OutboxSent: 0, gateway.OutboxFailed: 0}
	for _, s := range c.sources() {
		d, err := s.OutboxDepth(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(depthDesc, err)
			return
		}
		for st, n := range d {
			if st != gateway.OutboxDone {
				sum[st] += n
			}
		}
	}
	for st, n := range sum {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), string(st))
	}
}

var alertsDesc = prometheus.NewDesc("lockergate_alerts_active", "Alerts not yet cleared, by bank and kind (read at scrape).", []string{"bank", "kind"}, nil)

// alertCollector counts active alerts at scrape time.
type alertCollector struct {
	sourceList[AlertLister]
}

// maxAlerts bounds one scrape's alert listing.
const maxAlerts = 10000

func (c *alertCollector) Describe(ch chan<- *prometheus.Desc) { ch <- alertsDesc }

func (c *alertCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	type key struct{ bank, kind string }
	counts := map[key]int{}
	for _, s := range c.sources() {
		list, err := s.Alerts(ctx, gateway.AlertFilter{ActiveOnly: true, Limit: maxAlerts})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(alertsDesc, err)
			return
		}
		for _, a := range list {
			if a.Active() {
				counts[key{a.Bank, a.Kind}]++
			}
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(alertsDesc, prometheus.GaugeValue, float64(n), k.bank, k.kind)
	}
}
