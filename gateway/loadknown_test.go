package gateway_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestLoadRefusalsKnowTheItem: a load refused or not placed still says
// what the gateway knows of the item, so that a SIP2 station answering the
// checkin prints its title (and, for an item an earlier load put in a
// locker, its hold patron, as that load's answer did): the *LoadConflict
// carries Title, Patron and PatronName, and an ENOSPACE after the checkin
// comes with the result so far. The error's text names no patron.
func TestLoadRefusalsKnowTheItem(t *testing.T) {
	type setup func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest
	holdReq := func(item, patron string) setup {
		return func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
			w.holdFor(item, patron)
			return gateway.LoadRequest{Bank: bankID, Item: item}
		}
	}
	tests := []struct {
		name   string
		mode   illMode
		setup  setup
		code   string
		reason gateway.LoadConflictReason // "": no *LoadConflict; the result carries title and patron
		item   string                     // its title is the ILS's (empty: title below)
		title  string
		patron string // and the library's name for them
	}{
		{name: "no hold", code: gateway.ECONFLICT, reason: gateway.LoadNoHold, item: "I0018",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				return gateway.LoadRequest{Bank: bankID, Item: "I0018"}
			}},
		{name: "transit", code: gateway.ECONFLICT, reason: gateway.LoadInTransit, item: "I0019",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				if _, _, err := w.lib.PlaceHold(sip2mem.Hold{PatronID: "P0011", ItemID: "I0019", PickupLocation: "EAST"}); err != nil {
					t.Fatal(err)
				}
				return gateway.LoadRequest{Bank: bankID, Item: "I0019"}
			}},
		{name: "held elsewhere", code: gateway.ECONFLICT, reason: gateway.LoadHeldElsewhere, item: "I0019",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				w.holdFor("I0019", "P0011")
				w.ils.RewriteCheckins(func(r *gateway.CheckinResult) {
					if r.Hold != nil {
						r.Hold.Transit, r.Hold.PickupLocation = false, "EAST"
					}
				})
				return gateway.LoadRequest{Bank: bankID, Item: "I0019"}
			}},
		{name: "already loaded", code: gateway.ECONFLICT, reason: gateway.LoadAlreadyLoaded, item: "I0013", patron: "P0008",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				req := holdReq("I0013", "P0008")(t, w, svc)
				w.load(svc, "I0013")
				return req
			}},
		{name: "being loaded", code: gateway.ECONFLICT, reason: gateway.LoadBeingLoaded, item: "I0013", patron: "P0008",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				req := holdReq("I0013", "P0008")(t, w, svc)
				_, err := svc.Load(ctx(t), req)
				must(t, err)
				return req
			}},
		{name: "interlibrary loan already loaded", mode: illForward, code: gateway.ECONFLICT, reason: gateway.LoadAlreadyLoaded, title: "Borrowed ILL-L", patron: "P0001",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				accept(t, svc, illAccept("REQ-L", "ILL-L", "P0001"))
				w.load(svc, "ILL-L")
				return gateway.LoadRequest{Bank: bankID, Item: "ILL-L"}
			}},
		{name: "interlibrary loan at another bank", mode: illForward, code: gateway.ECONFLICT, reason: gateway.LoadWrongBank, title: "Borrowed ILL-W",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				a := illAccept("REQ-W", "ILL-W", "P0001")
				a.PickupLocation = "MAIN2"
				accept(t, svc, a)
				return gateway.LoadRequest{Bank: bankID, Item: "ILL-W"}
			}},
		{name: "no space after the checkin", code: gateway.ENOSPACE, item: "I0015", patron: "P0012",
			setup: func(t *testing.T, w *world, svc *gateway.Service) gateway.LoadRequest {
				for i, item := range []string{"I0016", "I0017"} {
					w.holdFor(item, []string{"P0011", "P0010"}[i])
					_, err := svc.Load(ctx(t), gateway.LoadRequest{Bank: bankID, Item: item, Size: "L"})
					must(t, err)
				}
				w.holdFor("I0015", "P0012")
				return gateway.LoadRequest{Bank: bankID, Item: "I0015", Size: "L"}
			}},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w, _, svc := illService(t, e.fresh(t), tt.mode, secondBank(t))
				req := tt.setup(t, w, svc)
				title, name := tt.title, ""
				if tt.item != "" {
					it, ok := w.lib.Item(tt.item)
					if !ok || it.Title == "" {
						t.Fatalf("the library has no title for %s", tt.item)
					}
					title = it.Title
				}
				if tt.patron != "" {
					p, ok := w.lib.Patron(tt.patron)
					if !ok || p.Name == "" {
						t.Fatalf("the library has no name for %s", tt.patron)
					}
					name = p.Name
				}
				res, err := svc.Load(ctx(t), req)
				wantCode(t, err, tt.code)
				if tt.reason == "" {
					if res == nil || res.Title != title || res.Patron != tt.patron || res.PatronName != name || res.Compartment != "" {
						t.Fatalf("result with %v: %+v, want title %q, patron %q (%q), no compartment", err, res, title, tt.patron, name)
					}
				} else {
					var lc *gateway.LoadConflict
					if !errors.As(err, &lc) || lc.Reason != tt.reason {
						t.Fatalf("conflict %+v, want reason %s (%v)", lc, tt.reason, err)
					}
					if lc.Title != title || lc.Patron != tt.patron || lc.PatronName != name {
						t.Fatalf("conflict knows title %q, patron %q (%q); want %q, %q (%q)", lc.Title, lc.Patron, lc.PatronName, title, tt.patron, name)
					}
				}
				if tt.patron != "" {
					for _, text := range []string{err.Error(), gateway.ErrorMessage(err)} {
						if strings.Contains(text, tt.patron) || strings.Contains(text, name) {
							t.Fatalf("the error's text names the patron: %q", text)
						}
					}
				}
			})
		}
	})
}
