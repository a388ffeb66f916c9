package sip2mem

import (
	"fmt"
	"time"
)

// Demo account, institution and branch names used by NewDemo. The second
// account is "locker2" / "locker2-secret" at DemoOtherBranch.
const (
	DemoInstitution = "DEMO"
	DemoUser        = "locker1"
	DemoPassword    = "locker1-secret"
	DemoBranch      = "MAIN"
	DemoOtherBranch = "EAST"
)

// NewDemo returns a small library for demos and tests: 12 patrons (three
// blocked in different ways, one without a PIN), 40 items at two branches,
// some loans, and holds, two of them already waiting on the hold shelf.
// The data is fixed, so tests can rely on it; the package documentation
// ("The demo library") lists all of it, and TestDemoAsDocumented keeps
// that list true.
func NewDemo() *Library {
	l := New()
	l.InstitutionID = DemoInstitution
	l.OverdueFinePerDay = 25
	names := []string{
		"Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson",
		"Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Frances Allen",
		"John Backus", "Margaret Hamilton", "Ken Thompson", "Radia Perlman",
	}
	for i, name := range names {
		p := Patron{
			ID:    fmt.Sprintf("P%04d", i+1),
			Name:  name,
			PIN:   "1234",
			Email: fmt.Sprintf("patron%d@example.org", i+1),
		}
		if (i+1)%2 == 0 {
			p.PIN = "4321"
		}
		switch i + 1 {
		case 3:
			p.Flags = ChargeDenied
			p.BlockReason = "Borrowing suspended, please contact the library"
		case 6:
			p.Flags = CardLost | ChargeDenied
		case 10:
			p.PIN = ""
		}
		l.AddPatron(p)
	}
	titles := []string{
		"The Art of Computer Programming", "Structure and Interpretation of Computer Programs",
		"The Go Programming Language", "Designing Data-Intensive Applications",
		"The Mythical Man-Month", "Godel, Escher, Bach", "Hackers", "The Soul of a New Machine",
		"Code", "The Pragmatic Programmer",
	}
	for i := 1; i <= 40; i++ {
		it := Item{
			ID:                fmt.Sprintf("I%04d", i),
			Title:             titles[(i-1)%len(titles)],
			PermanentLocation: DemoBranch,
			Owner:             DemoInstitution,
			CallNumber:        fmt.Sprintf("005.%03d", i),
		}
		if i > 30 && i < 39 {
			it.PermanentLocation = DemoOtherBranch
		}
		if i%5 == 0 {
			it.MediaType = "006"
		}
		l.AddItem(it)
	}
	now := time.Now()
	must(l.AddLoan(Loan{PatronID: "P0002", ItemID: "I0005"}))
	must(l.AddLoan(Loan{PatronID: "P0002", ItemID: "I0006"}))
	must(l.AddLoan(Loan{PatronID: "P0004", ItemID: "I0007", Out: now.AddDate(0, 0, -20), Due: now.AddDate(0, 0, -6)}))
	l.AddFee(Fee{PatronID: "P0009", Type: "04", Amount: 1250})

	for _, h := range []Hold{
		{PatronID: "P0001", ItemID: "I0010", PickupLocation: DemoBranch},
		{PatronID: "P0002", ItemID: "I0011", PickupLocation: DemoBranch},
		{PatronID: "P0004", TitleID: "I0005", PickupLocation: DemoBranch},
		{PatronID: "P0005", ItemID: "I0031", PickupLocation: DemoBranch},
		{PatronID: "P0007", ItemID: "I0012", PickupLocation: DemoBranch},
	} {
		_, _, err := l.PlaceHold(h)
		must(err)
	}
	// Trap the first two as a checkin at MAIN would.
	for _, id := range []string{"I0010", "I0011"} {
		l.mu.Lock()
		it := l.items[id]
		h := l.nextHoldFor(it)
		h.Trapped, h.Ready = true, true
		h.ShelfExpires = now.AddDate(0, 0, l.shelfDays())
		it.Status = StatusOnHoldShelf
		l.mu.Unlock()
	}
	l.AddAccount(Account{User: DemoUser, Password: DemoPassword, Institution: DemoInstitution, Location: DemoBranch})
	l.AddAccount(Account{User: "locker2", Password: "locker2-secret", Institution: DemoInstitution, Location: DemoOtherBranch})
	return l
}

func must(err error) {
	if err != nil {
		panic("sip2mem: demo data: " + err.Error())
	}
}
