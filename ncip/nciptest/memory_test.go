package nciptest_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func uid(s string) *ncip.UserID { return &ncip.UserID{UserIdentifierValue: s} }
func iid(s string) ncip.ItemID  { return ncip.ItemID{ItemIdentifierValue: s} }

// TestILLLifecycle walks the borrowing-library sequence: AcceptItem (twice,
// idempotent), CheckOutItem, RenewItem, CheckInItem (twice, idempotent),
// DeleteItem.
func TestILLLifecycle(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	m := nciptest.NewDemo()
	m.Now = func() time.Time { return now }
	accept := &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: "ILL-1"}, RequestedActionType: ncip.SV("Hold For Pickup"), UserID: uid("U1"), PickupLocation: ncip.SV("Locker A")}
	a1, err := m.AcceptItem(ctx, accept)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := m.AcceptItem(ctx, accept)
	if err != nil || a2.ItemID.ItemIdentifierValue != a1.ItemID.ItemIdentifierValue {
		t.Fatalf("repeated AcceptItem = %+v, %v; want the same item %q", a2, err, a1.ItemID.ItemIdentifierValue)
	}
	tmp := a1.ItemID.ItemIdentifierValue
	if it, ok := m.Item(tmp); !ok || !it.Temporary {
		t.Fatalf("temporary item %q not created", tmp)
	}
	co, err := m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid(tmp)})
	if err != nil || !co.DateDue.Equal(now.Add(21*24*time.Hour)) {
		t.Fatalf("CheckOutItem = %+v, %v", co, err)
	}
	if _, err := m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid(tmp)}); err != nil {
		t.Errorf("repeated CheckOutItem to the same user: %v", err)
	}
	if _, err := m.DeleteItem(ctx, &ncip.DeleteItem{ItemID: iid(tmp)}); !errors.Is(err, ncip.ProblemTypeElementRuleViolated) {
		t.Errorf("DeleteItem of a loaned item: %v", err)
	}
	now = now.Add(24 * time.Hour)
	rn, err := m.RenewItem(ctx, &ncip.RenewItem{UserID: uid("U1"), ItemID: iid(tmp)})
	if err != nil || rn.RenewalCount != 1 || !rn.DateDue.Equal(now.Add(21*24*time.Hour)) {
		t.Fatalf("RenewItem = %+v, %v", rn, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := m.CheckInItem(ctx, &ncip.CheckInItem{ItemID: iid(tmp)}); err != nil {
			t.Fatalf("CheckInItem #%d: %v", i+1, err)
		}
	}
	if _, ok := m.Loan(tmp); ok {
		t.Error("loan remains after check-in")
	}
	if _, err := m.RenewItem(ctx, &ncip.RenewItem{UserID: uid("U1"), ItemID: iid(tmp)}); !errors.Is(err, ncip.ProblemTypeItemNotCheckedOut) {
		t.Errorf("RenewItem after check-in: %v", err)
	}
	if _, err := m.DeleteItem(ctx, &ncip.DeleteItem{ItemID: iid(tmp)}); err != nil {
		t.Errorf("DeleteItem: %v", err)
	}
}

func TestProblems(t *testing.T) {
	ctx := t.Context()
	m := nciptest.NewDemo()
	m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid("I2")})
	pin := func(p string) []ncip.AuthenticationInput {
		return []ncip.AuthenticationInput{{AuthenticationInputData: "U1", AuthenticationInputType: ncip.SV("Barcode Id")}, {AuthenticationInputData: p, AuthenticationInputType: ncip.SV("PIN")}}
	}
	tests := []struct {
		name string
		err  error
		want ncip.ProblemType
	}{
		{"unknown user", second(m.LookupUser(ctx, &ncip.LookupUser{UserID: uid("X")})), ncip.ProblemTypeUnknownUser},
		{"wrong PIN", second(m.LookupUser(ctx, &ncip.LookupUser{AuthenticationInput: pin("0000")})), ncip.ProblemTypeUserAuthenticationFailed},
		{"right PIN", second(m.LookupUser(ctx, &ncip.LookupUser{AuthenticationInput: pin("1234")})), ""},
		{"unknown item", second(m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid("X")})), ncip.ProblemTypeUnknownItem},
		{"blocked", second(m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U2"), ItemID: iid("I1")})), ncip.ProblemTypeUserBlocked},
		{"no circulate", second(m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid("I5")})), ncip.ProblemTypeItemDoesNotCirculate},
		{"unknown user at check-out", second(m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U3"), ItemID: iid("I2")})), ncip.ProblemTypeUnknownUser},
		{"request", second(m.RequestItem(ctx, &ncip.RequestItem{UserID: uid("U1"), ItemID: []ncip.ItemID{iid("I3")}, RequestType: ncip.SV("Hold")})), ""},
		{"duplicate request", second(m.RequestItem(ctx, &ncip.RequestItem{UserID: uid("U1"), ItemID: []ncip.ItemID{iid("I3")}})), ncip.ProblemTypeDuplicateRequest},
		{"cancel unknown", second(m.CancelRequestItem(ctx, &ncip.CancelRequestItem{UserID: uid("U1"), RequestID: &ncip.RequestID{RequestIdentifierValue: "nope"}})), ncip.ProblemTypeUnknownRequest},
		{"lookup request without RequestId or ItemId", second(m.LookupRequest(ctx, &ncip.LookupRequest{UserID: uid("U1")})), ncip.ProblemTypeUnknownRequest},
		{"cancel", second(m.CancelRequestItem(ctx, &ncip.CancelRequestItem{UserID: uid("U1"), ItemID: &ncip.ItemID{ItemIdentifierValue: "I3"}})), ""},
	}
	for _, tt := range tests {
		if tt.want == "" {
			if tt.err != nil {
				t.Errorf("%s: %v, want success", tt.name, tt.err)
			}
			continue
		}
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %s", tt.name, tt.err, tt.want)
		}
		if tt.err != nil && (contains(tt.err.Error(), "0000") || contains(tt.err.Error(), "1234")) {
			t.Errorf("%s: error reveals a PIN: %v", tt.name, tt.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestConcurrent: many check-outs of different items race on one Memory.
func TestConcurrent(t *testing.T) {
	m := nciptest.New()
	m.AddUser(nciptest.User{ID: "U"})
	for i := range 50 {
		m.AddItem(nciptest.Item{ID: string(rune('A' + i))})
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.CheckOutItem(t.Context(), &ncip.CheckOutItem{UserID: uid("U"), ItemID: iid(string(rune('A' + i)))}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	r, err := m.LookupUser(t.Context(), &ncip.LookupUser{UserID: uid("U"), LoanedItemsDesired: true})
	if err != nil || len(r.LoanedItem) != 50 {
		t.Fatalf("LoanedItem count = %d, %v; want 50", len(r.LoanedItem), err)
	}
}

// TestRequestIDsNotReused: a generated request id is never handed out
// again, even after an earlier request was cancelled.
func TestRequestIDsNotReused(t *testing.T) {
	ctx := t.Context()
	m := nciptest.NewDemo()
	req := func(item string) string {
		t.Helper()
		r, err := m.RequestItem(ctx, &ncip.RequestItem{UserID: uid("U1"), ItemID: []ncip.ItemID{iid(item)}, RequestType: ncip.SV("Hold")})
		if err != nil {
			t.Fatalf("RequestItem(%s): %v", item, err)
		}
		return r.RequestID.RequestIdentifierValue
	}
	r1, r2 := req("I1"), req("I2")
	if _, err := m.CancelRequestItem(ctx, &ncip.CancelRequestItem{UserID: uid("U1"), RequestID: &ncip.RequestID{RequestIdentifierValue: r1}}); err != nil {
		t.Fatal(err)
	}
	r3 := req("I3")
	if r3 == r1 || r3 == r2 {
		t.Errorf("third request got id %q; earlier ids %q, %q", r3, r1, r2)
	}
	// Cancelling by ItemId works when the RequestId element is empty.
	if _, err := m.CancelRequestItem(ctx, &ncip.CancelRequestItem{UserID: uid("U1"), RequestID: &ncip.RequestID{}, ItemID: &ncip.ItemID{ItemIdentifierValue: "I2"}}); err != nil {
		t.Errorf("CancelRequestItem by ItemId with an empty RequestId: %v", err)
	}
}

// TestDeleteItemEndsAccept: after DeleteItem of a temporary item, its
// hold is gone and a re-sent AcceptItem creates the item again.
func TestDeleteItemEndsAccept(t *testing.T) {
	ctx := t.Context()
	m := nciptest.NewDemo()
	accept := &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: "ILL-9"}, RequestedActionType: ncip.SV("Hold For Pickup"), UserID: uid("U1")}
	a, err := m.AcceptItem(ctx, accept)
	if err != nil {
		t.Fatal(err)
	}
	tmp := a.ItemID.ItemIdentifierValue
	if _, err := m.DeleteItem(ctx, &ncip.DeleteItem{ItemID: iid(tmp)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Request("ILL-9"); ok {
		t.Error("the hold of the deleted item remains")
	}
	if _, err := m.LookupItem(ctx, &ncip.LookupItem{ItemID: &ncip.ItemID{ItemIdentifierValue: tmp}}); !errors.Is(err, ncip.ProblemTypeUnknownItem) {
		t.Errorf("LookupItem of the deleted item: %v, want Unknown Item", err)
	}
	if _, err := m.AcceptItem(ctx, accept); err != nil {
		t.Fatalf("AcceptItem after DeleteItem: %v", err)
	}
	if it, ok := m.Item(tmp); !ok || !it.Temporary {
		t.Errorf("AcceptItem after DeleteItem did not create the item again")
	}
}
