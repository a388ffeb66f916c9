package ncip

// CheckOutItem lends an item to a patron.
type CheckOutItem struct {
	InitiationHeader                   *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	MandatedAction                     *MandatedAction       `xml:"MandatedAction,omitempty"`
	UserID                             *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput                []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	ItemID                             ItemID                `xml:"ItemId"`
	RequestID                          *RequestID            `xml:"RequestId,omitempty"`
	AcknowledgedFeeAmount              *Amount               `xml:"AcknowledgedFeeAmount,omitempty"`
	PaidFeeAmount                      *Amount               `xml:"PaidFeeAmount,omitempty"`
	AcknowledgedItemUseRestrictionType []SchemeValue         `xml:"AcknowledgedItemUseRestrictionType,omitempty"`
	ShippingInformation                *ShippingInformation  `xml:"ShippingInformation,omitempty"`
	ResourceDesired                    Flag                  `xml:"ResourceDesired,omitempty"`
	DesiredDateDue                     Time                  `xml:"DesiredDateDue,omitempty"`
	ItemElementType                    []SchemeValue         `xml:"ItemElementType,omitempty"`
	UserElementType                    []SchemeValue         `xml:"UserElementType,omitempty"`
}

// CheckOutItemResponse answers CheckOutItem: either Problems (with an
// optional fee), or the loan, whose DateDue, IndeterminateLoanPeriodFlag or
// NonReturnableFlag is required.
type CheckOutItemResponse struct {
	ResponseHeader                 *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                       []Problem                     `xml:"Problem,omitempty"`
	RequiredFeeAmount              *Amount                       `xml:"RequiredFeeAmount,omitempty"`
	RequiredItemUseRestrictionType []SchemeValue                 `xml:"RequiredItemUseRestrictionType,omitempty"`
	ItemID                         *ItemID                       `xml:"ItemId,omitempty"`
	UserID                         *UserID                       `xml:"UserId,omitempty"`
	DateDue                        Time                          `xml:"DateDue,omitempty"`
	IndeterminateLoanPeriodFlag    Flag                          `xml:"IndeterminateLoanPeriodFlag,omitempty"`
	NonReturnableFlag              Flag                          `xml:"NonReturnableFlag,omitempty"`
	RenewalCount                   int                           `xml:"RenewalCount,omitempty"`
	FiscalTransactionInformation   *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields             *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields             *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
}

// CheckInItem returns an item. The schema has no UserId or RequestId here,
// although some initiators (ILLiad to Alma) send them; they are ignored.
type CheckInItem struct {
	InitiationHeader *InitiationHeader `xml:"InitiationHeader,omitempty"`
	MandatedAction   *MandatedAction   `xml:"MandatedAction,omitempty"`
	ItemID           ItemID            `xml:"ItemId"`
	ItemElementType  []SchemeValue     `xml:"ItemElementType,omitempty"`
	UserElementType  []SchemeValue     `xml:"UserElementType,omitempty"`
}

// CheckInItemResponse answers CheckInItem.
type CheckInItemResponse struct {
	ResponseHeader               *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                     []Problem                     `xml:"Problem,omitempty"`
	ItemID                       *ItemID                       `xml:"ItemId,omitempty"`
	UserID                       *UserID                       `xml:"UserId,omitempty"`
	RoutingInformation           *RoutingInformation           `xml:"RoutingInformation,omitempty"`
	FiscalTransactionInformation *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields           *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields           *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
}

// RoutingInformation says where a returned item goes next.
type RoutingInformation struct {
	RoutingInstructions string      `xml:"RoutingInstructions"`
	Destination         Destination `xml:"Destination"`
	RequestType         SchemeValue `xml:"RequestType,omitempty"`
	UserID              *UserID     `xml:"UserId,omitempty"`
}

// Destination is a location or a bin (with an optional location).
type Destination struct {
	BinNumber string    `xml:"BinNumber,omitempty"`
	Location  *Location `xml:"Location,omitempty"`
}

// RenewItem extends a loan.
type RenewItem struct {
	InitiationHeader                   *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	MandatedAction                     *MandatedAction       `xml:"MandatedAction,omitempty"`
	UserID                             *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput                []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	ItemID                             ItemID                `xml:"ItemId"`
	ItemElementType                    []SchemeValue         `xml:"ItemElementType,omitempty"`
	UserElementType                    []SchemeValue         `xml:"UserElementType,omitempty"`
	DesiredDateDue                     Time                  `xml:"DesiredDateDue,omitempty"`
	DesiredDateForReturn               Time                  `xml:"DesiredDateForReturn,omitempty"`
	AcknowledgedFeeAmount              *Amount               `xml:"AcknowledgedFeeAmount,omitempty"`
	PaidFeeAmount                      *Amount               `xml:"PaidFeeAmount,omitempty"`
	AcknowledgedItemUseRestrictionType []SchemeValue         `xml:"AcknowledgedItemUseRestrictionType,omitempty"`
}

// RenewItemResponse answers RenewItem: Problems, Pending, or the renewed
// loan.
type RenewItemResponse struct {
	ResponseHeader                 *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                       []Problem                     `xml:"Problem,omitempty"`
	RequiredFeeAmount              *Amount                       `xml:"RequiredFeeAmount,omitempty"`
	RequiredItemUseRestrictionType []SchemeValue                 `xml:"RequiredItemUseRestrictionType,omitempty"`
	Pending                        *Pending                      `xml:"Pending,omitempty"`
	ItemID                         *ItemID                       `xml:"ItemId,omitempty"`
	UserID                         *UserID                       `xml:"UserId,omitempty"`
	DateDue                        Time                          `xml:"DateDue,omitempty"`
	DateForReturn                  Time                          `xml:"DateForReturn,omitempty"`
	RenewalCount                   int                           `xml:"RenewalCount,omitempty"`
	FiscalTransactionInformation   *FiscalTransactionInformation `xml:"FiscalTransactionInformation,omitempty"`
	ItemOptionalFields             *ItemOptionalFields           `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields             *UserOptionalFields           `xml:"UserOptionalFields,omitempty"`
}

// Pending says a renewal awaits a decision.
type Pending struct {
	DateOfExpectedReply Time `xml:"DateOfExpectedReply,omitempty"`
}
