package gateway_test

// An interlibrary loan returned at a bank other than its request's own.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// otherReturnsBank is a bank (its own simulated driver, compartment 4 for
// returns) added to site, which is created with ILS ils when the
// configuration has no such site.
type otherReturnsBank struct {
	id, location string
	bank         *sim.Bank
}

const otherReturnsComp lockers.CompartmentID = "4"

func newOtherReturnsBank(t testing.TB, site, ils, id, location string) (*otherReturnsBank, func(*gateway.Config)) {
	t.Helper()
	d, err := lockers.Open(context.Background(), "sim:?compartments=4&sizes=S:2,M:2")
	if err != nil {
		t.Fatalf("open bank %s: %v", id, err)
	}
	t.Cleanup(func() { d.Close() })
	ob := &otherReturnsBank{id: id, location: location, bank: lockers.Unguard(d).(*sim.Bank)}
	return ob, func(c *gateway.Config) {
		bc := gateway.BankConfig{ID: id, Name: id + " lockers", Location: location, Driver: d, Returns: []lockers.CompartmentID{otherReturnsComp}}
		for i := range c.Sites {
			if c.Sites[i].ID == site {
				c.Sites[i].Banks = append(c.Sites[i].Banks, bc)
				return
			}
		}
		c.Sites = append(c.Sites, gateway.Site{ID: site, ILS: ils, PickupPeriod: 72 * time.Hour, Banks: []gateway.BankConfig{bc}})
	}
}

// state reads one of the bank's compartments' stored state.
func (ob *otherReturnsBank) state(t testing.TB, svc *gateway.Service, id lockers.CompartmentID) gateway.CompartmentState {
	t.Helper()
	banks, err := svc.Banks(context.Background())
	must(t, err)
	for _, b := range banks {
		for _, c := range b.Compartments {
			if b.Bank.ID == ob.id && c.ID == id {
				return c.State
			}
		}
	}
	t.Fatalf("compartment %s of bank %s not found", id, ob.id)
	return ""
}

// closeDoor closes one of the bank's doors and waits for the Service to
// apply it.
func (ob *otherReturnsBank) closeDoor(t testing.TB, svc *gateway.Service, id lockers.CompartmentID, want gateway.CompartmentState) {
	t.Helper()
	must(t, ob.bank.CloseDoor(id))
	eventually(t, fmt.Sprintf("compartment %s of %s to be %s", id, ob.id, want), func() bool {
		return ob.state(t, svc, id) == want
	})
}

// checkinsOf lists the checkins a recording ILS was sent for an item.
func checkinsOf(r *recordingILS, item string) []gateway.CheckinRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []gateway.CheckinRequest
	for _, c := range r.checkins {
		if c.Item == item {
			out = append(out, c)
		}
	}
	return out
}

// TestILLReturnAtAnotherBank: a patron returning an interlibrary loan at a
// bank other than the one it was lent from has it checked in at the
// returning bank's location, as a hold's return is, so that the ILS routes
// it from where it is. A bank of another site whose ILS is another one
// keeps the request's own location (the only one the ILL item's ILS knows
// from this loan), and the checkin still goes to the request's ILS. The
// ILL system's CheckInItem, at no bank, uses the request's bank location.
func TestILLReturnAtAnotherBank(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		cases := []struct {
			name, site, ils, bank, location string
			wantLocation, wantBank          string // the checkin's location; the bank its alerts name
		}{
			{"another bank of the site", "main", "", "ANNEX", "MAIN2", "MAIN2", "ANNEX"},
			{"a bank of another site sharing the ILS", "north", "main", "NORTH", "NORTH1", "NORTH1", "NORTH"},
			{"a bank of another site with another ILS", "east", "east", "EAST", "EAST1", sip2mem.DemoBranch, bankID},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ob, addBank := newOtherReturnsBank(t, tc.site, tc.ils, tc.bank, tc.location)
				var east *recordingILS
				w, dbl := illWorld(t, e.fresh(t), illForward, addBank, func(c *gateway.Config) {
					if tc.ils == "east" {
						c.ILS["east"] = east
					}
				})
				east = &recordingILS{ILS: w.ils.ILS}
				svc, _ := w.start("n1")
				c := ctx(t)
				const item, req, patron = "ILL-R2", "REQ-R2", "P0001"
				accept(t, svc, illAccept(req, item, patron))
				w.lendILL(svc, item, patron)

				ret, err := svc.Return(c, gateway.ReturnRequest{Bank: tc.bank, Item: item, Patron: patron})
				must(t, err)
				if ret.Compartment != otherReturnsComp {
					t.Fatalf("returned into %s of %s, want %s", ret.Compartment, tc.bank, otherReturnsComp)
				}
				ob.closeDoor(t, svc, ret.Compartment, gateway.CompReturnPending)
				must(t, svc.Flush(c))
				wantILL(t, svc, req, gateway.ILLReturned)
				ci := checkinsOf(w.ils, item)
				if len(ci) != 1 || ci[0].ILL != req || ci[0].Location != tc.wantLocation {
					t.Fatalf("checkins sent %+v, want one of %s at %s", ci, req, tc.wantLocation)
				}
				queued := outboxOfOp(t, svc, item, gateway.OpCheckin)
				if len(queued) != 1 || queued[0].Site != "main" || !strings.Contains(string(queued[0].Payload), `"bank":"`+tc.wantBank+`"`) {
					t.Fatalf("checkin queued %+v, want one for site main naming bank %s", queued, tc.wantBank)
				}
				if got := checkinsOf(east, item); len(got) != 0 {
					t.Fatalf("the other site's ILS was sent %+v", got)
				}
				if who := w.onLoanTo(item); who != "" {
					t.Fatalf("returned ILL item still on loan to %s", who)
				}
				if got, want := dbl.Calls(), []string{"accept:" + req, "checkout:" + item, "checkin:" + item}; !slices.Equal(got, want) {
					t.Fatalf("the ILS saw %s, want %s", callsString(got), callsString(want))
				}
			})
		}

		// The ILL system's CheckInItem: no bank took the item back.
		t.Run("CheckInItem", func(t *testing.T) {
			_, addBank := newOtherReturnsBank(t, "main", "", "ANNEX", "MAIN2")
			w, _ := illWorld(t, e.fresh(t), illForward, addBank)
			svc, _ := w.start("n1")
			c := ctx(t)
			accept(t, svc, illAccept("REQ-R3", "ILL-R3", "P0001"))
			w.lendILL(svc, "ILL-R3", "P0001")
			_, err := svc.CheckInILL(c, "ILL-R3", "ncip:ILLPARTNER")
			must(t, err)
			must(t, svc.Flush(c))
			if ci := checkinsOf(w.ils, "ILL-R3"); len(ci) != 1 || ci[0].Location != sip2mem.DemoBranch {
				t.Fatalf("checkins sent %+v, want one at %s", ci, sip2mem.DemoBranch)
			}
		})
	})
}
