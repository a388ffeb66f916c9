package sip2mem

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func refusalText(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Msg
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func TestCheckoutRules(t *testing.T) {
	tests := []struct {
		name, patron, item, pin string
		renewOK                 bool
		wantRefusal             string // "" = success
		wantRenewal             bool
	}{
		{"ok", "P0001", "I0001", "1234", false, "", false},
		{"ok without PIN", "P0001", "I0002", "", false, "", false},
		{"wrong PIN", "P0001", "I0001", "9999", false, "Invalid PIN", false},
		{"unknown patron", "NOBODY", "I0001", "", false, "Unknown patron", false},
		{"unknown item", "P0001", "NOPE", "", false, "Unknown item", false},
		{"blocked patron", "P0003", "I0001", "1234", false, "Borrowing suspended, please contact the library", false},
		{"card lost", "P0006", "I0001", "4321", false, "Card reported lost, please see staff", false},
		{"fines over limit", "P0009", "I0001", "1234", false, "Outstanding fees too high, please see staff", false},
		{"on loan to another", "P0001", "I0005", "", false, "Item is checked out to another patron", false},
		{"already mine, no renewal", "P0002", "I0005", "", false, "Item is already checked out to you", false},
		{"already mine, renewal allowed", "P0002", "I0006", "", true, "", true},
		{"trapped for another", "P0001", "I0011", "", false, "Item is on hold for another patron", false},
		{"trapped for me", "P0001", "I0010", "1234", false, "", false},
		{"patron without PIN refuses any PIN", "P0010", "I0001", "0000", false, "Invalid PIN", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewDemo()
			res, err := l.Checkout(tt.patron, tt.item, tt.pin, tt.renewOK)
			if got := refusalText(err); got != tt.wantRefusal {
				t.Fatalf("Checkout(%s, %s) refusal = %q, want %q", tt.patron, tt.item, got, tt.wantRefusal)
			}
			if err != nil {
				return
			}
			if res.Renewal != tt.wantRenewal {
				t.Errorf("Renewal = %v, want %v", res.Renewal, tt.wantRenewal)
			}
			it, _ := l.Item(tt.item)
			if it.Status != StatusCharged {
				t.Errorf("item status = %s, want %s", it.Status, StatusCharged)
			}
			c := l.Counts(tt.item)
			if tt.wantRenewal && (c.Checkouts != 0 || c.Renewals != 1) {
				t.Errorf("counts = %+v, want one renewal", c)
			}
			if !tt.wantRenewal && c.Checkouts != 1 {
				t.Errorf("counts = %+v, want one checkout", c)
			}
		})
	}
}

func TestCheckoutTrappedHoldIsFilled(t *testing.T) {
	l := NewDemo()
	if _, err := l.Checkout("P0001", "I0010", "1234", false); err != nil {
		t.Fatal(err)
	}
	for _, h := range l.Holds() {
		if h.PatronID == "P0001" {
			t.Errorf("hold %+v still there after the patron picked the item up", h)
		}
	}
}

func TestCheckinRouting(t *testing.T) {
	tests := []struct {
		name, item, location string
		wantAlert            bool
		wantType, wantRoute  string
		wantHoldPatron       string
		wantStatus           string
	}{
		{"plain return", "I0002", DemoBranch, false, "", "", "", StatusAvailable},
		{"hold here", "I0012", DemoBranch, true, AlertHoldHere, DemoBranch, "Donald Knuth", StatusOnHoldShelf},
		{"hold elsewhere", "I0031", DemoOtherBranch, true, AlertHoldTransit, DemoBranch, "Edsger Dijkstra", StatusInTransit},
		{"not home", "I0032", DemoBranch, true, AlertTransit, DemoOtherBranch, "", StatusInTransit},
		{"title hold trapped by loaned copy", "I0005", DemoBranch, true, AlertHoldHere, DemoBranch, "Katherine Johnson", StatusOnHoldShelf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewDemo()
			res, err := l.Checkin(tt.item, tt.location)
			if err != nil {
				t.Fatal(err)
			}
			if res.Alert != tt.wantAlert || res.AlertType != tt.wantType || res.Route != tt.wantRoute || res.HoldPatron != tt.wantHoldPatron {
				t.Errorf("Checkin = alert %v type %q route %q hold patron %q; want %v %q %q %q",
					res.Alert, res.AlertType, res.Route, res.HoldPatron, tt.wantAlert, tt.wantType, tt.wantRoute, tt.wantHoldPatron)
			}
			if res.Item.Status != tt.wantStatus {
				t.Errorf("status = %s, want %s", res.Item.Status, tt.wantStatus)
			}
			if got := l.Counts(tt.item).Checkins; got != 1 {
				t.Errorf("checkins = %d, want 1", got)
			}
		})
	}
}

func TestCheckinEndsLoanAndFinesOverdue(t *testing.T) {
	l := NewDemo()
	res, err := l.Checkin("I0007", DemoBranch)
	if err != nil {
		t.Fatal(err)
	}
	if !res.WasOnLoan || res.PatronID != "P0004" {
		t.Errorf("WasOnLoan %v PatronID %q, want true P0004", res.WasOnLoan, res.PatronID)
	}
	if res.Fine != 7*25 {
		t.Errorf("fine = %d cents, want %d (7 days at 25)", res.Fine, 7*25)
	}
	for _, ln := range l.Loans() {
		if ln.ItemID == "I0007" {
			t.Error("loan still present after checkin")
		}
	}
}

func TestUnknownItemCheckin(t *testing.T) {
	l := NewDemo()
	if _, err := l.Checkin("NOPE", DemoBranch); !errors.Is(err, ErrUnknownItem) {
		t.Errorf("err = %v, want ErrUnknownItem", err)
	}
}

func TestRenewRules(t *testing.T) {
	l := NewDemo()
	l.MaxRenewals = 2
	for i := 0; i < 2; i++ {
		if _, err := l.Renew("P0002", "I0006", ""); err != nil {
			t.Fatalf("renewal %d: %v", i+1, err)
		}
	}
	if _, err := l.Renew("P0002", "I0006", ""); refusalText(err) != "Renewal limit reached" {
		t.Errorf("third renewal: %v, want limit refusal", err)
	}
	// I0005 has a title hold by P0004 queued: no renewal.
	if _, err := l.Renew("P0002", "I0005", ""); refusalText(err) != "Item is on hold for another patron" {
		t.Errorf("renewal of held item: %v", err)
	}
	if _, err := l.Renew("P0001", "I0006", ""); refusalText(err) != "Item is not checked out to you" {
		t.Errorf("renewal by other patron: %v", err)
	}
	ren, unren, err := l.RenewAll("P0002", "4321")
	if err != nil || len(ren) != 0 || len(unren) != 2 {
		t.Errorf("RenewAll = %v %v %v, want nothing renewed, 2 unrenewed", ren, unren, err)
	}
}

func TestHolds(t *testing.T) {
	l := NewDemo()
	h, pos, err := l.PlaceHold(Hold{PatronID: "P0008", ItemID: "I0010", PickupLocation: DemoOtherBranch})
	if err != nil {
		t.Fatal(err)
	}
	if pos != 2 {
		t.Errorf("queue position = %d, want 2 (behind P0001)", pos)
	}
	if _, _, err := l.PlaceHold(Hold{PatronID: "P0008", ItemID: "I0010"}); refusalText(err) != "Hold already placed" {
		t.Errorf("duplicate hold: %v", err)
	}
	if _, _, err := l.PlaceHold(Hold{PatronID: "P0003", ItemID: "I0001"}); err != nil {
		t.Errorf("charge-blocked patron may still place holds: %v", err)
	}
	if _, _, err := l.PlaceHold(Hold{PatronID: "P0006", ItemID: "I0001"}); err == nil {
		t.Error("lost-card patron placed a hold")
	}
	if _, _, err := l.ChangeHold("P0008", "I0010", "", DemoBranch, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := l.CancelHold("P0008", "I0010", ""); err != nil {
		t.Fatal(err)
	}
	for _, o := range l.Holds() {
		if o.ID == h.ID {
			t.Error("cancelled hold still present")
		}
	}
	if err := l.CancelHold("P0008", "I0010", ""); err == nil {
		t.Error("second cancel succeeded")
	}
}

func TestFeesAndBlocks(t *testing.T) {
	l := NewDemo()
	if _, err := l.PayFee("P0009", "", 2000); refusalText(err) != "Payment exceeds amount owed" {
		t.Errorf("overpayment: %v", err)
	}
	left, err := l.PayFee("P0009", "", 500)
	if err != nil || left != 750 {
		t.Fatalf("PayFee = %d, %v; want 750 left", left, err)
	}
	if _, err := l.Checkout("P0009", "I0001", "", false); err != nil {
		t.Errorf("checkout after paying below the limit: %v", err)
	}
	if err := l.Block("P0001", "Card retained", true); err != nil {
		t.Fatal(err)
	}
	s, _ := l.Summary("P0001")
	if s.Flags&(ChargeDenied|CardLost) != ChargeDenied|CardLost {
		t.Errorf("flags after Block = %b", s.Flags)
	}
	if err := l.Enable("P0001"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Checkout("P0001", "I0002", "", false); err != nil {
		t.Errorf("checkout after Enable: %v", err)
	}
}

func TestSummary(t *testing.T) {
	l := NewDemo()
	s, err := l.Summary("P0004")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Loans) != 1 || len(s.Overdue) != 1 || len(s.HoldsQueued) != 1 || len(s.HoldsReady) != 0 {
		t.Errorf("P0004 summary = %d loans, %d overdue, %d queued, %d ready; want 1 1 1 0",
			len(s.Loans), len(s.Overdue), len(s.HoldsQueued), len(s.HoldsReady))
	}
	s, _ = l.Summary("P0001")
	if len(s.HoldsReady) != 1 || s.HoldsReady[0] != "I0010" {
		t.Errorf("P0001 ready holds = %v, want [I0010]", s.HoldsReady)
	}
}

func TestConcurrentCheckoutsOfOneItem(t *testing.T) {
	l := NewDemo()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			if _, err := l.Checkout(p, "I0020", "", false); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}(fmt.Sprintf("P%04d", []int{1, 2, 4, 5, 7, 8, 11, 12}[i-1]))
	}
	wg.Wait()
	if wins != 1 || l.Counts("I0020").Checkouts != 1 {
		t.Errorf("%d checkouts succeeded (count %d), want exactly 1", wins, l.Counts("I0020").Checkouts)
	}
}

func TestSetDown(t *testing.T) {
	l := NewDemo()
	l.SetDown(Silent)
	l.mu.Lock()
	ch := l.upCh
	l.mu.Unlock()
	l.SetDown(Up)
	select {
	case <-ch:
	default:
		t.Error("leaving Silent did not release waiters")
	}
	if l.Down() != Up {
		t.Errorf("Down() = %v, want Up", l.Down())
	}
}
