package gateway_test

import (
	"errors"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestLoadOutcomes: Load's refusals say why in types, not only in words:
// every ECONFLICT carries a *gateway.LoadConflict (its reason and, when
// the item is in a locker already, where), and exactly the errors that
// come after the ILS checked the item in wrap gateway.ErrCheckedIn, so
// that a SIP2 station can be told truthfully whether the checkin
// happened. An interlibrary loan is never checked in at load.
func TestLoadOutcomes(t *testing.T) {
	type setup func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest
	hold := func(item, patron string) setup {
		return func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
			w.holdFor(item, patron)
			return gateway.LoadRequest{Bank: bankID, Item: item}
		}
	}
	jam := func(w *world, ids ...lockers.CompartmentID) {
		for _, id := range ids {
			must(w.t, w.bank.Jam(id, true))
		}
	}
	tests := []struct {
		name      string
		mode      illMode
		setup     setup
		code      string
		reason    gateway.LoadConflictReason // "" for no *LoadConflict
		where     lockers.CompartmentID      // LoadConflict.Compartment
		location  string                     // LoadConflict.Location
		checkedIn bool
	}{
		{name: "no hold", code: gateway.ECONFLICT, reason: gateway.LoadNoHold, checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				return gateway.LoadRequest{Bank: bankID, Item: "I0018"}
			}},
		{name: "held elsewhere", code: gateway.ECONFLICT, reason: gateway.LoadHeldElsewhere, location: "EAST", checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				w.holdFor("I0019", "P0011")
				w.ils.RewriteCheckins(func(r *gateway.CheckinResult) {
					if r.Hold != nil {
						r.Hold.Transit, r.Hold.PickupLocation = false, "EAST"
					}
				})
				return gateway.LoadRequest{Bank: bankID, Item: "I0019"}
			}},
		{name: "transit", code: gateway.ECONFLICT, reason: gateway.LoadInTransit, location: "EAST", checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				if _, _, err := w.lib.PlaceHold(sip2mem.Hold{PatronID: "P0011", ItemID: "I0019", PickupLocation: "EAST"}); err != nil {
					t.Fatal(err)
				}
				return gateway.LoadRequest{Bank: bankID, Item: "I0019"}
			}},
		{name: "transit, nowhere said", code: gateway.ECONFLICT, reason: gateway.LoadInTransit, checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				w.holdFor("I0019", "P0011")
				w.ils.RewriteCheckins(func(r *gateway.CheckinResult) {
					if r.Hold != nil {
						r.Hold.Transit, r.Hold.PickupLocation, r.Destination = true, "", ""
					}
				})
				return gateway.LoadRequest{Bank: bankID, Item: "I0019"}
			}},
		{name: "no space", code: gateway.ENOSPACE, checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				for i, item := range []string{"I0016", "I0017"} {
					w.holdFor(item, []string{"P0011", "P0010"}[i])
					if _, err := svc.Load(ctx(t), gateway.LoadRequest{Bank: bankID, Item: item, Size: "L"}); err != nil {
						t.Fatal(err)
					}
				}
				w.holdFor("I0015", "P0012")
				return gateway.LoadRequest{Bank: bankID, Item: "I0015", Size: "L"}
			}},
		{name: "every door fails", code: gateway.EDOOR, checkedIn: true,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				jam(w, "1", "2", "3")
				return hold("I0013", "P0008")(t, w, svc)
			}},
		{name: "already loaded", code: gateway.ECONFLICT, reason: gateway.LoadAlreadyLoaded, where: "1",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				req := hold("I0013", "P0008")(t, w, svc)
				w.load(svc, "I0013")
				return req
			}},
		{name: "being loaded", code: gateway.ECONFLICT, reason: gateway.LoadBeingLoaded, where: "1",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				req := hold("I0013", "P0008")(t, w, svc)
				if _, err := svc.Load(ctx(t), req); err != nil {
					t.Fatal(err)
				}
				return req
			}},
		{name: "unknown to the ILS", code: gateway.EREFUSED,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				return gateway.LoadRequest{Bank: bankID, Item: "NOSUCH"}
			}},
		{name: "ILS down", code: gateway.EUNAVAILABLE,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				req := hold("I0013", "P0008")(t, w, svc)
				w.proxy.SetDown(true)
				return req
			}},
		{name: "interlibrary loan at another bank", mode: illForward, code: gateway.ECONFLICT, reason: gateway.LoadWrongBank,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				a := illAccept("REQ-W", "ILL-W", "P0001")
				a.PickupLocation = "MAIN2"
				accept(t, svc, a)
				return gateway.LoadRequest{Bank: bankID, Item: "ILL-W"}
			}},
		{name: "interlibrary loan, every door fails", mode: illForward, code: gateway.EDOOR,
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				accept(t, svc, illAccept("REQ-D", "ILL-D", "P0001"))
				jam(w, "1", "2", "3")
				return gateway.LoadRequest{Bank: bankID, Item: "ILL-D"}
			}},
		{name: "interlibrary loan already loaded", mode: illForward, code: gateway.ECONFLICT, reason: gateway.LoadAlreadyLoaded, where: "1",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				accept(t, svc, illAccept("REQ-L", "ILL-L", "P0001"))
				w.load(svc, "ILL-L")
				return gateway.LoadRequest{Bank: bankID, Item: "ILL-L"}
			}},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mode := tt.mode
				if mode != illForward {
					mode = illRecordOnly // the plain world ILS
				}
				w, _, svc := illService(t, e.fresh(t), mode, secondBank(t))
				req := tt.setup(t, w, svc)
				_, err := svc.Load(ctx(t), req)
				wantCode(t, err, tt.code)
				var lc *gateway.LoadConflict
				switch got := errors.As(err, &lc); {
				case tt.code == gateway.ECONFLICT && !got:
					t.Fatalf("ECONFLICT without a *LoadConflict: %v", err)
				case tt.reason == "" && got:
					t.Fatalf("a *LoadConflict (%+v) with %v", lc, err)
				case got && (lc.Reason != tt.reason || lc.Compartment != tt.where || lc.Location != tt.location):
					t.Fatalf("conflict %+v, want reason %q, compartment %q, location %q", lc, tt.reason, tt.where, tt.location)
				}
				if got := errors.Is(err, gateway.ErrCheckedIn); got != tt.checkedIn {
					t.Fatalf("errors.Is(%v, ErrCheckedIn) = %v, want %v", err, got, tt.checkedIn)
				}
				if gateway.ErrorMessage(err) == "" {
					t.Fatalf("no message: %v", err)
				}
			})
		}
	})
}
