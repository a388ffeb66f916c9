package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// BenchmarkPickup times a patron's pickup through the whole program: POST
// /pickups with the code (the code checked, the reservation collected,
// the checkout recorded and confirmed by the library over SIP2, the door
// opened) and the door closing after it. Setup, outside the timer, loads
// b.N reservations for b.N patrons into a bank of b.N compartments. Run it
// briefly:
//
//	go test -run '^$' -bench BenchmarkPickup -benchtime=50x ./cmd/lockergate
//
// (PostgreSQL too when LOCKERGATE_TEST_POSTGRES is set.)
func BenchmarkPickup(b *testing.B) {
	for _, name := range e2eStores() {
		b.Run(name, func(b *testing.B) { benchPickup(b, name) })
	}
}

func benchPickup(b *testing.B, storeName string) {
	n := b.N
	patron := func(i int) string { return fmt.Sprintf("B%05d", i) }
	item := func(i int) string { return fmt.Sprintf("BI%05d", i) }
	w := newWorld(b, newE2EStore(b, storeName), e2eOptions{
		logLevel: "info",
		seed: func(lib *sip2mem.Library) {
			for i := range n {
				lib.AddPatron(sip2mem.Patron{ID: patron(i), Name: "Bench patron", PIN: e2ePIN(patron(i))})
				lib.AddItem(sip2mem.Item{ID: item(i), Title: "Bench item", PermanentLocation: sip2mem.DemoBranch, Owner: sip2mem.DemoInstitution})
				e2eHold(lib, patron(i), item(i))
			}
		},
		bank: func(bk *config.Bank) {
			bk.Driver = fmt.Sprintf("sim:?compartments=%d&sizes=S:%d&name=%s", n, n, e2eBank)
			bk.Returns, bk.Equipment = nil, nil
		},
	})
	g := w.start("bench")
	loads := make([]apiLoadResult, n)
	for i := range n {
		loads[i] = g.load(b, item(i), "")
		g.closeDoor(b, loads[i].Compartment)
	}
	codes := make([]string, n)
	for i := range n {
		codes[i] = w.code(b, item(i))
	}

	b.ResetTimer()
	for i := range n {
		p := g.pickupByCode(b, codes[i])
		if !slices.Equal(p.Compartments, []string{loads[i].Compartment}) || len(p.Items) != 1 || p.Items[0].Checkout != "done" {
			b.Fatalf("pickup %d = %+v", i, p)
		}
		g.closeDoor(b, loads[i].Compartment)
	}
	b.StopTimer()

	// Every pickup counted: loans recorded once, compartments free again.
	if got := len(w.lib.Loans()); got < n {
		b.Fatalf("the library has %d loans, want at least %d", got, n)
	}
	for i := range n {
		if c := w.lib.Counts(item(i)); c.Checkouts != 1 {
			b.Fatalf("library checkouts of %s = %d, want 1", item(i), c.Checkouts)
		}
	}
	e2eEventually(b, w.log, "every compartment free", func() (bool, string) {
		bs := g.bankState(b)
		return bs.Counts["free"] == n, fmt.Sprint(bs.Counts)
	})
}
