package sip2mem

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestAddILLItem(t *testing.T) {
	l := NewDemo()
	exp := time.Now().Add(10 * 24 * time.Hour)
	res, err := l.AddILLItem(ILLItem{RequestID: "R1", ItemID: "T1", Title: "Moby Dick", PatronID: "P0008", PickupLocation: "LOCKERS", PickupExpires: exp})
	if err != nil || res.Repeat || res.Hold == nil {
		t.Fatalf("AddILLItem: %+v %v", res, err)
	}
	it, _ := l.Item("T1")
	want := Item{ID: "T1", TitleID: "T1", Title: "Moby Dick", MediaType: "001", PermanentLocation: "LOCKERS", CurrentLocation: "LOCKERS", Status: StatusInTransit, ILLRequest: "R1"}
	if it != want {
		t.Errorf("item %+v\nwant %+v", it, want)
	}
	if h := res.Hold; h.PatronID != "P0008" || h.ItemID != "T1" || h.RequestID != "R1" || h.PickupLocation != "LOCKERS" || !h.Expires.Equal(exp) || h.Trapped {
		t.Errorf("hold %+v", h)
	}

	// The repeat changes nothing, whatever it says.
	again, err := l.AddILLItem(ILLItem{RequestID: "R1", ItemID: "OTHER", Title: "x", PatronID: "P0001"})
	if err != nil || !again.Repeat || again.Item.ID != "T1" || again.Hold == nil || again.Hold.ID != res.Hold.ID {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	if _, ok := l.Item("OTHER"); ok {
		t.Error("the repeat created an item")
	}
	if n := len(l.Holds()); n != 6 { // the demo's five and R1's
		t.Errorf("%d holds", n)
	}

	// A checkin at the pickup location traps it for the patron; their
	// checkout fills the hold.
	ci, err := l.Checkin("T1", "LOCKERS")
	if err != nil || ci.AlertType != AlertHoldHere || ci.Hold == nil || ci.Hold.PatronID != "P0008" {
		t.Fatalf("checkin: %+v %v", ci, err)
	}
	if _, err := l.Checkout("P0001", "T1", "", false); refusalText(err) != "Item is on hold for another patron" {
		t.Errorf("checkout by another patron: %v", err)
	}
	if _, err := l.Checkout("P0008", "T1", "", false); err != nil {
		t.Fatal(err)
	}
	if again, _ := l.AddILLItem(ILLItem{RequestID: "R1"}); !again.Repeat || again.Hold != nil {
		t.Errorf("repeat after the checkout: %+v", again)
	}

	// Two copies of one title whose id is not a barcode: an ILL item with
	// that barcode would join the title and could be trapped, at its
	// return, for another patron's title-level hold.
	l.AddItem(Item{ID: "C1", TitleID: "TITLE-9", Title: "Copy one", PermanentLocation: DemoBranch})
	l.AddItem(Item{ID: "C2", TitleID: "TITLE-9", Title: "Copy two", PermanentLocation: DemoBranch})

	tests := []struct {
		name string
		in   ILLItem
		want error
	}{
		{"no request id", ILLItem{ItemID: "T2"}, nil},
		{"the id of another title", ILLItem{RequestID: "R6", ItemID: "TITLE-9", PatronID: "P0001"}, ErrDuplicateItem},
		{"unknown patron", ILLItem{RequestID: "R2", ItemID: "T2", PatronID: "NOBODY"}, ErrUnknownPatron},
		{"a library item's barcode", ILLItem{RequestID: "R3", ItemID: "I0001", PatronID: "P0001"}, ErrDuplicateItem},
		{"the request id as a taken barcode", ILLItem{RequestID: "I0002"}, ErrDuplicateItem},
		{"card lost", ILLItem{RequestID: "R4", ItemID: "T4", PatronID: "P0006"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(l.Holds())
			_, err := l.AddILLItem(tt.in)
			var r *Refusal
			if !errors.As(err, &r) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("error %v, want a refusal %v", err, tt.want)
			}
			if len(l.Holds()) != before {
				t.Error("a refused AddILLItem placed a hold")
			}
			if _, ok := l.Item(tt.in.ItemID); ok && tt.in.ItemID != "I0001" {
				t.Errorf("a refused AddILLItem created %s", tt.in.ItemID)
			}
		})
	}
	// A plain hold holding the request id blocks it.
	if _, _, err := l.PlaceHold(Hold{PatronID: "P0011", ItemID: "I0003", RequestID: "R5"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddILLItem(ILLItem{RequestID: "R5", ItemID: "T5"}); !errors.Is(err, ErrDuplicateRequest) {
		t.Errorf("request id of a hold: %v", err)
	}
	if _, _, err := l.PlaceHold(Hold{PatronID: "P0012", ItemID: "I0004", RequestID: "R5"}); !errors.Is(err, ErrDuplicateRequest) {
		t.Errorf("second hold with R5: %v", err)
	}
}

// TestAddILLItemConcurrent: re-sends racing each other create one item
// and one hold.
func TestAddILLItemConcurrent(t *testing.T) {
	l := NewDemo()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.AddILLItem(ILLItem{RequestID: "R1", ItemID: "T1", PatronID: "P0008"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, h := range l.Holds() {
		if h.RequestID == "R1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d holds for R1", n)
	}
}

func TestRemoveItem(t *testing.T) {
	l := NewDemo()
	if err := l.RemoveItem("I0005"); !errors.Is(err, ErrItemOnLoan) {
		t.Errorf("on loan: %v", err)
	}
	if err := l.RemoveItem("NOPE"); !errors.Is(err, ErrUnknownItem) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := l.Checkout("P0008", "I0001", "", false); err != nil {
		t.Fatal(err)
	}
	// I0010 is trapped for P0001, I0012 held for P0007: their holds go.
	for _, id := range []string{"I0010", "I0012"} {
		if err := l.RemoveItem(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, ok := l.Item(id); ok {
			t.Errorf("%s still there", id)
		}
		for _, h := range l.Holds() {
			if h.ItemID == id {
				t.Errorf("hold left on %s: %+v", id, h)
			}
		}
	}
	if n := len(l.Holds()); n != 3 {
		t.Errorf("%d holds left, want the other three", n)
	}
	if c := l.Counts("I0001"); c.Checkouts != 1 {
		t.Errorf("counts of another item changed: %+v", c)
	}
	// History stays.
	l.Checkin("I0002", "MAIN")
	l.RemoveItem("I0002")
	if c := l.Counts("I0002"); c.Checkins != 1 {
		t.Errorf("counts of a removed item: %+v", c)
	}
}

func TestCheckoutUntil(t *testing.T) {
	l := NewDemo()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	l.Now = func() time.Time { return now }
	due := now.Add(40 * 24 * time.Hour)
	res, err := l.CheckoutUntil("P0008", "I0001", "4321", due)
	if err != nil || !res.Loan.Due.Equal(due) {
		t.Fatalf("%+v %v", res, err)
	}
	// Already mine: refused, not renewed.
	if _, err := l.CheckoutUntil("P0008", "I0001", "", due); refusalText(err) != "Item is already checked out to you" {
		t.Errorf("again: %v", err)
	}
	for _, d := range []time.Time{{}, now.Add(-time.Hour), now} {
		res, err := l.CheckoutUntil("P0011", "I0002", "", d)
		if err != nil || !res.Loan.Due.Equal(now.Add(14*24*time.Hour)) {
			t.Errorf("due %v: %+v %v", d, res.Loan, err)
		}
		l.Checkin("I0002", "MAIN")
	}
	if _, err := l.CheckoutUntil("P0008", "I0003", "9999", due); refusalText(err) != "Invalid PIN" {
		t.Errorf("wrong PIN: %v", err)
	}
}

func TestReturnLoan(t *testing.T) {
	l := NewDemo()
	res, err := l.ReturnLoan("I0005", "")
	if err != nil || !res.WasOnLoan || res.PatronID != "P0002" || res.AlertType != AlertHoldHere {
		t.Fatalf("first return: %+v %v", res, err)
	}
	trapped, _ := l.Item("I0005")
	res, err = l.ReturnLoan("I0005", "EAST")
	if err != nil || res.WasOnLoan || res.Alert || res.Item != trapped {
		t.Errorf("second return: %+v %v", res, err)
	}
	if it, _ := l.Item("I0005"); it != trapped {
		t.Errorf("the second return changed the item: %+v", it)
	}
	if c := l.Counts("I0005"); c.Checkins != 1 {
		t.Errorf("counts %+v", c)
	}
	if _, err := l.ReturnLoan("NOPE", ""); !errors.Is(err, ErrUnknownItem) {
		t.Errorf("unknown: %v", err)
	}
}

func TestWaitUp(t *testing.T) {
	l := NewDemo()
	ctx := context.Background()
	if err := l.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	l.SetDown(Refuse)
	if err := l.WaitUp(ctx); !errors.Is(err, ErrDown) {
		t.Errorf("refuse: %v", err)
	}
	l.SetDown(Silent)
	short, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.WaitUp(short); !errors.Is(err, context.Canceled) {
		t.Errorf("silent, context ended: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- l.WaitUp(ctx) }()
	l.SetDown(Refuse)
	select {
	case err := <-done:
		if !errors.Is(err, ErrDown) {
			t.Errorf("silent then refuse: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitUp not released by leaving Silent")
	}
}
