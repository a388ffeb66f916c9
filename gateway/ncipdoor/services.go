package ncipdoor

// services.go: the services the gateway answers itself.

import (
	"context"
	"errors"
	"strings"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/ncip"
)

// holdForPickup is the RequestedActionType (after the partner's
// vocabulary) of an AcceptItem that may land in a locker.
const holdForPickup = "Hold For Pickup"

// acceptItem creates the awaited locker reservation of an ILL item, or
// passes the AcceptItem through when it is not for a locker.
func (c *call) acceptItem(ctx context.Context, in *ncip.AcceptItem) *ncip.Message {
	requestID := strings.TrimSpace(in.RequestID.RequestIdentifierValue)
	if requestID == "" {
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "RequestId", "AcceptItem needs a RequestId"))
	}
	action := c.p.value("RequestedActionType", in.RequestedActionType.Value)
	if action == "" {
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "RequestedActionType", "AcceptItem needs a RequestedActionType"))
	}
	if !strings.EqualFold(action, holdForPickup) {
		p := ncip.NewProblem(ncip.ProblemTypeCannotAcceptItem, "RequestedActionType",
			"only "+holdForPickup+" into a locker is handled here, and there is no library system to pass this AcceptItem to")
		p.Value = clip(strings.TrimSpace(in.RequestedActionType.Value), 100)
		return c.passThrough(ctx, p)
	}
	sentLocation := strings.TrimSpace(in.PickupLocation.Value)
	if sentLocation == "" {
		return c.passThrough(ctx, ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "PickupLocation",
			"AcceptItem needs a PickupLocation naming a locker bank here, as there is no library system to pass it to"))
	}
	location := c.p.pickupLocation(c.p.value("PickupLocation", sentLocation))
	item, itemIsRequest := requestID, true
	if c.p.ItemID == ItemIDItem && in.ItemID != nil && strings.TrimSpace(in.ItemID.ItemIdentifierValue) != "" {
		item, itemIsRequest = strings.TrimSpace(in.ItemID.ItemIdentifierValue), false
	}
	acc := gateway.ILLAccept{
		RequestID:      requestID,
		Partner:        c.p.Agency,
		PickupLocation: location,
		Item:           item,
		Due:            c.p.date(c.body, "DateForReturn", in.DateForReturn),
		PickupExpires:  c.p.date(c.body, "PickupExpiryDate", in.PickupExpiryDate),
		PatronName:     patronName(in.UserOptionalFields),
		Actor:          c.actor(),
	}
	if in.UserID != nil {
		acc.Patron = strings.TrimSpace(in.UserID.UserIdentifierValue)
	}
	if f := in.ItemOptionalFields; f != nil && f.BibliographicDescription != nil {
		acc.Title = strings.TrimSpace(f.BibliographicDescription.Title)
	}
	ill, created, err := c.r.gw.AcceptILL(ctx, acc)
	log := c.log.WithFields(map[string]any{"request": requestID, "pickup_location": sentLocation})
	switch gateway.ErrorCode(err) {
	case "":
	case gateway.ENOTFOUND:
		p := ncip.NewProblem(ncip.ProblemTypeCannotAcceptItem, "PickupLocation",
			"pickup location "+clip(sentLocation, 100)+" is not a locker bank, and there is no library system to pass this AcceptItem to")
		p.Value = clip(sentLocation, 100)
		return c.passThrough(ctx, p)
	case gateway.ECONFLICT:
		// The gateway's message may name another partner's request or a
		// reservation: it goes to the log, and the partner gets a detail
		// about its own request only.
		log.WithError(c.redactErr(err)).Info("ncip: AcceptItem refused: conflicts with what the gateway holds")
		if _, gerr := c.r.gw.ILLRequest(ctx, requestID); gerr == nil {
			return c.fail(ncip.NewProblem(ncip.ProblemTypeDuplicateRequest, "RequestId",
				"request "+clip(requestID, 100)+" is already held here with another item or patron"))
		}
		return c.fail(ncip.NewProblem(ncip.ProblemTypeDuplicateItem, "ItemId",
			"item "+clip(item, 100)+" is already held here for another request"))
	default:
		return c.fail(c.gatewayProblem(err, func(err error) string {
			return acceptItemElement(gateway.ErrorField(err), itemIsRequest)
		}, ncip.ProblemTypeCannotAcceptItem))
	}
	if ill == nil {
		return c.fail(c.gatewayProblem(errors.New("AcceptILL returned no request"), nil, ""))
	}
	log.WithFields(map[string]any{"item": ill.Item, "bank": ill.Bank, "created": created}).Info("ncip: AcceptItem: ILL item awaited at a locker bank")
	rid := in.RequestID
	rid.RequestIdentifierValue = ill.ID
	return c.respond(&ncip.AcceptItemResponse{RequestID: &rid, ItemID: itemID(in.ItemID, ill.Item)})
}

// acceptItemElement names the AcceptItem element that the input a
// gateway EINVALID names (gateway.Error.Field) came from. The item is the
// RequestId when the request id was taken for it (itemIsRequest).
func acceptItemElement(field string, itemIsRequest bool) string {
	switch field {
	case gateway.FieldRequest:
		return "RequestId"
	case gateway.FieldItem:
		if itemIsRequest {
			return "RequestId"
		}
		return "ItemId"
	case gateway.FieldPatron:
		return "UserId"
	case gateway.FieldPatronName:
		return "UserOptionalFields"
	case gateway.FieldTitle:
		return "ItemOptionalFields"
	case gateway.FieldPickupLocation:
		return "PickupLocation"
	case gateway.FieldPartner:
		return "FromAgencyId"
	}
	return "AcceptItem"
}

// patronName reads the patron's name from an AcceptItem's
// UserOptionalFields: the structured name if there is one, else the
// unstructured one.
func patronName(f *ncip.UserOptionalFields) string {
	if f == nil || f.NameInformation == nil || f.NameInformation.PersonalNameInformation == nil {
		return ""
	}
	pn := f.NameInformation.PersonalNameInformation
	if s := pn.StructuredPersonalUserName; s != nil {
		var parts []string
		for _, x := range []string{s.Prefix, s.GivenName, s.Initials, s.Surname, s.Suffix} {
			if x = strings.TrimSpace(x); x != "" {
				parts = append(parts, x)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, " ")
		}
	}
	return strings.TrimSpace(pn.UnstructuredPersonalUserName)
}

// itemID returns the ItemId to answer for item: the request's own ItemId
// (its agency and identifier type) when it names the same item, else a
// bare one.
func itemID(sent *ncip.ItemID, item string) *ncip.ItemID {
	if sent != nil && strings.TrimSpace(sent.ItemIdentifierValue) == item {
		id := *sent
		id.ItemIdentifierValue = item
		return &id
	}
	return &ncip.ItemID{ItemIdentifierValue: item}
}

// userID returns the UserId to answer for patron: the request's own
// UserId when it names the same patron, else a bare one.
func userID(sent *ncip.UserID, patron string) *ncip.UserID {
	if sent != nil && strings.TrimSpace(sent.UserIdentifierValue) == patron {
		id := *sent
		id.UserIdentifierValue = patron
		return &id
	}
	return &ncip.UserID{UserIdentifierValue: patron}
}

// ours reports whether the ILL request belongs to the calling partner;
// another partner's request is answered as unknown, with a log line.
func (c *call) ours(ill *gateway.ILLRequest) bool {
	if strings.EqualFold(strings.TrimSpace(ill.Partner), c.p.Agency) {
		return true
	}
	c.log.WithFields(map[string]any{"request": ill.ID, "owner": ill.Partner}).Warn("ncip: request refused: the ILL request belongs to another partner")
	return false
}

// itemFor returns the ILL request holding item, the message to answer
// when there is nothing for the gateway to do (nil, nil: pass through),
// or the answer itself.
func (c *call) itemFor(ctx context.Context, item string) (*gateway.ILLRequest, *ncip.Message) {
	ill, err := c.r.gw.ILLRequestForItem(ctx, item)
	switch gateway.ErrorCode(err) {
	case "":
	case gateway.ENOTFOUND:
		return nil, nil
	default:
		return nil, c.fail(c.gatewayProblem(err, nil, ""))
	}
	if ill == nil {
		return nil, nil
	}
	if !c.ours(ill) {
		return nil, c.fail(unknownItem(item))
	}
	return ill, nil
}

func unknownItem(item string) *ncip.Problem {
	p := ncip.NewProblem(ncip.ProblemTypeUnknownItem, "ItemId", "no item "+clip(item, 100)+" is known here")
	p.Value = clip(item, 100)
	return p
}

func unknownRequest(id string) *ncip.Problem {
	p := ncip.NewProblem(ncip.ProblemTypeUnknownRequest, "RequestId", "no request "+clip(id, 100)+" is known here")
	p.Value = clip(id, 100)
	return p
}

// cancelRequestItem cancels an ILL request the gateway holds, or passes
// the CancelRequestItem through.
func (c *call) cancelRequestItem(ctx context.Context, in *ncip.CancelRequestItem) *ncip.Message {
	var (
		ill *gateway.ILLRequest
		err error
		key string
	)
	switch {
	case in.RequestID != nil && strings.TrimSpace(in.RequestID.RequestIdentifierValue) != "":
		key = strings.TrimSpace(in.RequestID.RequestIdentifierValue)
		ill, err = c.r.gw.ILLRequest(ctx, key)
	case in.ItemID != nil && strings.TrimSpace(in.ItemID.ItemIdentifierValue) != "":
		key = strings.TrimSpace(in.ItemID.ItemIdentifierValue)
		ill, err = c.r.gw.ILLRequestForItem(ctx, key)
	default:
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "RequestId", "CancelRequestItem needs a RequestId or an ItemId"))
	}
	notFound := func() *ncip.Message {
		if in.RequestID != nil && strings.TrimSpace(in.RequestID.RequestIdentifierValue) != "" {
			return c.passThrough(ctx, unknownRequest(key))
		}
		return c.passThrough(ctx, unknownItem(key))
	}
	switch gateway.ErrorCode(err) {
	case "":
	case gateway.ENOTFOUND:
		return notFound()
	default:
		return c.fail(c.gatewayProblem(err, nil, ""))
	}
	if ill == nil {
		return notFound()
	}
	if !c.ours(ill) {
		return c.fail(unknownRequest(key))
	}
	res, err := c.r.gw.CancelILL(ctx, ill.ID, c.actor())
	switch gateway.ErrorCode(err) {
	case "":
	case gateway.ENOTFOUND:
		return notFound()
	case gateway.ECONFLICT:
		c.log.WithField("request", ill.ID).WithError(c.redactErr(err)).Info("ncip: CancelRequestItem refused")
		return c.fail(ncip.NewProblem(ncip.ProblemTypeRequestAlreadyProcessed, "RequestId", gateway.ErrorMessage(err)))
	default:
		return c.fail(c.gatewayProblem(err, func(error) string { return "RequestId" }, ""))
	}
	if res == nil {
		res = ill
	}
	c.log.WithFields(map[string]any{"request": res.ID, "item": res.Item, "state": res.State}).Info("ncip: CancelRequestItem: ILL request cancelled")
	rid := ncip.RequestID{RequestIdentifierValue: res.ID}
	if in.RequestID != nil {
		rid = *in.RequestID
		rid.RequestIdentifierValue = res.ID
	}
	return c.respond(&ncip.CancelRequestItemResponse{RequestID: &rid, ItemID: itemID(in.ItemID, res.Item), UserID: userID(in.UserID, res.Patron)})
}

// checkInItem checks an ILL item in (the ILL system says the patron
// returned it), or passes the CheckInItem through.
func (c *call) checkInItem(ctx context.Context, in *ncip.CheckInItem) *ncip.Message {
	item := strings.TrimSpace(in.ItemID.ItemIdentifierValue)
	if item == "" {
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "ItemId", "CheckInItem needs an ItemId"))
	}
	res, answer := c.itemAction(ctx, item, c.r.gw.CheckInILL)
	if answer != nil {
		return answer
	}
	log := c.log.WithFields(map[string]any{"request": res.ID, "item": item, "state": res.State})
	if res.State != gateway.ILLReturned && c.p.StrictCheckIn {
		log.Info("ncip: CheckInItem of an item never collected refused (strict check-in)")
		p := ncip.NewProblem(ncip.ProblemTypeItemNotCheckedOut, "ItemId", "item "+clip(item, 100)+" was never collected by its patron ("+string(res.State)+")")
		p.Value = clip(item, 100)
		return c.fail(p)
	}
	log.Info("ncip: CheckInItem of an ILL item")
	resp := &ncip.CheckInItemResponse{ItemID: itemID(&in.ItemID, item)}
	if res.Patron != "" {
		resp.UserID = &ncip.UserID{UserIdentifierValue: res.Patron}
	}
	return c.respond(resp)
}

// deleteItem deletes an ILL item (the ILL system is done with it), or
// passes the DeleteItem through.
func (c *call) deleteItem(ctx context.Context, in *ncip.DeleteItem) *ncip.Message {
	item := strings.TrimSpace(in.ItemID.ItemIdentifierValue)
	if item == "" {
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "ItemId", "DeleteItem needs an ItemId"))
	}
	res, answer := c.itemAction(ctx, item, c.r.gw.DeleteILL)
	if answer != nil {
		return answer
	}
	c.log.WithFields(map[string]any{"request": res.ID, "item": item, "state": res.State}).Info("ncip: DeleteItem of an ILL item")
	return c.respond(&ncip.DeleteItemResponse{ItemID: itemID(&in.ItemID, item)})
}

// itemAction runs a gateway action on an item (CheckInILL, DeleteILL)
// and returns the request it acted on, or the answer to give instead. The
// action is called even when no active request holds the item: the
// gateway also finds the item's last, finished request, so that a
// repeated message succeeds (a DeleteItem sent again, a CheckInItem after
// the DeleteItem). When the gateway holds nothing for the item (ENOTFOUND,
// or EINVALID for an id it could never have taken), the message is passed
// through.
func (c *call) itemAction(ctx context.Context, item string, action func(ctx context.Context, item, actor string) (*gateway.ILLRequest, error)) (*gateway.ILLRequest, *ncip.Message) {
	active, answer := c.itemFor(ctx, item)
	if answer != nil {
		return nil, answer
	}
	if active == nil {
		// The action then finds the item's last, finished request (a
		// DeleteItem after a CancelRequestItem deletes it, and the ILS's
		// temporary item): it must be this partner's before anything
		// changes, not only in the answer.
		rs, err := c.r.gw.ILLRequests(ctx, gateway.ILLFilter{Item: item})
		if err != nil {
			return nil, c.fail(c.gatewayProblem(err, nil, ""))
		}
		if len(rs) > 0 && !c.ours(&rs[len(rs)-1]) {
			return nil, c.fail(unknownItem(item))
		}
	}
	res, err := action(ctx, item, c.actor())
	switch code := gateway.ErrorCode(err); {
	case code == "" && res != nil:
	case code == "" || code == gateway.ENOTFOUND || (code == gateway.EINVALID && active == nil):
		return nil, c.passThrough(ctx, unknownItem(item))
	default:
		return nil, c.fail(c.gatewayProblem(err, itemElement, ""))
	}
	if !c.ours(res) {
		return nil, c.fail(unknownItem(item))
	}
	return res, nil
}

// itemElement is the element of an item service that a gateway EINVALID
// is about.
func itemElement(error) string { return "ItemId" }

// checkOutItem answers a CheckOutItem of an ILL item from the loan's
// state: the patron checks out at the locker, so the ILL system is told
// the loan once the patron has collected, and told to wait before.
func (c *call) checkOutItem(ctx context.Context, in *ncip.CheckOutItem) *ncip.Message {
	item := strings.TrimSpace(in.ItemID.ItemIdentifierValue)
	if item == "" {
		return c.fail(ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "ItemId", "CheckOutItem needs an ItemId"))
	}
	ill, answer := c.itemFor(ctx, item)
	if answer != nil {
		return answer
	}
	if ill == nil {
		return c.passThrough(ctx, unknownItem(item))
	}
	log := c.log.WithFields(map[string]any{"request": ill.ID, "item": item, "state": ill.State})
	var detail string
	switch ill.State {
	case gateway.ILLCollected, gateway.ILLReturned:
		if in.UserID != nil {
			if u := strings.TrimSpace(in.UserID.UserIdentifierValue); u != "" && !strings.EqualFold(u, ill.Patron) {
				log.Info("ncip: CheckOutItem to another patron than the ILL request's refused")
				return c.fail(ncip.NewProblem(ncip.ProblemTypeUserIneligibleToCheckOutThisItem, "UserId",
					"item "+clip(item, 100)+" is an interlibrary loan for another patron"))
			}
		}
		log.Info("ncip: CheckOutItem of a collected ILL item: answered with the loan")
		resp := &ncip.CheckOutItemResponse{ItemID: itemID(&in.ItemID, item), UserID: userID(in.UserID, ill.Patron)}
		if ill.Due.IsZero() {
			resp.IndeterminateLoanPeriodFlag = true
		} else {
			resp.DateDue = ncip.At(ill.Due)
		}
		return c.respond(resp)
	case gateway.ILLAwaited:
		detail = "item " + clip(item, 100) + " is on its way to a locker, where its patron will check it out"
	case gateway.ILLArrived:
		detail = "item " + clip(item, 100) + " waits in a locker for its patron, who checks it out there"
	default:
		detail = "item " + clip(item, 100) + " was withdrawn from its locker (" + string(ill.State) + ") and cannot be checked out"
	}
	log.Info("ncip: CheckOutItem of an ILL item not collected refused")
	return c.fail(ncip.NewProblem(ncip.ProblemTypeResourceCannotBeProvided, "ItemId", detail))
}

// gatewayProblem turns a gateway error into a Problem: EINVALID is
// "Needed Data Missing" (naming the element that element finds for the
// error, if given: see gateway.ErrorField);
// ECONFLICT, EFORBIDDEN, EREFUSED and ENOSPACE are refusal when given;
// everything else (EUNAVAILABLE, EINTERNAL, a timeout, …) is "Temporary
// Processing Failure", logged, with no detail of the cause on the wire.
func (c *call) gatewayProblem(err error, element func(error) string, refusal ncip.ProblemType) *ncip.Problem {
	code, msg := gateway.ErrorCode(err), gateway.ErrorMessage(err)
	switch code {
	case gateway.EINVALID:
		el := c.name
		if element != nil {
			el = element(err)
		}
		c.log.WithError(c.redactErr(err)).Info("ncip: the gateway refused the request as incomplete")
		return ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, el, msg)
	case gateway.ECONFLICT, gateway.EFORBIDDEN, gateway.EREFUSED, gateway.ENOSPACE:
		if refusal != "" {
			c.log.WithError(c.redactErr(err)).Info("ncip: the gateway refused the request")
			return ncip.NewProblem(refusal, c.name, msg)
		}
	}
	c.log.WithError(c.redactErr(err)).Error("ncip: the gateway failed")
	detail := "the gateway could not process the request now; try again later"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		detail = "the gateway timed out; try again later"
	case code == gateway.EUNAVAILABLE:
		detail = msg + "; try again later"
	}
	return ncip.NewProblem(ncip.ProblemTypeTemporaryProcessingFailure, c.name, detail)
}
