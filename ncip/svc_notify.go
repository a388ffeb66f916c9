package ncip

// ItemShipped notifies that an item was sent. ShippingInformation is
// required by the schema.
type ItemShipped struct {
	InitiationHeader    *InitiationHeader   `xml:"InitiationHeader,omitempty"`
	RequestID           *RequestID          `xml:"RequestId,omitempty"`
	ItemID              *ItemID             `xml:"ItemId,omitempty"`
	UserID              *UserID             `xml:"UserId,omitempty"`
	DateShipped         Time                `xml:"DateShipped"`
	ShippingInformation ShippingInformation `xml:"ShippingInformation"`
	ItemOptionalFields  *ItemOptionalFields `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields  *UserOptionalFields `xml:"UserOptionalFields,omitempty"`
}

// ItemShippedResponse acknowledges ItemShipped; no Problems means accepted.
type ItemShippedResponse struct {
	ResponseHeader *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems       []Problem       `xml:"Problem,omitempty"`
}

// ItemReceived notifies that an item arrived.
type ItemReceived struct {
	InitiationHeader   *InitiationHeader   `xml:"InitiationHeader,omitempty"`
	ItemID             ItemID              `xml:"ItemId"`
	UserID             *UserID             `xml:"UserId,omitempty"`
	RequestID          *RequestID          `xml:"RequestId,omitempty"`
	DateReceived       Time                `xml:"DateReceived"`
	ItemOptionalFields *ItemOptionalFields `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields *UserOptionalFields `xml:"UserOptionalFields,omitempty"`
}

// ItemReceivedResponse acknowledges ItemReceived.
type ItemReceivedResponse struct {
	ResponseHeader *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems       []Problem       `xml:"Problem,omitempty"`
}

// ItemRequested notifies that a patron requested an item, identified by
// ItemID or by BibliographicID and RequestID.
type ItemRequested struct {
	InitiationHeader    *InitiationHeader    `xml:"InitiationHeader,omitempty"`
	UserID              UserID               `xml:"UserId"`
	ItemID              *ItemID              `xml:"ItemId,omitempty"`
	BibliographicID     *BibliographicID     `xml:"BibliographicId,omitempty"`
	RequestID           *RequestID           `xml:"RequestId,omitempty"`
	RequestType         SchemeValue          `xml:"RequestType"`
	RequestScopeType    SchemeValue          `xml:"RequestScopeType"`
	ShippingInformation *ShippingInformation `xml:"ShippingInformation,omitempty"`
	EarliestDateNeeded  Time                 `xml:"EarliestDateNeeded,omitempty"`
	NeedBeforeDate      Time                 `xml:"NeedBeforeDate,omitempty"`
	PickupLocation      SchemeValue          `xml:"PickupLocation,omitempty"`
	PickupExpiryDate    Time                 `xml:"PickupExpiryDate,omitempty"`
	DateOfUserRequest   Time                 `xml:"DateOfUserRequest,omitempty"`
	DateAvailable       Time                 `xml:"DateAvailable,omitempty"`
	ItemOptionalFields  *ItemOptionalFields  `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields  *UserOptionalFields  `xml:"UserOptionalFields,omitempty"`
}

// ItemRequestedResponse acknowledges ItemRequested.
type ItemRequestedResponse struct {
	ResponseHeader *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems       []Problem       `xml:"Problem,omitempty"`
}
