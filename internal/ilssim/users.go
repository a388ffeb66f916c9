package ilssim

import (
	"context"
	"sort"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// patron is a request's patron, identified and authenticated.
type patron struct {
	sip2mem.Patron
	// pin is the PIN the request carried, "" if none; it was checked.
	pin string
}

// patron finds the patron of a request, by UserId or by the identifier
// among its AuthenticationInputs, and checks the PIN or password when one
// is given (an input of a type that is not an identifier). The PIN is
// compared, never echoed.
func (b *Backend) patron(id *ncip.UserID, auth []ncip.AuthenticationInput) (patron, error) {
	var barcode, pin string
	havePIN := false
	if id != nil {
		barcode = id.UserIdentifierValue
	}
	for _, a := range auth {
		if a.IsIdentifier() {
			if barcode == "" {
				barcode = a.AuthenticationInputData
			}
			continue
		}
		pin, havePIN = a.AuthenticationInputData, true
	}
	if barcode == "" {
		return patron{}, ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "UserId", "no user identifier: UserId or an AuthenticationInput of type Barcode Id")
	}
	p, ok := b.lib.Patron(barcode)
	if !ok {
		return patron{}, unknownUser(barcode)
	}
	if havePIN && !b.lib.CheckPIN(barcode, pin) {
		return patron{}, problem(ncip.ProblemTypeUserAuthenticationFailed, "AuthenticationInputData", "", "the credentials do not match")
	}
	return patron{Patron: p, pin: pin}, nil
}

// userRequest starts a service that acts for a patron: it waits until
// the library is up (see up), then finds and authenticates the patron
// (see patron).
func (b *Backend) userRequest(ctx context.Context, service string, id *ncip.UserID, auth []ncip.AuthenticationInput) (patron, error) {
	if err := b.up(ctx, service); err != nil {
		return patron{}, err
	}
	return b.patron(id, auth)
}

// blockTypes names a patron's blocks as NCIP BlockOrTrapType values.
func blockTypes(f sip2mem.PatronFlags) []string {
	var out []string
	if f&chargeBlocks != 0 || f&(sip2mem.TooManyCharged|sip2mem.TooManyOverdue) != 0 {
		out = append(out, "Block Check Out")
	}
	if f&(sip2mem.RenewalDenied|sip2mem.CardLost) != 0 {
		out = append(out, "Block Renewal")
	}
	if f&(sip2mem.HoldDenied|sip2mem.RecallDenied|sip2mem.CardLost) != 0 {
		out = append(out, "Block Request")
	}
	return out
}

// LookupUser implements ncip.LookupUserService: the patron's name,
// addresses and blocks as UserElementType asks, and the loans and holds
// when asked for. With a PIN among the AuthenticationInputs, a wrong one
// is "User Authentication Failed".
func (b *Backend) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	p, err := b.userRequest(ctx, "LookupUser", req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	sum, err := b.lib.Summary(p.ID)
	if err != nil {
		return nil, b.refusal(err, "LookupUser", p.ID, "")
	}
	resp := &ncip.LookupUserResponse{UserID: &ncip.UserID{UserIdentifierValue: p.ID}}
	opt := &ncip.UserOptionalFields{}
	for _, et := range req.UserElementType {
		switch {
		case et.Is("Name Information"):
			opt.NameInformation = &ncip.NameInformation{PersonalNameInformation: &ncip.PersonalNameInformation{UnstructuredPersonalUserName: p.Name}}
		case et.Is("Block Or Trap"):
			opt.BlockOrTrap = nil
			for _, t := range blockTypes(sum.Flags) {
				opt.BlockOrTrap = append(opt.BlockOrTrap, ncip.BlockOrTrap{AgencyID: ncip.SV(b.agency()), BlockOrTrapType: ncip.SV(t)})
			}
		case et.Is("User Address Information"):
			opt.UserAddressInformation = addresses(p.Patron)
		}
	}
	if opt.NameInformation != nil || opt.BlockOrTrap != nil || opt.UserAddressInformation != nil {
		resp.UserOptionalFields = opt
	}
	if req.LoanedItemsDesired {
		for _, ln := range sum.Loans {
			li := ncip.LoanedItem{ItemID: ncip.ItemID{ItemIdentifierValue: ln.ItemID}, DateDue: ncip.At(ln.Due)}
			if it, ok := b.lib.Item(ln.ItemID); ok {
				li.Title = it.Title
			}
			resp.LoanedItem = append(resp.LoanedItem, li)
		}
	}
	if req.RequestedItemsDesired {
		resp.RequestedItem = b.requestedItems(p.ID)
	}
	return resp, nil
}

// addresses are a patron's e-mail, phone and postal addresses.
func addresses(p sip2mem.Patron) []ncip.UserAddressInformation {
	var out []ncip.UserAddressInformation
	if p.Email != "" {
		out = append(out, ncip.UserAddressInformation{UserAddressRoleType: ncip.SV("Multi-Purpose"),
			ElectronicAddress: &ncip.ElectronicAddress{ElectronicAddressType: ncip.SV("mailto"), ElectronicAddressData: p.Email}})
	}
	if p.Phone != "" {
		out = append(out, ncip.UserAddressInformation{UserAddressRoleType: ncip.SV("Multi-Purpose"),
			ElectronicAddress: &ncip.ElectronicAddress{ElectronicAddressType: ncip.SV("tel"), ElectronicAddressData: p.Phone}})
	}
	if p.Address != "" {
		out = append(out, ncip.UserAddressInformation{UserAddressRoleType: ncip.SV("Home"),
			PhysicalAddress: &ncip.PhysicalAddress{PhysicalAddressType: ncip.SV("Postal Address"),
				UnstructuredAddress: &ncip.UnstructuredAddress{UnstructuredAddressType: ncip.SV("Newline-Delimited Text"), UnstructuredAddressData: p.Address}}})
	}
	return out
}

// requestedItems are a patron's holds, in request-id order.
func (b *Backend) requestedItems(patronID string) []ncip.RequestedItem {
	holds := b.lib.Holds()
	var out []ncip.RequestedItem
	for _, h := range holds {
		if h.PatronID != patronID {
			continue
		}
		ri := ncip.RequestedItem{
			RequestID:         &ncip.RequestID{RequestIdentifierValue: requestID(h)},
			RequestType:       ncip.SV("Hold"),
			RequestStatusType: ncip.SV(requestStatus(h)),
			DatePlaced:        ncip.At(h.Placed),
			PickupLocation:    optSV(h.PickupLocation),
			HoldQueuePosition: queuePosition(holds, h),
		}
		if h.Ready {
			ri.PickupExpiryDate = ncip.At(h.ShelfExpires)
		}
		if h.ItemID != "" {
			ri.ItemID = &ncip.ItemID{ItemIdentifierValue: h.ItemID}
			if it, ok := b.lib.Item(h.ItemID); ok {
				ri.Title = it.Title
			}
		}
		out = append(out, ri)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].RequestID.RequestIdentifierValue < out[j].RequestID.RequestIdentifierValue
	})
	return out
}

// requestStatus is a hold's RequestStatusType.
func requestStatus(h sip2mem.Hold) string {
	if h.Ready {
		return "Available For Pickup"
	}
	return "In Process"
}

// queuePosition is h's 1-based place among the holds on its title; holds
// is the library's queue (Library.Holds).
func queuePosition(holds []sip2mem.Hold, h sip2mem.Hold) int {
	n := 0
	for _, o := range holds {
		if o.TitleID == h.TitleID {
			n++
		}
		if o.ID == h.ID {
			return n
		}
	}
	return 0
}

// optSV is a SchemeValue of v, or the zero one (not written) for "".
func optSV(v string) ncip.SchemeValue {
	if v == "" {
		return ncip.SchemeValue{}
	}
	return ncip.SV(v)
}
