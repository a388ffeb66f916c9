package nciptest_test

import (
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

// TestGetters: Loan, Item and Request find what the services created and
// report a missing key with the zero value and false.
func TestGetters(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := nciptest.NewDemo()
	m.Now = func() time.Time { return now }
	m.LoanPeriod = 24 * time.Hour
	if _, err := m.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: uid("U1"), ItemID: iid("I1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.RequestItem(ctx, &ncip.RequestItem{UserID: uid("U1"), ItemID: []ncip.ItemID{iid("I2")}, RequestID: &ncip.RequestID{RequestIdentifierValue: "R-T"}, RequestType: ncip.SV("Page"), PickupLocation: ncip.SV("Locker 1")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		get     func(key string) (any, bool)
		key     string
		want    any
		missing any
	}{
		{
			name: "Loan", key: "I1",
			get:     func(k string) (any, bool) { return m.Loan(k) },
			want:    nciptest.Loan{ItemID: "I1", UserID: "U1", Due: now.Add(24 * time.Hour)},
			missing: nciptest.Loan{},
		},
		{
			name: "Item", key: "I5",
			get:     func(k string) (any, bool) { return m.Item(k) },
			want:    nciptest.Item{ID: "I5", Title: "Reference only", NoCirculate: true},
			missing: nciptest.Item{},
		},
		{
			name: "Request", key: "R-T",
			get:     func(k string) (any, bool) { return m.Request(k) },
			want:    nciptest.Request{ID: "R-T", UserID: "U1", ItemID: "I2", Type: "Page", PickupLocation: "Locker 1"},
			missing: nciptest.Request{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := tc.get(tc.key); !ok || got != tc.want {
				t.Errorf("%s(%q) = %+v, %v; want %+v, true", tc.name, tc.key, got, ok, tc.want)
			}
			if got, ok := tc.get("nope"); ok || got != tc.missing {
				t.Errorf("%s(%q) = %+v, %v; want the zero value, false", tc.name, "nope", got, ok)
			}
		})
	}
}
