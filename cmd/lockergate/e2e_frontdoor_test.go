package main

// End-to-end test of the SIP2 front door: a station that speaks SIP2 (a
// self-check, a sorter) logs in to the gateway as it would to the ILS,
// loads a locker with an ordinary checkin, and has everything else passed
// through to the simulated library.

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// e2eStation connects a SIP2 station to addr and logs in.
func e2eStation(t testing.TB, addr, login, password string) (*sip2.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Login:   &sip2.LoginRequest{LoginUserID: login, LoginPassword: password, LocationCode: "SELFCHECK-1"},
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 15 * time.Second,
	})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// e2ePatronStatus is what a 24 says, without its time stamp (the two
// answers compared are made at different moments).
type e2ePatronStatus struct {
	Status                        sip2.PatronStatus
	Language, Institution, Patron string
	Name, Currency, Fees          string
	Valid, ValidPassword          sip2.Flag
	Screen, Print                 []string
	Extra                         []sip2.Field
}

func e2eStatusOf(r *sip2.PatronStatusResponse) e2ePatronStatus {
	return e2ePatronStatus{
		Status: r.PatronStatus, Language: r.Language, Institution: r.InstitutionID, Patron: r.PatronID,
		Name: r.PersonalName, Currency: r.CurrencyType, Fees: r.FeeAmount,
		Valid: r.ValidPatron, ValidPassword: r.ValidPatronPassword,
		Screen: r.ScreenMessage, Print: r.PrintLine, Extra: r.Extra,
	}
}

// TestE2ESIP2FrontDoor: a station logs in to the gateway's SIP2 front
// door; a checkin whose AP is the bank's location, of an item with a hold,
// loads the bank (ok 1, the compartment in CL and in the screen message,
// the door open); a patron status goes through to the library and comes
// back as the library gives it; a wrong password is refused.
func TestE2ESIP2FrontDoor(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{sip2Door: true})
		g := w.start("gw-1")
		addr := g.a.doorURL
		if addr == "" {
			t.Fatal("the SIP2 front door is not listening")
		}
		station, err := e2eStation(t, addr, e2eDoorLogin, e2eDoorPassword)
		if err != nil {
			t.Fatalf("login with the account's password: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		// I0010 has a hold for P0001 at the bank's branch.
		want := g.bankState(t).nextFree()
		ci, err := station.Checkin(ctx, &sip2.CheckinRequest{CurrentLocation: sip2mem.DemoBranch, InstitutionID: sip2mem.DemoInstitution, ItemID: "I0010", TransactionDate: sip2.NewTime(time.Now())})
		if err != nil {
			t.Fatalf("checkin through the front door: %v", err)
		}
		screen := strings.Join(ci.ScreenMessage, " ")
		if !ci.OK || ci.SortBin != want || ci.ItemID != "I0010" || ci.HoldPatronID != "P0001" || !strings.Contains(screen, "compartment "+want) {
			t.Fatalf("checkin answer %+v, want ok 1 and compartment %s in CL and the screen message", ci, want)
		}
		if c := g.compartment(t, want); c.State != "loading" {
			t.Errorf("compartment %s after the checkin: %+v, want loading", want, c)
		}
		hw, err := g.bank.Status(ctx, lockers.CompartmentID(want))
		if err != nil {
			t.Fatal(err)
		}
		if open, ok := lockers.IsOpen(hw); !open || !ok {
			t.Errorf("the bank's door %s reads %+v: not open", want, hw)
		}
		if got := w.lib.Counts("I0010"); got.Checkins != 1 {
			t.Errorf("the library saw %d checkins of I0010, want 1", got.Checkins)
		}
		g.closeDoor(t, want)
		g.waitState(t, want, "occupied")

		// A patron status passes through: the same answer as the library's
		// own to the same question.
		req := &sip2.PatronStatusRequest{Language: "001", TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution,
			PatronID: "P0004", PatronPassword: e2ePIN("P0004")}
		via, err := station.PatronStatus(ctx, req)
		if err != nil {
			t.Fatalf("patron status through the front door: %v", err)
		}
		direct, err := e2eStation(t, w.ils.sim.addr, sip2mem.DemoUser, sip2mem.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		own, err := direct.PatronStatus(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e2eStatusOf(via), e2eStatusOf(own); !reflect.DeepEqual(got, want) {
			t.Errorf("patron status through the door:\n%+v\nthe library's own answer:\n%+v", got, want)
		}
		if via.PersonalName != "Katherine Johnson" || via.ValidPatronPassword != sip2.FlagYes {
			t.Errorf("patron status = %+v, want Katherine Johnson with a valid PIN", via)
		}

		// A wrong password: no session, and nothing loaded.
		const wrong = "not-the-door-password"
		w.secret(wrong)
		before := g.bankState(t).Counts
		_, err = e2eStation(t, addr, e2eDoorLogin, wrong)
		var oe *sip2.OpError
		if err == nil {
			t.Error("a login with a wrong password was accepted")
		} else if !errors.As(err, &oe) || oe.Op != "login" {
			t.Errorf("a wrong password failed with %v, want a refused login", err)
		}
		if after := g.bankState(t).Counts; !reflect.DeepEqual(before, after) {
			t.Errorf("the bank changed after a refused login: %v -> %v", before, after)
		}
		w.checkSecrets(t, g)
	})
}
