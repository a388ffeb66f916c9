package ils

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

func TestParseDueDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	at := func(y int, m time.Month, d, hh, mm, ss int, loc *time.Location) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, loc)
	}
	eod := func(y int, m time.Month, d int) time.Time { return at(y, m, d, 23, 59, 59, paris) }
	tests := []struct {
		in    string
		order string
		want  time.Time
	}{
		{"20270115    143000", "", at(2027, 1, 15, 14, 30, 0, paris)},
		{"20270115   Z143000", "", at(2027, 1, 15, 14, 30, 0, time.UTC)},
		{"20270115ZZZZ143000", "", at(2027, 1, 15, 14, 30, 0, paris)},
		{"20270115 143000", "", at(2027, 1, 15, 14, 30, 0, paris)},
		{"2027-01-15 14:30:00", "", at(2027, 1, 15, 14, 30, 0, paris)},
		{"2027-01-15T14:30:00Z", "", at(2027, 1, 15, 14, 30, 0, time.UTC)},
		{"2027-01-15", "", eod(2027, 1, 15)},
		{"  2027-01-15  ", "", eod(2027, 1, 15)},
		{"Due: 2027-01-15", "", eod(2027, 1, 15)},
		{"DUE 01/15/2027", "", eod(2027, 1, 15)},
		{"20270115", "", eod(2027, 1, 15)},
		{"15.01.2027", "", eod(2027, 1, 15)},
		{"15.01.2027 18:00", "", at(2027, 1, 15, 18, 0, 0, paris)},
		{"01/15/2027", "", eod(2027, 1, 15)},
		{"15/01/2027", "", eod(2027, 1, 15)},
		{"01/15/2027 11:59 PM", "", at(2027, 1, 15, 23, 59, 0, paris)},
		{"01/15/2027 12:05 am", "", at(2027, 1, 15, 0, 5, 0, paris)},
		{"03/04/2027", "", time.Time{}}, // ambiguous without an order
		{"03/04/2027", "mdy", eod(2027, 3, 4)},
		{"03/04/2027", "dmy", eod(2027, 4, 3)},
		{"03/04/27", "dmy", eod(2027, 4, 3)},
		{"Jan 15, 2027", "", eod(2027, 1, 15)},
		{"15 January 2027", "", eod(2027, 1, 15)},
		{"Friday, January 15, 2027", "", eod(2027, 1, 15)},
		{"31/02/2027", "", time.Time{}},
		{"13/13/2027", "", time.Time{}},
		{"01/15-2027", "", time.Time{}},
		{"01/15/2027 25:00", "", time.Time{}},
		{"01/15/2027 13:00 PM", "", time.Time{}},
		{"next Tuesday", "", time.Time{}},
		{"00000110", "", time.Time{}},
		{"01/10/0000", "mdy", time.Time{}},
		{"0000-01-10", "", time.Time{}},
		{"", "", time.Time{}},
		{"                  ", "", time.Time{}},
	}
	for _, tt := range tests {
		got := ParseDueDate(tt.in, paris, tt.order)
		if !got.Equal(tt.want) {
			t.Errorf("ParseDueDate(%q, %q) = %v, want %v", tt.in, tt.order, got, tt.want)
		}
	}
}

func FuzzParseDueDate(f *testing.F) {
	for _, s := range []string{"20270115    143000", "2027-01-15 14:30:00", "01/15/2027 11:59 PM", "15.01.2027", "Jan 15, 2027", "DUE 3/4/27"} {
		f.Add(s, "mdy")
	}
	f.Fuzz(func(t *testing.T, s, order string) {
		got := ParseDueDate(s, time.UTC, order)
		if !got.IsZero() && (got.Year() < 1 || got.Year() > 9999) {
			t.Errorf("ParseDueDate(%q) = %v: out of range", s, got)
		}
	})
}

func TestLanguage(t *testing.T) {
	for code, want := range map[string]string{"001": "en", "002": "fr", "003": "de", "011": "fr", "024": "en", "000": "", "026": "", "999": "", "": ""} {
		if got := Language(code); got != want {
			t.Errorf("Language(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestCirculation(t *testing.T) {
	want := map[string]string{
		"01": gateway.ItemOtherState, "02": gateway.ItemOtherState, "03": gateway.ItemAvailable,
		"04": gateway.ItemOnLoan, "05": gateway.ItemOnLoan, "06": gateway.ItemOtherState,
		"07": gateway.ItemOnLoan, "08": gateway.ItemOnHold, "09": gateway.ItemAvailable,
		"10": gateway.ItemInTransit, "11": gateway.ItemOtherState, "12": gateway.ItemOtherState,
		"13": gateway.ItemOtherState, "": gateway.ItemOtherState,
	}
	for code, w := range want {
		if got := Circulation(code); got != w {
			t.Errorf("Circulation(%q) = %q, want %q", code, got, w)
		}
	}
}

// fakeILS answers every call with its err after a short pause.
type fakeILS struct{ err error }

func (f fakeILS) Checkin(context.Context, gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	time.Sleep(2 * time.Millisecond)
	return &gateway.CheckinResult{Item: "I"}, f.err
}
func (f fakeILS) Checkout(context.Context, gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	return &gateway.CheckoutResult{Item: "I"}, f.err
}
func (f fakeILS) VerifyPatron(context.Context, string, string) (*gateway.Patron, error) {
	return &gateway.Patron{ID: "P"}, f.err
}
func (f fakeILS) Patron(context.Context, string) (*gateway.Patron, error) {
	return &gateway.Patron{ID: "P"}, f.err
}
func (f fakeILS) ItemStatus(context.Context, string) (*gateway.ItemStatus, error) {
	return &gateway.ItemStatus{Item: "I"}, f.err
}
func (f fakeILS) Ping(context.Context) error { return f.err }

func TestInstrument(t *testing.T) {
	boom := gateway.Errorf(gateway.EUNAVAILABLE, "down")
	for _, inner := range []fakeILS{{}, {err: boom}} {
		type obs struct {
			op  string
			d   time.Duration
			err error
		}
		var seen []obs
		ils := Instrument(inner, func(op string, d time.Duration, err error) { seen = append(seen, obs{op, d, err}) })
		ctx := context.Background()
		r1, e1 := ils.Checkin(ctx, gateway.CheckinRequest{})
		ils.Checkout(ctx, gateway.CheckoutRequest{})
		ils.VerifyPatron(ctx, "P", "1234")
		ils.Patron(ctx, "P")
		ils.ItemStatus(ctx, "I")
		ils.Ping(ctx)
		if r1 == nil || r1.Item != "I" || !errors.Is(e1, inner.err) {
			t.Errorf("results are not passed through: %v %v", r1, e1)
		}
		ops := []string{OpCheckin, OpCheckout, OpVerifyPatron, OpPatron, OpItemStatus, OpPing}
		if len(seen) != len(ops) {
			t.Fatalf("observed %d calls, want %d", len(seen), len(ops))
		}
		for i, op := range ops {
			if seen[i].op != op || !errors.Is(seen[i].err, inner.err) || (inner.err == nil) != (seen[i].err == nil) {
				t.Errorf("call %d: %+v, want op %s err %v", i, seen[i], op, inner.err)
			}
		}
		if seen[0].d < 2*time.Millisecond {
			t.Errorf("checkin took %v, observed less than its 2ms", seen[0].d)
		}
	}
	if Instrument(fakeILS{}, nil) != (fakeILS{}) {
		t.Error("Instrument with nil observe should return the ILS itself")
	}
}
