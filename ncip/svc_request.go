package ncip

// RequestItem places a request (hold, page, loan) for a patron; in ILL the
// lender pages an item for the borrowing library's institutional patron.
type RequestItem struct {
	InitiationHeader                   *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	MandatedAction                     *MandatedAction       `xml:"MandatedAction,omitempty"`
	UserID                             *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput                []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	BibliographicID                    []BibliographicID     `xml:"BibliographicId,omitempty"`
	ItemID                             []ItemID              `xml:"ItemId,omitempty"`
	RequestID                          *RequestID            `xml:"RequestId,omitempty"`
	RequestType                        SchemeValue           `xml:"RequestType"`
	RequestScopeType                   SchemeValue           `xml:"RequestScopeType"`
	ItemOptionalFields                 *ItemOptionalFields   `xml:"ItemOptionalFields,omitempty"`
	ShippingInformation                *ShippingInformation  `xml:"ShippingInformation,omitempty"`
	EarliestDateNeeded                 Time                  `xml:"EarliestDateNeeded,omitempty"`
	NeedBeforeDate                     Time                  `xml:"NeedBeforeDate,omitempty"`
	PickupLocation                     SchemeValue           `xml:"PickupLocation,omitempty"`
	PickupExpiryDate                   Time                  `xml:"PickupExpiryDate,omitempty"`
	AcknowledgedFeeAmount              *Amount               `xml:"AcknowledgedFeeAmount,omitempty"`
	PaidFeeAmount                      *Amount               `xml:"PaidFeeAmount,omitempty"`
	AcknowledgedItemUseRestrictionType []SchemeValue         `xml:"AcknowledgedItemUseRestrictionType,omitempty"`
	ItemElementType                    []SchemeValue         `xml:"ItemElementType,omitempty"`
	UserElementType                    []SchemeValue         `xml:"UserElementType,omitempty"`
}

// RequestItemResponse answers RequestItem.
type RequestItemResponse struct {
	ResponseHeader                 *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                       []Problem                     `xml:"Problem,omitempty"`
	RequiredFeeAmount              *Amount                       `xml:"RequiredFeeAmount,omitempty"`
	RequiredItemUseRestrictionType []SchemeValue                 `xml:"RequiredItemUseRestrictionType,omitempty"`
	RequestID                      *RequestID                    `xml:"RequestId,omitempty"`
	ItemID                         *ItemID                       `xml:"ItemId,omitempty"`
	UserID                         *UserID                       `xml:"UserId,omitempty"`
	RequestType                    SchemeValue                   `xml:"RequestType,omitempty"`
	RequestScopeType               SchemeValue                   `xml:"RequestScopeType,omitempty"`
	ShippingInformation            *ShippingInformation          `xml:"ShippingInformation,omitempty"`
	DateAvailable                  Time                          `xml:"DateAvailable,omitempty"`
	HoldPickupDate                 Time                          `xml:"HoldPickupDate,omitempty"`
	FiscalTransactionInformation   *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields             *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields             *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
}

// CancelRequestItem cancels a request, by ItemID or RequestID.
type CancelRequestItem struct {
	InitiationHeader      *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	MandatedAction        *MandatedAction       `xml:"MandatedAction,omitempty"`
	UserID                *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput   []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	RequestID             *RequestID            `xml:"RequestId,omitempty"`
	ItemID                *ItemID               `xml:"ItemId,omitempty"`
	RequestType           SchemeValue           `xml:"RequestType"`
	RequestScopeType      SchemeValue           `xml:"RequestScopeType,omitempty"`
	AcknowledgedFeeAmount *Amount               `xml:"AcknowledgedFeeAmount,omitempty"`
	PaidFeeAmount         *Amount               `xml:"PaidFeeAmount,omitempty"`
	ItemElementType       []SchemeValue         `xml:"ItemElementType,omitempty"`
	UserElementType       []SchemeValue         `xml:"UserElementType,omitempty"`
}

// CancelRequestItemResponse answers CancelRequestItem.
type CancelRequestItemResponse struct {
	ResponseHeader               *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                     []Problem                     `xml:"Problem,omitempty"`
	RequestID                    *RequestID                    `xml:"RequestId,omitempty"`
	ItemID                       *ItemID                       `xml:"ItemId,omitempty"`
	UserID                       *UserID                       `xml:"UserId,omitempty"`
	FiscalTransactionInformation *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields           *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields           *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
}
