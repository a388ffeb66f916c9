package gateway_test

// Test doubles and helpers of the interlibrary-loan tests (ill_test.go).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// illLib is an ILS that takes ILL items: it wraps the world's ILS (the
// SIP2 adapter behind the recording wrapper) and implements
// gateway.ILLSystem on the sip2mem library itself, as an ILS's NCIP
// responder would: AcceptItem creates the temporary item and the patron's
// hold at the pickup location. It logs every call that reached it, ILS
// transactions included, in order ("accept:<request>", "cancel:<request>",
// "delete:<request>", "checkout:<item>", "checkin:<item>").
type illLib struct {
	gateway.ILS
	lib *sip2mem.Library

	mu       sync.Mutex
	calls    []string
	items    []gateway.ILLItem // what the ILL calls carried
	down     bool              // ILL calls fail, never sent
	refuse   bool              // ILL calls are refused
	attempts int               // ILL calls tried, down or not
}

var _ gateway.ILLSystem = (*illLib)(nil)

func (d *illLib) ill(op string, it gateway.ILLItem) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attempts++
	if d.down {
		return gateway.WrapError(gateway.EUNAVAILABLE, gateway.ErrNotSent, "the NCIP responder does not answer")
	}
	if d.refuse {
		return gateway.Errorf(gateway.EREFUSED, "the NCIP responder refuses %s", op)
	}
	d.calls = append(d.calls, op+":"+it.Request)
	d.items = append(d.items, it)
	return nil
}

func (d *illLib) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	if err := d.ill("accept", it); err != nil {
		return err
	}
	if _, ok := d.lib.Item(it.Item); ok {
		return nil // a repeat
	}
	d.lib.AddItem(sip2mem.Item{ID: it.Item, Title: it.Title, Owner: it.Partner})
	if _, _, err := d.lib.PlaceHold(sip2mem.Hold{PatronID: it.Patron, ItemID: it.Item, PickupLocation: it.PickupLocation}); err != nil {
		return gateway.WrapError(gateway.EREFUSED, err, "hold refused")
	}
	return nil
}

func (d *illLib) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	if err := d.ill("cancel", it); err != nil {
		return err
	}
	_ = d.lib.CancelHold(it.Patron, it.Item, "") // gone already: a repeat
	return nil
}

func (d *illLib) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	return d.ill("delete", it)
}

func (d *illLib) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	res, err := d.ILS.Checkout(ctx, req)
	if err == nil {
		d.log("checkout:" + req.Item)
	}
	return res, err
}

func (d *illLib) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	res, err := d.ILS.Checkin(ctx, req)
	if err == nil {
		d.log("checkin:" + req.Item)
	}
	return res, err
}

func (d *illLib) log(call string) {
	d.mu.Lock()
	d.calls = append(d.calls, call)
	d.mu.Unlock()
}

// Calls lists the calls that reached the ILS, in order.
func (d *illLib) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.calls)
}

// Items lists what the ILL calls carried.
func (d *illLib) Items() []gateway.ILLItem {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.items)
}

func (d *illLib) SetDown(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

func (d *illLib) SetRefuse(refuse bool) {
	d.mu.Lock()
	d.refuse = refuse
	d.mu.Unlock()
}

// wrappedILS hides an ILS's methods behind the ILS interface and offers
// it through Unwrap, as a metrics wrapper may.
type wrappedILS struct{ inner gateway.ILS }

func (w wrappedILS) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	return w.inner.Checkin(ctx, req)
}

func (w wrappedILS) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	return w.inner.Checkout(ctx, req)
}

func (w wrappedILS) VerifyPatron(ctx context.Context, patron, pin string) (*gateway.Patron, error) {
	return w.inner.VerifyPatron(ctx, patron, pin)
}

func (w wrappedILS) Patron(ctx context.Context, patron string) (*gateway.Patron, error) {
	return w.inner.Patron(ctx, patron)
}

func (w wrappedILS) ItemStatus(ctx context.Context, item string) (*gateway.ItemStatus, error) {
	return w.inner.ItemStatus(ctx, item)
}

func (w wrappedILS) Ping(ctx context.Context) error { return w.inner.Ping(ctx) }

func (w wrappedILS) Unwrap() gateway.ILS { return w.inner }

// illMode is how the site's ILS handles ILL items.
type illMode int

const (
	illForward    illMode = iota // the ILS implements ILLSystem (illLib)
	illRecordOnly                // the ILS takes no ILL items (the world's plain ILS)
)

func (m illMode) String() string {
	if m == illForward {
		return "forward"
	}
	return "record-only"
}

// illWorld is a world whose site's ILS is an illLib (illForward) or the
// plain world ILS (illRecordOnly).
func illWorld(t testing.TB, e engine, mode illMode, tweak ...func(*gateway.Config)) (*world, *illLib) {
	t.Helper()
	var dbl *illLib
	tweak = append([]func(*gateway.Config){func(c *gateway.Config) {
		if mode == illForward {
			c.ILS["main"] = dbl
		}
	}}, tweak...)
	w := newWorld(t, e, tweak...)
	dbl = &illLib{ILS: w.ils, lib: w.lib}
	return w, dbl
}

// illService starts a process ("n1") on a new illWorld.
func illService(t testing.TB, e engine, mode illMode, tweak ...func(*gateway.Config)) (*world, *illLib, *gateway.Service) {
	t.Helper()
	w, dbl := illWorld(t, e, mode, tweak...)
	svc, _ := w.start("n1")
	return w, dbl, svc
}

// illAccept is an AcceptItem for pickup at the test bank.
func illAccept(req, item, patron string) gateway.ILLAccept {
	return gateway.ILLAccept{RequestID: req, Partner: "ILLPARTNER", PickupLocation: sip2mem.DemoBranch, Patron: patron,
		PatronName: "Ada Lovelace", Item: item, Title: "Borrowed " + item, Actor: "ncip:ILLPARTNER"}
}

// accept accepts an ILL item and fails the test unless it is created.
func accept(t testing.TB, svc *gateway.Service, a gateway.ILLAccept) *gateway.ILLRequest {
	t.Helper()
	r, created, err := svc.AcceptILL(ctx(t), a)
	if err != nil {
		t.Fatalf("AcceptILL %s: %v", a.RequestID, err)
	}
	if !created || r.ID != a.RequestID || r.State != gateway.ILLAwaited {
		t.Fatalf("AcceptILL %s: created %v, %+v", a.RequestID, created, r)
	}
	return r
}

// illState reads a request's state.
func illState(t testing.TB, svc *gateway.Service, id string) gateway.ILLRequest {
	t.Helper()
	r, err := svc.ILLRequest(context.Background(), id)
	must(t, err)
	return *r
}

// wantILL fails unless the request is in state.
func wantILL(t testing.TB, svc *gateway.Service, id string, state gateway.ILLState) gateway.ILLRequest {
	t.Helper()
	r := illState(t, svc, id)
	if r.State != state {
		t.Fatalf("ILL request %s is %s, want %s", id, r.State, state)
	}
	return r
}

// wantReservation fails unless the reservation is in state.
func wantReservation(t testing.TB, svc *gateway.Service, id string, state gateway.ReservationState) gateway.Reservation {
	t.Helper()
	r, err := svc.Reservation(context.Background(), id)
	must(t, err)
	if r.State != state {
		t.Fatalf("reservation %s is %s, want %s (items %+v)", id, r.State, state, r.Items)
	}
	return *r
}

// opsOf lists the ops of an item's outbox entries, in order, with their
// states ("ill_accept:done").
func opsOf(t testing.TB, svc *gateway.Service, item string) []string {
	t.Helper()
	var out []string
	for _, e := range outboxOf(t, svc, item) {
		out = append(out, e.Op+":"+string(e.State))
	}
	return out
}

// drainEvents reads what is buffered on a subscription.
func drainEvents(ch <-chan gateway.Event) []gateway.Event {
	var out []gateway.Event
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

// eventTypes counts events by type.
func eventTypes(evs []gateway.Event) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Type]++
	}
	return m
}

// secondBank adds a bank LOCKER2 at location MAIN2 (its own simulated
// driver) to the site.
func secondBank(t testing.TB) func(*gateway.Config) {
	d, err := lockers.Open(context.Background(), "sim:?compartments=4&sizes=S:2,M:2")
	if err != nil {
		t.Fatalf("open a second simulated bank: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return func(c *gateway.Config) {
		c.Sites[0].Banks = append(c.Sites[0].Banks, gateway.BankConfig{ID: "LOCKER2", Name: "Annex lockers", Location: "MAIN2", Driver: d})
	}
}

// callsString is a log's calls for messages.
func callsString(calls []string) string { return fmt.Sprintf("[%s]", strings.Join(calls, " ")) }

// later advances the world's clock and returns the new time.
func (w *world) later(d time.Duration) time.Time {
	w.clock.Advance(d)
	return w.clock.Now()
}

// lendILL loads an accepted ILL item, lets its patron collect it with the
// code of their first ready notification, and closes the door: the loan
// is on. It returns the load.
func (w *world) lendILL(svc *gateway.Service, item, patron string) *gateway.LoadResult {
	w.t.Helper()
	lr := w.load(svc, item)
	must(w.t, svc.Flush(ctx(w.t)))
	_, err := svc.Pickup(ctx(w.t), gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(w.t, patron)})
	must(w.t, err)
	w.closeDoor(svc, lr.Compartment, gateway.CompFree)
	return lr
}
