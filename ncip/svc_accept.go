package ncip

// AcceptItem tells the borrowing library's ILS that an ILL item arrived: it
// creates a temporary item and, with RequestedActionType "Hold For Pickup",
// a hold for the patron (in a locker, for lockergate).
type AcceptItem struct {
	InitiationHeader             *InitiationHeader             `xml:"InitiationHeader,omitempty"`
	MandatedAction               *MandatedAction               `xml:"MandatedAction,omitempty"`
	RequestID                    RequestID                     `xml:"RequestId"`
	RequestedActionType          SchemeValue                   `xml:"RequestedActionType"`
	UserID                       *UserID                       `xml:"UserId,omitempty"`
	ItemID                       *ItemID                       `xml:"ItemId,omitempty"`
	DateForReturn                Time                          `xml:"DateForReturn,omitempty"`
	IndeterminateLoanPeriodFlag  Flag                          `xml:"IndeterminateLoanPeriodFlag,omitempty"`
	NonReturnableFlag            Flag                          `xml:"NonReturnableFlag,omitempty"`
	RenewalNotPermitted          Flag                          `xml:"RenewalNotPermitted,omitempty"`
	FiscalTransactionInformation *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields           *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields           *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
	PickupLocation               SchemeValue                   `xml:"PickupLocation,omitempty"`
	PickupExpiryDate             Time                          `xml:"PickupExpiryDate,omitempty"`
}

// AcceptItemResponse answers AcceptItem with the request and, usually, the
// temporary item's id.
type AcceptItemResponse struct {
	ResponseHeader *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems       []Problem       `xml:"Problem,omitempty"`
	RequestID      *RequestID      `xml:"RequestId,omitempty"`
	ItemID         *ItemID         `xml:"ItemId,omitempty"`
}

// DeleteItem removes an item record (the temporary ILL item).
type DeleteItem struct {
	InitiationHeader *InitiationHeader `xml:"InitiationHeader,omitempty"`
	MandatedAction   *MandatedAction   `xml:"MandatedAction,omitempty"`
	ItemID           ItemID            `xml:"ItemId"`
}

// DeleteItemResponse answers DeleteItem.
type DeleteItemResponse struct {
	ResponseHeader *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems       []Problem       `xml:"Problem,omitempty"`
	ItemID         *ItemID         `xml:"ItemId,omitempty"`
}

// CreateUserFiscalTransaction charges (or credits) a patron, e.g. an ILL fee.
type CreateUserFiscalTransaction struct {
	InitiationHeader             *InitiationHeader            `xml:"InitiationHeader,omitempty"`
	MandatedAction               *MandatedAction              `xml:"MandatedAction,omitempty"`
	UserID                       *UserID                      `xml:"UserId,omitempty"`
	AuthenticationInput          []AuthenticationInput        `xml:"AuthenticationInput,omitempty"`
	FiscalTransactionInformation FiscalTransactionInformation `xml:"FiscalTransactionInformation"`
}

// CreateUserFiscalTransactionResponse answers CreateUserFiscalTransaction.
type CreateUserFiscalTransactionResponse struct {
	ResponseHeader               *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                     []Problem                     `xml:"Problem,omitempty"`
	UserID                       *UserID                       `xml:"UserId,omitempty"`
	FiscalTransactionReferenceID *FiscalTransactionReferenceID `xml:"FiscalTransactionReferenceId,omitempty"`
}
