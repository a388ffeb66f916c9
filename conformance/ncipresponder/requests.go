package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

// Scheme URIs the requests name for their enumerated values. The XC NCIP
// toolkit, on which FOLIO's mod-ncip and other responders are built,
// rejects some values without a scheme (ncip.md §2.2); responders that
// ignore schemes lose nothing.
const (
	schemeRequestType         = "http://www.niso.org/ncip/v1_0/imp1/schemes/requesttype/requesttype.scm"
	schemeRequestScopeType    = "http://www.niso.org/ncip/v1_0/imp1/schemes/requestscopetype/requestscopetype.scm"
	schemeRequestedActionType = "http://www.niso.org/ncip/v1_0/imp1/schemes/requestedactiontype/requestedactiontype.scm"
	schemeItemElementType     = "http://www.niso.org/ncip/v1_0/schemes/itemelementtype/itemelementtype.scm"
	schemeAuthInputType       = "http://www.niso.org/ncip/v1_0/imp1/schemes/authenticationinputtype/authenticationinputtype.scm"
)

func userID(id string) *ncip.UserID { return &ncip.UserID{UserIdentifierValue: id} }
func itemID(id string) *ncip.ItemID { return &ncip.ItemID{ItemIdentifierValue: id} }

func (s *suite) lookupUserMsg(user string) *ncip.Message {
	return &ncip.Message{LookupUser: &ncip.LookupUser{InitiationHeader: s.initiationHeader(), UserID: userID(user)}}
}

// lookupUserByInput identifies the patron by credentials: a barcode and a
// PIN, as a locker or a discovery layer authenticates a patron.
func (s *suite) lookupUserByInput(user, password string) *ncip.Message {
	return &ncip.Message{LookupUser: &ncip.LookupUser{InitiationHeader: s.initiationHeader(), AuthenticationInput: []ncip.AuthenticationInput{
		{AuthenticationInputData: user, AuthenticationDataFormatType: ncip.SV("text/plain"), AuthenticationInputType: ncip.SchemeValue{Scheme: schemeAuthInputType, Value: "Barcode Id"}},
		{AuthenticationInputData: password, AuthenticationDataFormatType: ncip.SV("text/plain"), AuthenticationInputType: ncip.SchemeValue{Scheme: schemeAuthInputType, Value: "PIN"}},
	}}}
}

// lookupItemMsg asks for an item with the elements that show its state.
func (s *suite) lookupItemMsg(item string) *ncip.Message {
	return &ncip.Message{LookupItem: &ncip.LookupItem{
		InitiationHeader: s.initiationHeader(),
		ItemID:           itemID(item),
		ItemElementType: []ncip.SchemeValue{
			{Scheme: schemeItemElementType, Value: "Bibliographic Description"},
			{Scheme: schemeItemElementType, Value: "Circulation Status"},
		},
		CurrentBorrowerDesired: true,
	}}
}

// acceptItemMsg is what a borrowing library's ILL system sends when an
// ILL item arrives: create a temporary item and hold it for the patron.
func (s *suite) acceptItemMsg(requestID, item, user string) *ncip.Message {
	return &ncip.Message{AcceptItem: &ncip.AcceptItem{
		InitiationHeader:    s.initiationHeader(),
		RequestID:           ncip.RequestID{RequestIdentifierValue: requestID},
		RequestedActionType: ncip.SchemeValue{Scheme: schemeRequestedActionType, Value: "Hold For Pickup"},
		UserID:              userID(user),
		ItemID:              itemID(item),
		ItemOptionalFields: &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{
			Title: "lockergate conformance suite: temporary ILL item " + item,
		}},
	}}
}

func (s *suite) checkOutMsg(user, item string) *ncip.Message {
	return &ncip.Message{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: s.initiationHeader(), UserID: userID(user), ItemID: *itemID(item)}}
}

func (s *suite) checkInMsg(item string) *ncip.Message {
	return &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: s.initiationHeader(), ItemID: *itemID(item)}}
}

func (s *suite) renewMsg(user, item string) *ncip.Message {
	return &ncip.Message{RenewItem: &ncip.RenewItem{InitiationHeader: s.initiationHeader(), UserID: userID(user), ItemID: *itemID(item)}}
}

func (s *suite) requestItemMsg(user, item, requestID string) *ncip.Message {
	return &ncip.Message{RequestItem: &ncip.RequestItem{
		InitiationHeader: s.initiationHeader(),
		UserID:           userID(user),
		ItemID:           []ncip.ItemID{*itemID(item)},
		RequestID:        &ncip.RequestID{RequestIdentifierValue: requestID},
		RequestType:      ncip.SchemeValue{Scheme: schemeRequestType, Value: "Hold"},
		RequestScopeType: ncip.SchemeValue{Scheme: schemeRequestScopeType, Value: "Item"},
	}}
}

func (s *suite) cancelRequestMsg(user, item, requestID string) *ncip.Message {
	return &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{
		InitiationHeader: s.initiationHeader(),
		UserID:           userID(user),
		RequestID:        &ncip.RequestID{RequestIdentifierValue: requestID},
		ItemID:           itemID(item),
		RequestType:      ncip.SchemeValue{Scheme: schemeRequestType, Value: "Hold"},
	}}
}

func (s *suite) deleteItemMsg(item string) *ncip.Message {
	return &ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: s.initiationHeader(), ItemID: *itemID(item)}}
}

// cleanup sends a message that undoes what a case did (a check-in, a
// deletion, a cancellation) and notes the outcome; it never fails the
// case, whose verdict is about something else.
func (s *suite) cleanup(ctx context.Context, t *conformance.T, what string, m *ncip.Message) {
	ex, err := s.send(ctx, t, m)
	switch {
	case err != nil:
		s.note(t, "clean-up (%s) failed: %v", what, err)
	case ex.msg == nil:
		s.note(t, "clean-up (%s): the answer is not NCIP", what)
	case ex.msg.Problem() != nil:
		s.note(t, "clean-up (%s): Problem %q", what, ex.msg.Problem().Type.Value)
	default:
		s.note(t, "clean-up (%s) done", what)
	}
}

// setUp sends m, a step that prepares what the case checks, and skips the
// case, saying why, when the responder does not answer it with a success
// of service: another case grades that service.
func (s *suite) setUp(ctx context.Context, t *conformance.T, m *ncip.Message, service, why string) (*exchange, error) {
	ex, err := s.send(ctx, t, m)
	if err != nil {
		return nil, err
	}
	if err := success(ex, service); err != nil {
		return nil, conformance.Skipf("%s: %v", why, err)
	}
	return ex, nil
}

// checkOutFirst lends the configured item to the configured user, for the
// cases about a loan; the case is skipped when that fails.
func (s *suite) checkOutFirst(ctx context.Context, t *conformance.T) error {
	_, err := s.setUp(ctx, t, s.checkOutMsg(s.cfg.User, s.cfg.Item), "CheckOutItem", "the item could not be checked out first")
	return err
}

// temporaryItem has AcceptItem create a temporary ILL item for the
// configured user and returns its ItemId; the case is skipped, saying
// why, when that fails.
func (s *suite) temporaryItem(ctx context.Context, t *conformance.T, why string) (string, error) {
	rid, proposed := s.id("REQ"), s.id("ITEM")
	acc, err := s.setUp(ctx, t, s.acceptItemMsg(rid, proposed, s.cfg.User), "AcceptItem", why)
	if err != nil {
		return "", err
	}
	return acceptedItem(acc, proposed), nil
}

// hasItemID fails unless a response (named by where) holds an ItemId.
func hasItemID(id *ncip.ItemID, where string) error {
	if id == nil || id.ItemIdentifierValue == "" {
		return conformance.Failf("an ItemId in the "+where, "no ItemId")
	}
	return nil
}

// needItem and needUser skip a case when the configuration lacks the data
// it works on.
func (s *suite) needItem() error {
	if s.cfg.Item == "" {
		return conformance.Skipf("no item configured (--item)")
	}
	return nil
}

func (s *suite) needUser() error {
	if s.cfg.User == "" {
		return conformance.Skipf("no user configured (--user)")
	}
	return nil
}

// acceptedItem returns the ItemId an AcceptItemResponse names, or the one
// the request proposed when the response names none.
func acceptedItem(ex *exchange, proposed string) string {
	if ex != nil && ex.msg != nil && ex.msg.AcceptItemResponse != nil && ex.msg.AcceptItemResponse.ItemID != nil && ex.msg.AcceptItemResponse.ItemID.ItemIdentifierValue != "" {
		return ex.msg.AcceptItemResponse.ItemID.ItemIdentifierValue
	}
	return proposed
}
