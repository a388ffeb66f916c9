package gateway_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestTwoProcessesLoadConcurrently: two gateway processes on one database
// load more items than there are compartments, all at once. Every free
// compartment is assigned exactly once, the rest get ENOSPACE, and no
// compartment holds two reservations.
func TestTwoProcessesLoadConcurrently(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		const loads = 22 // 19 pickup compartments
		for i := 1; i <= loads; i++ {
			item, patron := fmt.Sprintf("X%03d", i), fmt.Sprintf("Q%03d", i)
			w.lib.AddPatron(sip2mem.Patron{ID: patron, Name: "Patron " + patron, PIN: "1111"})
			w.lib.AddItem(sip2mem.Item{ID: item, Title: "Title " + item, MediaType: "001", PermanentLocation: sip2mem.DemoBranch})
			w.holdFor(item, patron)
		}
		a, _ := w.start("node-a")
		b, _ := w.start("node-b")
		type outcome struct {
			res *gateway.LoadResult
			err error
		}
		out := make([]outcome, loads)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range loads {
			svc := a
			if i%2 == 1 {
				svc = b
			}
			wg.Go(func() {
				<-start
				res, err := svc.Load(ctx(t), gateway.LoadRequest{Bank: bankID, Item: fmt.Sprintf("X%03d", i+1)})
				out[i] = outcome{res, err}
			})
		}
		close(start)
		wg.Wait()
		byComp := map[lockers.CompartmentID]string{}
		full := 0
		for i, o := range out {
			switch {
			case o.err == nil:
				if other, dup := byComp[o.res.Compartment]; dup {
					t.Fatalf("compartment %s assigned to %s and %s", o.res.Compartment, other, o.res.Reservation)
				}
				byComp[o.res.Compartment] = o.res.Reservation
			case gateway.ErrorCode(o.err) == gateway.ENOSPACE:
				full++
			default:
				t.Fatalf("load %d: %v", i+1, o.err)
			}
		}
		if len(byComp) != 19 || full != loads-19 {
			t.Fatalf("%d loads placed, %d refused for space; want 19 and %d", len(byComp), full, loads-19)
		}
		for id, res := range byComp {
			if got := compartment(t, b, id); got.Holder != res || got.State != gateway.CompLoading {
				t.Fatalf("compartment %s: %+v, want loading for %s", id, got, res)
			}
		}
		// Either process sees the doors close and makes them ready.
		for id := range byComp {
			w.closeDoor(a, id, gateway.CompOccupied)
		}
		must(t, a.Flush(ctx(t)))
		must(t, b.Flush(ctx(t)))
		if n := len(w.notes.All()); n != 19 {
			t.Fatalf("%d ready notifications, want 19 (one per reservation, whichever process sent it)", n)
		}
	})
}
