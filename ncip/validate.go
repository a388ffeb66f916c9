package ncip

// The check methods implement the Handler's "Needed Data Missing" rule:
// a request lacking what the service cannot work without is refused with
// a Problem naming the missing element. They check less than the schema
// (input is read leniently) but never less than the service needs.

func missing(element, detail string) *Problem {
	return NewProblem(ProblemTypeNeededDataMissing, element, detail)
}

func hasUser(u *UserID, auth []AuthenticationInput) bool {
	return (u != nil && u.UserIdentifierValue != "") || len(auth) > 0
}

func hasItem(i *ItemID) bool { return i != nil && i.ItemIdentifierValue != "" }

func hasRequest(r *RequestID) bool { return r != nil && r.RequestIdentifierValue != "" }

const needUser = "UserId or AuthenticationInput must be provided"

func (r *LookupUser) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	return nil
}

func (r *LookupItem) check() *Problem {
	if !hasItem(r.ItemID) && !hasRequest(r.RequestID) {
		return missing("ItemId", "ItemId or RequestId must be provided")
	}
	return nil
}

func (r *LookupAgency) check() *Problem {
	if r.AgencyID.Value == "" {
		return missing("AgencyId", "AgencyId must be provided")
	}
	return nil
}

func (r *LookupRequest) check() *Problem {
	if hasRequest(r.RequestID) {
		return nil
	}
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("RequestId", "RequestId, or UserId and ItemId, must be provided")
	}
	if !hasItem(r.ItemID) {
		return missing("ItemId", "ItemId must be provided with UserId")
	}
	return nil
}

func (r *AcceptItem) check() *Problem {
	if r.RequestID.RequestIdentifierValue == "" {
		return missing("RequestId", "RequestId must be provided")
	}
	if r.RequestedActionType.Value == "" {
		return missing("RequestedActionType", "RequestedActionType must be provided")
	}
	return nil
}

func (r *CheckOutItem) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	if r.ItemID.ItemIdentifierValue == "" {
		return missing("ItemId", "ItemId must be provided")
	}
	return nil
}

func (r *CheckInItem) check() *Problem {
	if r.ItemID.ItemIdentifierValue == "" {
		return missing("ItemId", "ItemId must be provided")
	}
	return nil
}

func (r *RenewItem) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	if r.ItemID.ItemIdentifierValue == "" {
		return missing("ItemId", "ItemId must be provided")
	}
	return nil
}

func (r *RequestItem) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	if len(r.ItemID) == 0 && len(r.BibliographicID) == 0 {
		return missing("ItemId", "ItemId or BibliographicId must be provided")
	}
	return nil
}

func (r *CancelRequestItem) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	if !hasItem(r.ItemID) && !hasRequest(r.RequestID) {
		return missing("RequestId", "RequestId or ItemId must be provided")
	}
	return nil
}

func (r *DeleteItem) check() *Problem {
	if r.ItemID.ItemIdentifierValue == "" {
		return missing("ItemId", "ItemId must be provided")
	}
	return nil
}

func (r *CreateUserFiscalTransaction) check() *Problem {
	if !hasUser(r.UserID, r.AuthenticationInput) {
		return missing("UserId", needUser)
	}
	if r.FiscalTransactionInformation.FiscalTransactionType.Value == "" {
		return missing("FiscalTransactionType", "FiscalTransactionInformation with a FiscalTransactionType must be provided")
	}
	return nil
}

func (r *ItemShipped) check() *Problem {
	if !hasItem(r.ItemID) && !hasRequest(r.RequestID) {
		return missing("ItemId", "ItemId or RequestId must be provided")
	}
	return nil
}

func (r *ItemReceived) check() *Problem {
	if r.ItemID.ItemIdentifierValue == "" {
		return missing("ItemId", "ItemId must be provided")
	}
	return nil
}

func (r *ItemRequested) check() *Problem {
	if r.UserID.UserIdentifierValue == "" {
		return missing("UserId", "UserId must be provided")
	}
	if !hasItem(r.ItemID) && r.BibliographicID == nil {
		return missing("ItemId", "ItemId or BibliographicId must be provided")
	}
	return nil
}
