package sip2mem

import (
	"fmt"
	"testing"
	"time"
)

// TestDemoAsDocumented checks the demo data listed in the package
// documentation, so that the list people read instead of the code stays
// true. Behaviour (refusals, routing, fines) is covered by the other
// tests; this pins the data.
func TestDemoAsDocumented(t *testing.T) {
	l := NewDemo()
	now := time.Now()

	for user, want := range map[string][2]string{
		"locker1": {"locker1-secret", "MAIN"},
		"locker2": {"locker2-secret", "EAST"},
	} {
		a, ok := l.account(user, want[0])
		if !ok || a.Location != want[1] || a.Institution != "DEMO" {
			t.Errorf("account %s: %+v, %v; want location %s, institution DEMO", user, a, ok, want[1])
		}
	}
	if DemoUser != "locker1" || DemoPassword != "locker1-secret" || DemoInstitution != "DEMO" || DemoBranch != "MAIN" || DemoOtherBranch != "EAST" {
		t.Error("demo constants differ from the documentation")
	}

	names := []string{"Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson",
		"Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Frances Allen",
		"John Backus", "Margaret Hamilton", "Ken Thompson", "Radia Perlman"}
	flags := map[string]PatronFlags{"P0003": ChargeDenied, "P0006": CardLost | ChargeDenied}
	for i, name := range names {
		id := fmt.Sprintf("P%04d", i+1)
		p, ok := l.Patron(id)
		if !ok || p.Name != name || p.Flags != flags[id] {
			t.Errorf("%s: %+v, want %s with flags %v", id, p, name, flags[id])
		}
		pin := "1234"
		if (i+1)%2 == 0 {
			pin = "4321"
		}
		switch {
		case id == "P0010":
			if l.CheckPIN(id, "1234") || l.CheckPIN(id, "4321") || l.CheckPIN(id, "") {
				t.Errorf("%s accepts a PIN; documented as having none", id)
			}
		case !l.CheckPIN(id, pin):
			t.Errorf("%s: PIN %s refused", id, pin)
		}
	}
	if _, ok := l.Patron("P0013"); ok {
		t.Error("a 13th patron exists")
	}

	fees := l.Fees()
	if len(fees) != 1 || fees[0].PatronID != "P0009" || fees[0].Amount != 1250 || fees[0].Type != "04" {
		t.Errorf("fees %+v, want one overdue fee of 12.50 for P0009", fees)
	}
	if p, _ := l.Patron("P0009"); feeLimit(&p) != 1000 {
		t.Errorf("P0009 fee limit %d, want 1000", feeLimit(&p))
	}

	loans := map[string]Loan{}
	for _, ln := range l.Loans() {
		loans[ln.ItemID] = ln
	}
	wantLoans := map[string]string{"I0005": "P0002", "I0006": "P0002", "I0007": "P0004"}
	if len(loans) != len(wantLoans) {
		t.Errorf("%d loans, want %d", len(loans), len(wantLoans))
	}
	for item, patron := range wantLoans {
		ln, ok := loans[item]
		if !ok || ln.PatronID != patron {
			t.Errorf("loan of %s: %+v, want to %s", item, ln, patron)
			continue
		}
		overdue := now.After(ln.Due)
		if overdue != (item == "I0007") {
			t.Errorf("loan of %s due %v: overdue %v", item, ln.Due, overdue)
		}
	}
	if d := now.Sub(loans["I0007"].Due); d < 6*24*time.Hour || d > 6*24*time.Hour+time.Minute {
		t.Errorf("I0007 overdue by %v, want 6 days", d)
	}

	type holdDoc struct {
		item, title, pickup string
		ready               bool
	}
	wantHolds := map[string]holdDoc{
		"P0001": {"I0010", "I0010", "MAIN", true},
		"P0002": {"I0011", "I0011", "MAIN", true},
		"P0004": {"", "I0005", "MAIN", false},
		"P0005": {"I0031", "I0031", "MAIN", false},
		"P0007": {"I0012", "I0012", "MAIN", false},
	}
	holds := l.Holds()
	if len(holds) != len(wantHolds) {
		t.Errorf("%d holds, want %d", len(holds), len(wantHolds))
	}
	for _, h := range holds {
		w, ok := wantHolds[h.PatronID]
		if !ok || h.ItemID != w.item || h.TitleID != w.title || h.PickupLocation != w.pickup || h.Ready != w.ready || h.Trapped != w.ready {
			t.Errorf("hold %+v, want %+v", h, w)
		}
		if w.ready && h.ShelfExpires.Sub(now) < 6*24*time.Hour {
			t.Errorf("hold %+v: under 7 days left on the shelf", h)
		}
	}

	status := map[string]string{"I0005": StatusCharged, "I0006": StatusCharged, "I0007": StatusCharged,
		"I0010": StatusOnHoldShelf, "I0011": StatusOnHoldShelf}
	for i := 1; i <= 40; i++ {
		id := fmt.Sprintf("I%04d", i)
		it, ok := l.Item(id)
		branch, media := "MAIN", "001"
		if i > 30 && i < 39 {
			branch = "EAST"
		}
		if i%5 == 0 {
			media = "006"
		}
		want := status[id]
		if want == "" {
			want = StatusAvailable
		}
		if !ok || it.PermanentLocation != branch || it.MediaType != media || it.TitleID != id || it.Status != want {
			t.Errorf("%s: %+v; want at %s, media %q, title ID %s, status %s", id, it, branch, media, id, want)
		}
	}
	if _, ok := l.Item("I0041"); ok {
		t.Error("a 41st item exists")
	}

	if l.loanPeriod() != 14*24*time.Hour || l.maxRenewals() != 3 || l.shelfDays() != 7 || l.OverdueFinePerDay != 25 {
		t.Errorf("rules: loan %v, renewals %d, shelf %d days, fine %d/day; want 14 days, 3, 7, 25",
			l.loanPeriod(), l.maxRenewals(), l.shelfDays(), l.OverdueFinePerDay)
	}
	if p, _ := l.Patron("P0001"); chargeLimit(&p) != 20 {
		t.Errorf("charge limit %d, want 20", chargeLimit(&p))
	}
}
