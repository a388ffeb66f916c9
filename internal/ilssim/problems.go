package ilssim

import (
	"errors"
	"strconv"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// problem returns a Problem of type t about element, carrying value (an
// identifier the initiator sent, never a credential).
func problem(t ncip.ProblemType, element, value, detail string) *ncip.Problem {
	p := ncip.NewProblem(t, element, detail)
	p.Value = value
	return p
}

func unknownUser(id string) *ncip.Problem {
	return problem(ncip.ProblemTypeUnknownUser, "UserIdentifierValue", id, "no such user")
}

func unknownItem(id string) *ncip.Problem {
	return problem(ncip.ProblemTypeUnknownItem, "ItemIdentifierValue", id, "no such item")
}

func unknownRequest(id string) *ncip.Problem {
	return problem(ncip.ProblemTypeUnknownRequest, "RequestIdentifierValue", id, "no such request")
}

// refusals maps the library's refusals (sip2mem.Refusal texts, which are
// its SIP2 screen messages) to the standard's Problem types; a key
// "Service: text" overrides "text" for that service. Patron
// blocks carry the library's own reason as text and are recognised from
// the patron's flags instead (see Backend.refusal).
var refusals = map[string]struct {
	t       ncip.ProblemType
	element string
}{
	"Invalid PIN":                                   {ncip.ProblemTypeUserAuthenticationFailed, "AuthenticationInput"},
	"Item is checked out to another patron":         {ncip.ProblemTypeResourceCannotBeProvided, "ItemId"},
	"Item cannot be checked out":                    {ncip.ProblemTypeItemDoesNotCirculate, "ItemId"},
	"Item is on hold for another patron":            {ncip.ProblemTypeUserIneligibleToCheckOutThisItem, "ItemId"},
	"RenewItem: Item is on hold for another patron": {ncip.ProblemTypeRenewalNotAllowedOutstanding, "ItemId"},
	"Too many items checked out":                    {ncip.ProblemTypeMaximumCheckOutsExceeded, "UserId"},
	"Renewal denied":                                {ncip.ProblemTypeUserBlocked, "UserId"},
	"Renewal limit reached":                         {ncip.ProblemTypeMaximumRenewalsExceeded, "ItemId"},
	"Item is not checked out to you":                {ncip.ProblemTypeItemNotCheckedOut, "ItemId"},
	"Hold privileges denied":                        {ncip.ProblemTypeUserBlocked, "UserId"},
	"Hold already placed":                           {ncip.ProblemTypeDuplicateRequest, "ItemId"},
	"Unknown title":                                 {ncip.ProblemTypeUnknownItem, "BibliographicRecordIdentifier"},
	"Hold needs an item or a title":                 {ncip.ProblemTypeNeededDataMissing, "ItemId"},
}

// chargeBlocks are the patron flags (stored or derived) under which the
// library refuses loans.
const chargeBlocks = sip2mem.ChargeDenied | sip2mem.CardLost | sip2mem.ExcessiveFines | sip2mem.ExcessiveFees

// refusal turns an error of the library into what the Handler sends: a
// Problem for a refusal, the error itself otherwise (the Handler answers
// Temporary Processing Failure). patron and item name the request's
// subjects, for the Problem's value.
func (b *Backend) refusal(err error, service, patron, item string) error {
	var r *sip2mem.Refusal
	if !errors.As(err, &r) {
		return err
	}
	switch {
	case errors.Is(err, sip2mem.ErrUnknownPatron):
		return unknownUser(patron)
	case errors.Is(err, sip2mem.ErrUnknownItem):
		return unknownItem(item)
	case errors.Is(err, sip2mem.ErrDuplicateItem):
		return problem(ncip.ProblemTypeDuplicateItem, "ItemIdentifierValue", item, "an item with this barcode exists already")
	case errors.Is(err, sip2mem.ErrDuplicateRequest):
		return problem(ncip.ProblemTypeDuplicateRequest, "RequestIdentifierValue", "", "a request with this id exists already")
	case errors.Is(err, sip2mem.ErrItemOnLoan):
		return problem(ncip.ProblemTypeElementRuleViolated, "ItemId", item, "the item is on loan; check it in first")
	}
	m, ok := refusals[service+": "+r.Msg]
	if !ok {
		m, ok = refusals[r.Msg]
	}
	if ok {
		value := ""
		switch m.element {
		case "ItemId":
			value = item
		case "UserId":
			value = patron
		}
		return problem(m.t, m.element, value, r.Msg)
	}
	if s, serr := b.lib.Summary(patron); serr == nil && s.Flags&chargeBlocks != 0 {
		return problem(ncip.ProblemTypeUserBlocked, "UserId", patron, "the user is blocked: "+r.Msg)
	}
	// A refusal this table does not know yet: still a refusal, with the
	// library's words.
	return problem(ncip.ProblemTypeResourceCannotBeProvided, service, "", r.Msg)
}

// requestID is the NCIP RequestId of a hold: the id it was placed with,
// else "H" and its number.
func requestID(h sip2mem.Hold) string {
	if h.RequestID != "" {
		return h.RequestID
	}
	return "H" + strconv.Itoa(h.ID)
}
