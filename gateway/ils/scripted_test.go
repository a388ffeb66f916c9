package ils

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// syncWriter is a log and trace sink safe for the pool's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String returns what was written so far, under the lock: the pool's
// goroutines may still be writing (a reconnect's login, a keep-alive).
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Printf(format string, v ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.WriteString(strings.TrimSpace(fmt.Sprintf(format, v...)) + "\n")
}

// scripted returns an adapter whose single connection talks to an ACS
// playing script (see sip2test.NewScriptedACS), and the script.
func scripted(t *testing.T, script string, tweak ...func(*SIP2Config)) *SIP2 {
	t.Helper()
	acs := sip2test.NewScriptedACS(t, script)
	dialled := false
	var mu sync.Mutex
	cfg := SIP2Config{
		Institution: "DEMO",
		Location:    "MAIN",
		PoolSize:    1,
		Timeout:     2 * time.Second,
		TimeZone:    time.UTC,
		Dial: func(ctx context.Context) (*sip2.Client, error) {
			mu.Lock()
			defer mu.Unlock()
			if dialled {
				<-ctx.Done() // one scripted connection only
				return nil, ctx.Err()
			}
			dialled = true
			return sip2.NewClient(acs.Conn(), &sip2.ClientOptions{Timeout: 2 * time.Second, Codec: sip2.Options{Location: time.UTC}}), nil
		},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	return newAdapter(t, cfg)
}

func TestCheckinRoutingVariants(t *testing.T) {
	tests := []struct {
		name     string
		fields   string // variable fields after AB/AQ/AJ
		ok       string
		wantHold *gateway.HoldTrap
		wantDest string
		wantErr  string
	}{
		{name: "plain return", fields: "", ok: "1"},
		{name: "CV 01 hold here with patron", fields: "CV01|CYP0004|DAKatherine Johnson|",
			ok: "1", wantHold: &gateway.HoldTrap{Patron: "P0004", PatronName: "Katherine Johnson", PickupLocation: "MAIN"}},
		{name: "CV 02 hold elsewhere", fields: "CV02|CYP0005|DAEdsger|CTEAST|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0005", PatronName: "Edsger", PickupLocation: "EAST", Transit: true}, wantDest: "EAST"},
		{name: "CV 02 hold elsewhere, no CT", fields: "CV02|CYP0005|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0005", Transit: true}},
		{name: "CV 04 with a hold patron, no CT", fields: "CV04|CYP0005|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0005", Transit: true}},
		{name: "CV 03 ILL hold, no patron", fields: "CV03|", ok: "1",
			wantHold: &gateway.HoldTrap{PickupLocation: "MAIN"}},
		{name: "CV 04 transit without hold", fields: "CV04|CTEAST|", ok: "1", wantDest: "EAST"},
		{name: "CY without CV, pickup elsewhere", fields: "CYP0007|CTNORTH|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0007", PickupLocation: "NORTH", Transit: true}, wantDest: "NORTH"},
		{name: "CY without CV, pickup here", fields: "CYP0007|CTMAIN|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0007", PickupLocation: "MAIN"}, wantDest: "MAIN"},
		{name: "Sierra: patron barcode in CT", fields: "CV02|CYP0005|CTEAST P0005|", ok: "1",
			wantHold: &gateway.HoldTrap{Patron: "P0005", PickupLocation: "EAST", Transit: true}, wantDest: "EAST"},
		{name: "CV 99 other", fields: "CV99|", ok: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scripted(t, `
>~ 09N.{36}APMAIN\|AODEMO\|ABI0001\|AC\|
< 10`+tt.ok+`YNY20270101    120000AODEMO|ABI0001|AQMAIN|AJA title|`+tt.fields+`AFThank you|
`)
			res, err := s.Checkin(ctxT(t), gateway.CheckinRequest{Item: "I0001"})
			if err != nil {
				t.Fatalf("Checkin: %v", err)
			}
			if res.Title != "A title" || res.Screen != "Thank you" || res.Destination != tt.wantDest {
				t.Errorf("result %+v", res)
			}
			switch {
			case tt.wantHold == nil && res.Hold != nil:
				t.Errorf("hold %+v, want none", *res.Hold)
			case tt.wantHold != nil && res.Hold == nil:
				t.Errorf("no hold, want %+v", *tt.wantHold)
			case tt.wantHold != nil && *res.Hold != *tt.wantHold:
				t.Errorf("hold %+v, want %+v", *res.Hold, *tt.wantHold)
			}
		})
	}
}

func TestCheckinNotOnLoanRefused(t *testing.T) {
	// Koha without checked_in_ok answers 0 for an item that was not on
	// loan; the item is on the shelf, which is what the gateway needs.
	s := scripted(t, `
>~ 09Y.*ABI0002\|.*
< 100NNN20270101    120000AODEMO|ABI0002|AQMAIN|AFItem not checked out|
>~ 17.*ABI0002\|.*
< 1803000120270101    120000ABI0002|AJSecond title|AQMAIN|
`)
	res, err := s.Checkin(ctxT(t), gateway.CheckinRequest{Item: "I0002", NoBlock: true})
	if err != nil {
		t.Fatalf("Checkin: %v", err)
	}
	if res.Title != "Second title" || res.Screen != "Item not checked out" {
		t.Errorf("result %+v", res)
	}

	// Still on loan afterwards: a real refusal.
	s = scripted(t, `
>~ 09N.*ABI0003\|.*
< 100NNN20270101    120000AODEMO|ABI0003|AQMAIN|AFReturns not accepted here|
>~ 17.*ABI0003\|.*
< 1804000120270101    120000ABI0003|AJThird|AH20270115    235959|
`)
	_, err = s.Checkin(ctxT(t), gateway.CheckinRequest{Item: "I0003"})
	ge := wantCode(t, err, gateway.EREFUSED)
	if ge.Message != "Returns not accepted here" {
		t.Errorf("message %q", ge.Message)
	}
}

func TestCheckoutDueDates(t *testing.T) {
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	tests := []struct {
		ah   string
		want time.Time
	}{
		{"20270115    235959", utc(2027, 1, 15, 23, 59, 59)},
		{"20270115   Z235959", utc(2027, 1, 15, 23, 59, 59)},
		{"2027-01-15 23:59:59", utc(2027, 1, 15, 23, 59, 59)},
		{"01/15/2027", utc(2027, 1, 15, 23, 59, 59)},
		{"15.01.2027", utc(2027, 1, 15, 23, 59, 59)},
		{"whenever", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.ah, func(t *testing.T) {
			s := scripted(t, `
>~ 11NY\d{8}.{4}\d{6} {18}AODEMO\|AAP0001\|ABI0001\|AC\|
< 121NNY20270101    120000AODEMO|AAP0001|ABI0001|AJA title|AH`+tt.ah+`|
`)
			res, err := s.Checkout(ctxT(t), gateway.CheckoutRequest{Patron: "P0001", Item: "I0001", NoBlock: true, At: time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatalf("Checkout: %v", err)
			}
			if !res.Due.Equal(tt.want) {
				t.Errorf("due %v, want %v", res.Due, tt.want)
			}
		})
	}
}

func TestCheckoutRefusedNoScreen(t *testing.T) {
	s := scripted(t, `
>~ 11.*
< 120NNN20270101    120000AODEMO|AAP0001|ABI0001|AJ|AH|
`)
	_, err := s.Checkout(ctxT(t), gateway.CheckoutRequest{Patron: "P0001", Item: "I0001"})
	ge := wantCode(t, err, gateway.EREFUSED)
	if !strings.Contains(ge.Message, "refused the checkout of item I0001") {
		t.Errorf("message %q", ge.Message)
	}
}

func TestVerifyPatronNoCQ(t *testing.T) {
	// An ILS that ignores AD and sends no CQ has not checked the PIN.
	s := scripted(t, `
>~ 63.*AAP0001\|.*AD\d+\|.*
< `+patronInfo(strings.Repeat(" ", 14), "001")+`AODEMO|AAP0001|AEAda|BLY|
`)
	_, err := s.VerifyPatron(ctxT(t), "P0001", "1234")
	ge := wantCode(t, err, gateway.EUNAUTHORIZED)
	if !strings.Contains(ge.Message, "did not confirm") {
		t.Errorf("message %q", ge.Message)
	}
}

func TestVerifyPatronBlockingFlags(t *testing.T) {
	// Hold privileges denied does not stop a pickup; too many items
	// charged does only when configured so.
	resp := "< " + patronInfo("   Y Y        ", "002") + "AODEMO|AAP0001|AEAda|BLY|CQY|"
	s := scripted(t, ">~ 63.*\n"+resp+"\n")
	p, err := s.VerifyPatron(ctxT(t), "P0001", "1234")
	if err != nil {
		t.Fatalf("VerifyPatron: %v", err)
	}
	if p.Language != "fr" {
		t.Errorf("language %q, want fr from SIP2 code 002", p.Language)
	}
	s = scripted(t, ">~ 63.*\n"+resp+"\n", func(c *SIP2Config) {
		c.BlockingStatus = sip2.PatronTooManyItemsCharged
	})
	_, err = s.VerifyPatron(ctxT(t), "P0001", "1234")
	ge := wantCode(t, err, gateway.EFORBIDDEN)
	if ge.Message != "borrowing is blocked: too many items charged" {
		t.Errorf("message %q", ge.Message)
	}
}

func TestItemStatusScripted(t *testing.T) {
	tests := []struct {
		resp, circ, code string
	}{
		{`< 1809000120270101    120000ABI0001|AJT|`, gateway.ItemAvailable, ""},
		{`< 1805000120270101    120000ABI0001|AJT|AH2027-02-01|`, gateway.ItemOnLoan, ""},
		{`< 1807000120270101    120000ABI0001|AJT|`, gateway.ItemOnLoan, ""},
		{`< 1812000120270101    120000ABI0001|AJT|`, gateway.ItemOtherState, ""},
		{`< 1801000120270101    120000ABI0001|AJ|AFItem not found|`, "", gateway.ENOTFOUND},
	}
	for _, tt := range tests {
		s := scripted(t, ">~ 17.*\n"+tt.resp+"\n")
		st, err := s.ItemStatus(ctxT(t), "I0001")
		if tt.code != "" {
			ge := wantCode(t, err, tt.code)
			if !strings.Contains(ge.Message, "Item not found") {
				t.Errorf("message %q", ge.Message)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.resp, err)
		}
		if st.Circulation != tt.circ {
			t.Errorf("%s: circulation %q, want %q", tt.resp, st.Circulation, tt.circ)
		}
	}
}

func TestPingOffline(t *testing.T) {
	s := scripted(t, `
>~ 99.*
< 98NYYNYN01000320270101    1200002.00AODEMO|BXYYYYYYYYYYYYYYYY|
`)
	err := s.Ping(ctxT(t))
	wantCode(t, err, gateway.EUNAVAILABLE)
}

func TestNewSIP2Validation(t *testing.T) {
	tests := []struct {
		cfg  SIP2Config
		want string
	}{
		{SIP2Config{Institution: "X"}, "address is required"},
		{SIP2Config{Addr: "nohostport", Institution: "X"}, "want host:port"},
		{SIP2Config{Addr: "h:1"}, "institution"},
		{SIP2Config{Addr: "h:1", Institution: "X", Password: "pw-secret"}, "no user"},
		{SIP2Config{Addr: "h:1", Institution: "X", DateOrder: "ymd"}, "date order"},
		{SIP2Config{Addr: "h:1", Institution: "X", VerifyWith: "99"}, "verify_with"},
		{SIP2Config{Addr: "h:1", Institution: "X", Timeout: -1}, "negative"},
	}
	for _, tt := range tests {
		_, err := NewSIP2(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.cfg, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("password in error: %v", err)
		}
	}
}

// patronInfo is the fixed part of a 64 with the given patron status and
// language and zero counts.
func patronInfo(status, lang string) string {
	return "64" + status + lang + "20270101    120000" + strings.Repeat("0", 24)
}
