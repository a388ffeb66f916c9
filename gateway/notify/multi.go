package notify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/lockergate/lockergate/gateway"
)

// Named is a notifier with a name for errors ("webhook", "smtp").
type Named struct {
	Name     string
	Notifier gateway.Notifier
}

// Multi delivers every notification through several notifiers (an SMS
// webhook and e-mail). Notify fails if any of them fails, naming which,
// and the outbox then retries the whole notification. To keep that retry
// from repeating deliveries that already worked, Multi remembers, per
// notification id, which notifiers succeeded, and on a retry calls only
// the others. That memory is in-process and bounded (the most recent
// notifications): after a restart, or for a notification retried after
// thousands of others, a notifier that had succeeded may be called again;
// receivers drop such duplicates by the notification id (Idempotency-Key,
// Message-ID).
type Multi struct {
	notifiers []Named

	mu    sync.Mutex
	done  map[string]map[int]bool // notification id → indexes delivered
	order []string                // ids in insertion order, for eviction
	limit int
}

var _ gateway.Notifier = (*Multi)(nil)

// NewMulti returns a fan-out over notifiers, called concurrently.
func NewMulti(notifiers ...Named) *Multi {
	return &Multi{notifiers: notifiers, done: map[string]map[int]bool{}, limit: 10000}
}

// MultiError lists the notifiers that failed, in order.
type MultiError struct {
	ID     string
	Failed []string
	Errs   []error
}

// Error names every failed notifier and why.
func (e *MultiError) Error() string {
	var parts []string
	for i, name := range e.Failed {
		parts = append(parts, name+": "+e.Errs[i].Error())
	}
	return fmt.Sprintf("notify: notification %s: %d notifier(s) failed: %s", e.ID, len(e.Failed), strings.Join(parts, "; "))
}

// Unwrap returns the individual errors.
func (e *MultiError) Unwrap() []error { return e.Errs }

// Notify calls every notifier that has not yet delivered n (see Multi)
// concurrently and returns a *MultiError if any failed.
func (m *Multi) Notify(ctx context.Context, n gateway.Notification) error {
	if len(m.notifiers) == 0 {
		return errors.New("notify: no notifier configured")
	}
	// A copy: another Notify of the same id (two senders racing on one
	// entry) may record a delivery in the stored set meanwhile.
	m.mu.Lock()
	already := maps.Clone(m.done[n.ID])
	m.mu.Unlock()
	errs := make([]error, len(m.notifiers))
	var wg sync.WaitGroup
	for i, nt := range m.notifiers {
		if already[i] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = nt.Notifier.Notify(ctx, n)
		}()
	}
	wg.Wait()
	me := &MultiError{ID: n.ID}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, err := range errs {
		if already[i] {
			continue
		}
		if err != nil {
			me.Failed = append(me.Failed, m.notifiers[i].Name)
			me.Errs = append(me.Errs, err)
			continue
		}
		m.remember(n.ID, i)
	}
	if len(me.Failed) == 0 {
		m.forget(n.ID) // delivered everywhere: the outbox will not retry it
		return nil
	}
	return me
}

func (m *Multi) remember(id string, i int) {
	d, ok := m.done[id]
	if !ok {
		d = map[int]bool{}
		m.done[id] = d
		m.order = append(m.order, id)
		for len(m.order) > m.limit {
			delete(m.done, m.order[0])
			m.order = m.order[1:]
		}
	}
	d[i] = true
}

func (m *Multi) forget(id string) {
	if _, ok := m.done[id]; !ok {
		return
	}
	delete(m.done, id)
	for i, x := range m.order {
		if x == id {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
}
