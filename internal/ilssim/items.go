package ilssim

import (
	"context"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// circulationStatus maps the library's SIP2 circulation status to NCIP's
// CirculationStatus vocabulary.
var circulationStatus = map[string]string{
	sip2mem.StatusOther:          "Circulation Status Undefined",
	sip2mem.StatusOnOrder:        "On Order",
	sip2mem.StatusAvailable:      "Available On Shelf",
	sip2mem.StatusCharged:        "On Loan",
	sip2mem.StatusInProcess:      "In Process",
	sip2mem.StatusRecalled:       "Recalled",
	sip2mem.StatusOnHoldShelf:    "Available For Pickup",
	sip2mem.StatusReshelving:     "Waiting To Be Reshelved",
	sip2mem.StatusInTransit:      "In Transit Between Library Locations",
	sip2mem.StatusClaimsReturned: "Claimed Returned Or Never Borrowed",
	sip2mem.StatusLost:           "Lost",
	sip2mem.StatusMissing:        "Missing",
}

func itemRef(id string) *ncip.ItemID { return &ncip.ItemID{ItemIdentifierValue: id} }
func userRef(id string) *ncip.UserID { return &ncip.UserID{UserIdentifierValue: id} }

// location is a one-level NCIP Location.
func location(typ, name string) ncip.Location {
	return ncip.Location{LocationType: ncip.SV(typ), LocationName: ncip.LocationName{LocationNameInstance: []ncip.LocationNameInstance{{LocationNameLevel: 1, LocationNameValue: name}}}}
}

// LookupItem implements ncip.LookupItemService, by ItemId or by the
// RequestId of a hold: the title, circulation status, hold queue, call
// number, locations and, on loan, the due date; the borrower and the
// requesters when asked for.
func (b *Backend) LookupItem(ctx context.Context, req *ncip.LookupItem) (*ncip.LookupItemResponse, error) {
	if err := b.up(ctx, "LookupItem"); err != nil {
		return nil, err
	}
	resp := &ncip.LookupItemResponse{}
	id := ""
	if req.ItemID != nil && req.ItemID.ItemIdentifierValue != "" {
		id = req.ItemID.ItemIdentifierValue
	} else {
		rid := req.RequestID.RequestIdentifierValue
		h, ok := b.hold(rid)
		if !ok {
			return nil, unknownRequest(rid)
		}
		resp.RequestID = &ncip.RequestID{RequestIdentifierValue: rid}
		if h.ItemID == "" { // a title-level hold no copy has filled yet
			return resp, nil
		}
		id = h.ItemID
	}
	info, err := b.lib.ItemInfo(id)
	if err != nil {
		return nil, b.refusal(err, "LookupItem", "", id)
	}
	it := info.Item
	resp.ItemID = itemRef(it.ID)
	status, ok := circulationStatus[it.Status]
	if !ok {
		status = "Circulation Status Undefined"
	}
	opt := &ncip.ItemOptionalFields{
		BibliographicDescription: &ncip.BibliographicDescription{Title: it.Title},
		CirculationStatus:        ncip.SV(status),
		HoldQueueLength:          info.HoldQueue,
	}
	if it.CallNumber != "" {
		opt.ItemDescription = &ncip.ItemDescription{CallNumber: it.CallNumber}
	}
	if it.CurrentLocation != "" {
		opt.Location = append(opt.Location, location("Current Location", it.CurrentLocation))
	}
	if it.PermanentLocation != "" {
		opt.Location = append(opt.Location, location("Permanent Location", it.PermanentLocation))
	}
	if info.Loan != nil {
		opt.DateDue = ncip.At(info.Loan.Due)
	}
	resp.ItemOptionalFields = opt
	if !info.HoldPickup.IsZero() {
		resp.HoldPickupDate = ncip.At(info.HoldPickup)
	}
	var tx ncip.ItemTransaction
	if req.CurrentBorrowerDesired && info.Loan != nil {
		tx.CurrentBorrower = &ncip.UserRef{UserID: *userRef(info.Loan.PatronID)}
	}
	if req.CurrentRequestersDesired {
		for _, h := range b.lib.Holds() {
			if h.ItemID == it.ID || (h.ItemID == "" && h.TitleID == it.TitleID) {
				tx.CurrentRequester = append(tx.CurrentRequester, ncip.UserRef{UserID: *userRef(h.PatronID)})
			}
		}
	}
	if tx.CurrentBorrower != nil || tx.CurrentRequester != nil {
		resp.ItemTransaction = &tx
	}
	return resp, nil
}

// AcceptItem implements ncip.AcceptItemService: the temporary ILL item
// and the user's hold (see the package documentation). The answer names
// the RequestId and the item's barcode.
func (b *Backend) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	if err := b.up(ctx, "AcceptItem"); err != nil {
		return nil, err
	}
	in := sip2mem.ILLItem{
		RequestID:      req.RequestID.RequestIdentifierValue,
		PickupLocation: req.PickupLocation.Value,
		PickupExpires:  req.PickupExpiryDate.Time,
	}
	if req.ItemID != nil {
		in.ItemID = req.ItemID.ItemIdentifierValue
	}
	if f := req.ItemOptionalFields; f != nil && f.BibliographicDescription != nil {
		in.Title = f.BibliographicDescription.Title
	}
	if req.UserID != nil {
		in.PatronID = req.UserID.UserIdentifierValue
		if in.PatronID == "" {
			return nil, ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "UserIdentifierValue", "the UserId is empty")
		}
	}
	res, err := b.lib.AddILLItem(in)
	if err != nil {
		item := in.ItemID
		if item == "" {
			item = in.RequestID
		}
		return nil, b.refusal(err, "AcceptItem", in.PatronID, item)
	}
	return &ncip.AcceptItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: in.RequestID}, ItemID: itemRef(res.Item.ID)}, nil
}

// DeleteItem implements ncip.DeleteItemService: the item and its holds go;
// an item on loan is refused. A repeat answers Unknown Item (see the
// package documentation).
func (b *Backend) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	if err := b.up(ctx, "DeleteItem"); err != nil {
		return nil, err
	}
	id := req.ItemID.ItemIdentifierValue
	if err := b.lib.RemoveItem(id); err != nil {
		return nil, b.refusal(err, "DeleteItem", "", id)
	}
	return &ncip.DeleteItemResponse{ItemID: itemRef(id)}, nil
}

// CheckOutItem implements ncip.CheckOutItemService through the library's
// checkout, so that SIP2 and NCIP loans are one: the patron's hold on the
// item is filled, blocks and limits apply. The same patron again gets the
// existing loan back.
func (b *Backend) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	p, err := b.userRequest(ctx, "CheckOutItem", req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	id := req.ItemID.ItemIdentifierValue
	res, err := b.lib.CheckoutUntil(p.ID, id, p.pin, req.DesiredDateDue.Time)
	if err != nil {
		// A re-send: the loan exists already, to this patron.
		if info, ierr := b.lib.ItemInfo(id); ierr == nil && info.Loan != nil && info.Loan.PatronID == p.ID {
			return b.checkoutResponse(*info.Loan, req.ItemElementType), nil
		}
		return nil, b.refusal(err, "CheckOutItem", p.ID, id)
	}
	return b.checkoutResponse(res.Loan, req.ItemElementType), nil
}

func (b *Backend) checkoutResponse(ln sip2mem.Loan, elements []ncip.SchemeValue) *ncip.CheckOutItemResponse {
	return &ncip.CheckOutItemResponse{ItemID: itemRef(ln.ItemID), UserID: userRef(ln.PatronID), DateDue: ncip.At(ln.Due), RenewalCount: ln.Renewals,
		ItemOptionalFields: b.itemFields(ln.ItemID, elements)}
}

// itemFields are the ItemOptionalFields a circulation service's
// ItemElementType asks for (Bibliographic Description, Circulation
// Status), or nil when it asks for none of them.
func (b *Backend) itemFields(itemID string, elements []ncip.SchemeValue) *ncip.ItemOptionalFields {
	var f *ncip.ItemOptionalFields
	for _, et := range elements {
		bib, circ := et.Is("Bibliographic Description"), et.Is("Circulation Status")
		if !bib && !circ {
			continue
		}
		it, ok := b.lib.Item(itemID)
		if !ok {
			return nil
		}
		if f == nil {
			f = &ncip.ItemOptionalFields{}
		}
		if bib {
			f.BibliographicDescription = &ncip.BibliographicDescription{Title: it.Title}
		} else if s, ok := circulationStatus[it.Status]; ok {
			f.CirculationStatus = ncip.SV(s)
		}
	}
	return f
}

// CheckInItem implements ncip.CheckInItemService: the loan ends (fines and
// hold traps as for a SIP2 checkin, at the item's current location), and
// the answer routes the item to the next hold or home. An item not on
// loan succeeds with nothing changed.
func (b *Backend) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	if err := b.up(ctx, "CheckInItem"); err != nil {
		return nil, err
	}
	id := req.ItemID.ItemIdentifierValue
	res, err := b.lib.ReturnLoan(id, "")
	if err != nil {
		return nil, b.refusal(err, "CheckInItem", "", id)
	}
	resp := &ncip.CheckInItemResponse{ItemID: itemRef(id), ItemOptionalFields: b.itemFields(id, req.ItemElementType)}
	if res.WasOnLoan {
		resp.UserID = userRef(res.PatronID)
	}
	if res.Alert && res.Route != "" {
		ri := &ncip.RoutingInformation{Destination: ncip.Destination{}}
		loc := location("Pickup Location", res.Route)
		ri.Destination.Location = &loc
		switch res.AlertType {
		case sip2mem.AlertHoldHere:
			ri.RoutingInstructions = "Hold shelf at " + res.Route
		case sip2mem.AlertHoldTransit:
			ri.RoutingInstructions = "Hold: send to " + res.Route
		default:
			ri.RoutingInstructions = "Send home to " + res.Route
			ri.Destination.Location.LocationType = ncip.SV("Permanent Location")
		}
		if res.Hold != nil {
			ri.RequestType = ncip.SV("Hold")
			ri.UserID = userRef(res.Hold.PatronID)
		}
		resp.RoutingInformation = ri
	}
	return resp, nil
}

// RenewItem implements ncip.RenewItemService through the library's
// renewal: limits, blocks and other patrons' holds apply.
func (b *Backend) RenewItem(ctx context.Context, req *ncip.RenewItem) (*ncip.RenewItemResponse, error) {
	p, err := b.userRequest(ctx, "RenewItem", req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	id := req.ItemID.ItemIdentifierValue
	res, err := b.lib.Renew(p.ID, id, p.pin)
	if err != nil {
		return nil, b.refusal(err, "RenewItem", p.ID, id)
	}
	return &ncip.RenewItemResponse{ItemID: itemRef(id), UserID: userRef(p.ID), DateDue: ncip.At(res.Loan.Due), RenewalCount: res.Loan.Renewals}, nil
}

// hold finds a hold by its NCIP RequestId.
func (b *Backend) hold(rid string) (sip2mem.Hold, bool) {
	if rid == "" {
		return sip2mem.Hold{}, false
	}
	for _, h := range b.lib.Holds() {
		if requestID(h) == rid {
			return h, true
		}
	}
	return sip2mem.Hold{}, false
}
