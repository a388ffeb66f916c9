package gateway_test

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/sqlstore"
)

// pauseStore runs pause inside a read-write transaction, once, right after
// the transaction has read the active reservation of item: the moment
// another process's change must not slip in between that read and the
// writes that follow it.
type pauseStore struct {
	gateway.Store
	item  string
	armed atomic.Bool
	pause func()
}

func (p *pauseStore) Tx(ctx context.Context, fn func(gateway.Tx) error) error {
	return p.Store.Tx(ctx, func(tx gateway.Tx) error { return fn(pauseTx{tx, p}) })
}

type pauseTx struct {
	gateway.Tx
	p *pauseStore
}

func (t pauseTx) ActiveReservationForItem(item string) (*gateway.Reservation, error) {
	r, err := t.Tx.ActiveReservationForItem(item)
	if item == t.p.item && t.p.armed.CompareAndSwap(true, false) {
		t.p.pause()
	}
	return r, err
}

// TestILLDeskScanRacesBankScan: on PostgreSQL two gateway processes take
// the same ILL item at once: a desk scan (ArriveILL) on one, the scan at
// the bank (Load) on the other. The load takes the request's lock before
// it reads the item's reservation, so the desk scan waits for it and then
// answers the compartment the load opened; the load does not fail on a
// reservation changed under it (it did: ECONFLICT, scan again), and no
// compartment stays reserved for an item that is in another one. (SQLite
// runs one writer at a time: nothing can interleave.)
func TestILLDeskScanRacesBankScan(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		if e.driver != sqlstore.Postgres {
			t.Skip("SQLite runs one writing transaction at a time")
		}
		w, _ := illWorld(t, e, illForward)
		// The desk's process, its sessions named so that the test sees
		// them wait for a lock.
		app := fmt.Sprintf("lockergate-desk-%d", time.Now().UnixNano())
		u, err := url.Parse(e.dsn)
		must(t, err)
		q := u.Query()
		q.Set("application_name", app)
		u.RawQuery = q.Encode()
		orig := w.eng
		w.eng.dsn = u.String()
		desk, _ := w.start("desk")
		w.eng = orig
		mon, err := sqlx.Open(sqlstore.Postgres, e.dsn)
		must(t, err)
		t.Cleanup(func() { mon.Close() })

		c := ctx(t)
		ill := accept(t, desk, illAccept("REQ-RACE", "ILL-RACE", "P0001"))
		type arrival struct {
			res *gateway.ArrivalResult
			err error
		}
		arrived := make(chan arrival, 1)
		ps := &pauseStore{item: "ILL-RACE"}
		ps.pause = func() {
			go func() {
				res, err := desk.ArriveILL(context.Background(), gateway.ArrivalRequest{Item: "ILL-RACE", Size: "M", Actor: "staff:desk"})
				arrived <- arrival{res, err}
			}()
			// Until the desk scan is done, or waits for a lock this
			// transaction holds.
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if len(arrived) > 0 {
					return
				}
				var waiting int
				if err := mon.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app); err != nil {
					t.Errorf("watching the desk's sessions: %v", err)
					return
				}
				if waiting > 0 {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Errorf("the desk scan neither finished nor waited for a lock in 10s")
		}
		bank, _ := w.startWith("bank", func(c *gateway.Config) { ps.Store = c.Store; c.Store = ps })
		ps.armed.Store(true)

		lr, err := bank.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-RACE", Actor: "staff:bank"})
		if err != nil {
			t.Fatalf("the load racing the desk scan: %v", err)
		}
		if ps.armed.Load() {
			t.Fatal("the load's transaction never read the item's reservation")
		}
		var a arrival
		select {
		case a = <-arrived:
		case <-c.Done():
			t.Fatal("the desk scan did not finish")
		}
		must(t, a.err)
		if a.res.Compartment != lr.Compartment || !a.res.Repeated {
			t.Fatalf("the desk scan answered %+v; the load opened %s", a.res, lr.Compartment)
		}
		w.closeDoor(bank, lr.Compartment, gateway.CompOccupied)
		r := wantReservation(t, bank, ill.Reservation, gateway.ResReady)
		if len(r.Items) != 1 || r.Items[0].Compartment != lr.Compartment || r.Items[0].State != gateway.ItemLoaded {
			t.Fatalf("reservation items %+v", r.Items)
		}
		banks, err := bank.Banks(c)
		must(t, err)
		for _, cp := range banks[0].Compartments {
			if cp.State == gateway.CompReserved {
				t.Errorf("compartment %s left reserved for %s", cp.ID, cp.Holder)
			}
		}
	})
}
