package ilssim

import (
	"context"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// RequestItem implements ncip.RequestItemService: a hold on the first
// ItemId (copy level) or, without one, on the title named by a
// BibliographicRecordId (the library's title ids are its items' barcodes).
// The RequestId given becomes the hold's; without one the hold is named
// "H" and its number. A RequestId in use, or a second hold of the patron
// on the title, is "Duplicate Request".
func (b *Backend) RequestItem(ctx context.Context, req *ncip.RequestItem) (*ncip.RequestItemResponse, error) {
	p, err := b.userRequest(ctx, "RequestItem", req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	h := sip2mem.Hold{PatronID: p.ID, PickupLocation: req.PickupLocation.Value, Expires: req.PickupExpiryDate.Time}
	switch {
	case len(req.ItemID) > 0 && req.ItemID[0].ItemIdentifierValue != "":
		h.ItemID = req.ItemID[0].ItemIdentifierValue
	default:
		for _, bib := range req.BibliographicID {
			if r := bib.BibliographicRecordID; r != nil && r.BibliographicRecordIdentifier != "" {
				h.TitleID = r.BibliographicRecordIdentifier
				break
			}
		}
		if h.TitleID == "" {
			return nil, ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "ItemId", "an ItemId, or a BibliographicRecordId naming a title, must be provided")
		}
	}
	if req.RequestID != nil && req.RequestID.RequestIdentifierValue != "" {
		h.RequestID = req.RequestID.RequestIdentifierValue
		// The generated names (H3) are taken too.
		if _, taken := b.hold(h.RequestID); taken {
			return nil, b.refusal(sip2mem.ErrDuplicateRequest, "RequestItem", p.ID, h.ItemID)
		}
	}
	placed, _, err := b.lib.PlaceHold(h)
	if err != nil {
		return nil, b.refusal(err, "RequestItem", p.ID, h.ItemID)
	}
	typ, scope := req.RequestType, req.RequestScopeType
	if typ.IsZero() {
		typ = ncip.SV("Hold")
	}
	if scope.IsZero() {
		scope = ncip.SV("Item")
		if placed.ItemID == "" {
			scope = ncip.SV("Bibliographic Item")
		}
	}
	resp := &ncip.RequestItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: requestID(placed)}, UserID: userRef(p.ID), RequestType: typ, RequestScopeType: scope}
	if placed.ItemID != "" {
		resp.ItemID = itemRef(placed.ItemID)
	}
	return resp, nil
}

// CancelRequestItem implements ncip.CancelRequestItemService: the user's
// hold named by RequestId, or else the user's hold on the item (or its
// title), is cancelled. A hold of another user, or none, is "Unknown
// Request"; so is a repeat (see the package documentation).
func (b *Backend) CancelRequestItem(ctx context.Context, req *ncip.CancelRequestItem) (*ncip.CancelRequestItemResponse, error) {
	p, err := b.userRequest(ctx, "CancelRequestItem", req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	h, rid, ok := b.holdOf(p.ID, req.RequestID, req.ItemID)
	if !ok {
		return nil, unknownRequest(rid)
	}
	if err := b.lib.CancelHold(p.ID, h.ItemID, h.TitleID); err != nil {
		if r, ok := err.(*sip2mem.Refusal); ok && r.Msg == "No such hold" { // cancelled meanwhile
			return nil, unknownRequest(rid)
		}
		return nil, b.refusal(err, "CancelRequestItem", p.ID, h.ItemID)
	}
	resp := &ncip.CancelRequestItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: requestID(h)}, UserID: userRef(p.ID)}
	if h.ItemID != "" {
		resp.ItemID = itemRef(h.ItemID)
	}
	return resp, nil
}

// holdOf finds the patron's hold named by rid, else the patron's hold on
// item (copy or title). It also returns the request id to name in an
// Unknown Request Problem.
func (b *Backend) holdOf(patronID string, rid *ncip.RequestID, item *ncip.ItemID) (sip2mem.Hold, string, bool) {
	if rid != nil && rid.RequestIdentifierValue != "" {
		h, ok := b.hold(rid.RequestIdentifierValue)
		return h, rid.RequestIdentifierValue, ok && h.PatronID == patronID
	}
	if item == nil || item.ItemIdentifierValue == "" {
		return sip2mem.Hold{}, "", false
	}
	title := item.ItemIdentifierValue
	if it, ok := b.lib.Item(item.ItemIdentifierValue); ok {
		title = it.TitleID
	}
	for _, h := range b.lib.Holds() {
		if h.PatronID == patronID && (h.ItemID == item.ItemIdentifierValue || (h.ItemID == "" && h.TitleID == title)) {
			return h, requestID(h), true
		}
	}
	return sip2mem.Hold{}, "", false
}

// LookupRequest implements ncip.LookupRequestService: a hold, by RequestId
// or by user and item.
func (b *Backend) LookupRequest(ctx context.Context, req *ncip.LookupRequest) (*ncip.LookupRequestResponse, error) {
	if err := b.up(ctx, "LookupRequest"); err != nil {
		return nil, err
	}
	var (
		h   sip2mem.Hold
		rid string
		ok  bool
	)
	if req.RequestID != nil && req.RequestID.RequestIdentifierValue != "" {
		rid = req.RequestID.RequestIdentifierValue
		h, ok = b.hold(rid)
	} else {
		p, err := b.patron(req.UserID, req.AuthenticationInput)
		if err != nil {
			return nil, err
		}
		h, rid, ok = b.holdOf(p.ID, nil, req.ItemID)
	}
	if !ok {
		return nil, unknownRequest(rid)
	}
	holds := b.lib.Holds()
	resp := &ncip.LookupRequestResponse{
		RequestID:         &ncip.RequestID{RequestIdentifierValue: requestID(h)},
		UserID:            userRef(h.PatronID),
		RequestType:       ncip.SV("Hold"),
		RequestStatusType: ncip.SV(requestStatus(h)),
		HoldQueuePosition: queuePosition(holds, h),
		PickupLocation:    optSV(h.PickupLocation),
		DateOfUserRequest: ncip.At(h.Placed),
	}
	if h.ItemID != "" {
		resp.ItemID = itemRef(h.ItemID)
		resp.RequestScopeType = ncip.SV("Item")
	} else {
		resp.RequestScopeType = ncip.SV("Bibliographic Item")
	}
	if h.Ready {
		resp.PickupExpiryDate = ncip.At(h.ShelfExpires)
	} else if !h.Expires.IsZero() {
		resp.PickupExpiryDate = ncip.At(h.Expires)
	}
	return resp, nil
}

// LookupAgency implements ncip.LookupAgencyService for the library's own
// agency (its SIP2 institution id); any other is "Unknown Agency".
func (b *Backend) LookupAgency(ctx context.Context, req *ncip.LookupAgency) (*ncip.LookupAgencyResponse, error) {
	if err := b.up(ctx, "LookupAgency"); err != nil {
		return nil, err
	}
	if !req.AgencyID.Is(b.agency()) {
		return nil, problem(ncip.ProblemTypeUnknownAgency, "AgencyId", req.AgencyID.Value, "this responder is agency "+b.agency())
	}
	return &ncip.LookupAgencyResponse{
		AgencyID:                    ncip.SV(b.agency()),
		OrganizationNameInformation: []ncip.OrganizationNameInformation{{OrganizationNameType: ncip.SV("Formal"), OrganizationName: "lockergate simulated library"}},
	}, nil
}
