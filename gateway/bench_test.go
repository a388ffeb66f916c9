package gateway_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// BenchmarkPickupCycle measures one whole hold pickup through the Service:
// load (ILS checkin over SIP2, assignment, door), door closed (ready, code,
// notification), pickup by code (checkout confirmed inline over SIP2), door
// closed (free). On SQLite, and PostgreSQL when LOCKERGATE_TEST_POSTGRES is
// set. Run it with -benchtime=200x.
func BenchmarkPickupCycle(b *testing.B) {
	engines := map[string]func(testing.TB) engine{"sqlite": sqliteEngine}
	if dsn := os.Getenv(pgEnv); dsn != "" {
		engines["postgres"] = func(t testing.TB) engine { return postgresEngine(t, dsn) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		mk, ok := engines[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b, mk(b))
			items := make([]string, b.N)
			for i := range items {
				items[i] = fmt.Sprintf("B%06d", i)
				patron := fmt.Sprintf("BP%06d", i)
				w.lib.AddPatron(sip2mem.Patron{ID: patron, Name: "Bench", PIN: "1111"})
				w.lib.AddItem(sip2mem.Item{ID: items[i], Title: "Bench " + items[i], MediaType: "001", PermanentLocation: sip2mem.DemoBranch})
				w.holdFor(items[i], patron)
			}
			svc, _ := w.start("bench")
			c := context.Background()
			var inPickup, inLoad time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: items[i]})
				inLoad += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				w.closeDoor(svc, res.Compartment, gateway.CompOccupied)
				must(b, svc.Flush(c))
				code := ""
				for _, n := range w.notes.All() {
					if n.Kind == gateway.NotifyReady && n.Patron.ID == res.Patron {
						code = n.Code
					}
				}
				t0 = time.Now()
				pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
				inPickup += time.Since(t0)
				if err != nil || pr.Items[0].Checkout != "done" {
					b.Fatalf("pickup: %v %+v", err, pr)
				}
				w.closeDoor(svc, res.Compartment, gateway.CompFree)
			}
			// The cycle includes the test's polling for door transitions;
			// these two are what a person waits for.
			b.ReportMetric(float64(inLoad.Microseconds())/float64(b.N)/1000, "load-ms")
			b.ReportMetric(float64(inPickup.Microseconds())/float64(b.N)/1000, "pickup-ms")
		})
	}
}

// BenchmarkILLCycle measures one interlibrary loan through the Service, as
// the NCIP front door and a bank scan drive it: AcceptILL (reservation,
// request and audit in one transaction), Load of the parcel at the bank
// (recognised, no ILS checkin, assignment, door), door closed (ready, code,
// notification), pickup by code, door closed (free). The ILS takes no ILL
// items here (recorded only), so the figures are the gateway's own work.
// On SQLite, and PostgreSQL when LOCKERGATE_TEST_POSTGRES is set. Run it
// with -benchtime=200x.
func BenchmarkILLCycle(b *testing.B) {
	engines := map[string]func(testing.TB) engine{"sqlite": sqliteEngine}
	if dsn := os.Getenv(pgEnv); dsn != "" {
		engines["postgres"] = func(t testing.TB) engine { return postgresEngine(t, dsn) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		mk, ok := engines[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b, mk(b))
			svc, _ := w.start("bench")
			c := context.Background()
			var inAccept, inLoad, inPickup time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := gateway.ILLAccept{RequestID: fmt.Sprintf("ILL-B%06d", i), Partner: "BENCH", PickupLocation: bankID,
					Patron: fmt.Sprintf("BP%06d", i), Item: fmt.Sprintf("ILLB%06d", i), Title: "Bench parcel"}
				t0 := time.Now()
				_, created, err := svc.AcceptILL(c, req)
				inAccept += time.Since(t0)
				if err != nil || !created {
					b.Fatalf("accept: created %v, %v", created, err)
				}
				t0 = time.Now()
				res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: req.Item})
				inLoad += time.Since(t0)
				if err != nil || res.ILLRequest != req.RequestID {
					b.Fatalf("load: %+v, %v", res, err)
				}
				w.closeDoor(svc, res.Compartment, gateway.CompOccupied)
				must(b, svc.Flush(c))
				code := ""
				for _, n := range w.notes.All() {
					if n.Kind == gateway.NotifyReady && n.Patron.ID == req.Patron {
						code = n.Code
					}
				}
				t0 = time.Now()
				pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
				inPickup += time.Since(t0)
				if err != nil || len(pr.Items) != 1 || pr.Items[0].Item != req.Item {
					b.Fatalf("pickup: %v %+v", err, pr)
				}
				w.closeDoor(svc, res.Compartment, gateway.CompFree)
			}
			b.ReportMetric(float64(inAccept.Microseconds())/float64(b.N)/1000, "accept-ms")
			b.ReportMetric(float64(inLoad.Microseconds())/float64(b.N)/1000, "load-ms")
			b.ReportMetric(float64(inPickup.Microseconds())/float64(b.N)/1000, "pickup-ms")
		})
	}
}
