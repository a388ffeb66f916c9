package ncip

// LookupVersion asks which NCIP versions the responder supports (standard
// §5.3.5). It is in the standard but not in ncip_v2_02.xsd, so a message
// carrying it is not schema-valid; Koha's NCIPServer implements it anyway,
// and so does Handler.
type LookupVersion struct {
	InitiationHeader *InitiationHeader `xml:"InitiationHeader,omitempty"`
	FromAgencyID     AgencyRef         `xml:"FromAgencyId"`
	ToAgencyID       AgencyRef         `xml:"ToAgencyId"`
}

// LookupVersionResponse lists the supported versions.
type LookupVersionResponse struct {
	ResponseHeader   *ResponseHeader `xml:"ResponseHeader,omitempty"`
	Problems         []Problem       `xml:"Problem,omitempty"`
	FromAgencyID     AgencyRef       `xml:"FromAgencyId"`
	ToAgencyID       AgencyRef       `xml:"ToAgencyId"`
	VersionSupported []string        `xml:"VersionSupported,omitempty"`
}

// LookupUser asks for a patron's details, by UserID or by credentials
// (one AuthenticationInput per credential, e.g. barcode and PIN).
type LookupUser struct {
	InitiationHeader         *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	UserID                   *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput      []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	UserElementType          []SchemeValue         `xml:"UserElementType,omitempty"`
	LoanedItemsDesired       Flag                  `xml:"LoanedItemsDesired,omitempty"`
	RequestedItemsDesired    Flag                  `xml:"RequestedItemsDesired,omitempty"`
	UserFiscalAccountDesired Flag                  `xml:"UserFiscalAccountDesired,omitempty"`
}

// LookupUserResponse answers LookupUser: either Problems or the patron.
type LookupUserResponse struct {
	ResponseHeader      *ResponseHeader       `xml:"ResponseHeader,omitempty"`
	Problems            []Problem             `xml:"Problem,omitempty"`
	UserID              *UserID               `xml:"UserId,omitempty"`
	UserFiscalAccount   []UserFiscalAccount   `xml:"UserFiscalAccount,omitempty"`
	LoanedItemsCount    []LoanedItemsCount    `xml:"LoanedItemsCount,omitempty"`
	LoanedItem          []LoanedItem          `xml:"LoanedItem,omitempty"`
	RequestedItemsCount []RequestedItemsCount `xml:"RequestedItemsCount,omitempty"`
	RequestedItem       []RequestedItem       `xml:"RequestedItem,omitempty"`
	UserOptionalFields  *UserOptionalFields   `xml:"UserOptionalFields,omitempty"`
}

// UserFiscalAccount is a patron's account balance.
type UserFiscalAccount struct {
	AccountBalance Amount `xml:"AccountBalance"`
}

// LoanedItemsCount counts a patron's loans in one circulation status.
type LoanedItemsCount struct {
	CirculationStatus      SchemeValue `xml:"CirculationStatus,omitempty"`
	ItemUseRestrictionType SchemeValue `xml:"ItemUseRestrictionType,omitempty"`
	LoanedItemCountValue   int         `xml:"LoanedItemCountValue"`
}

// LoanedItem is one of a patron's loans. One of DateDue and
// IndeterminateLoanPeriodFlag is required.
type LoanedItem struct {
	ItemID                      ItemID            `xml:"ItemId"`
	BibliographicID             []BibliographicID `xml:"BibliographicId,omitempty"`
	ReminderLevel               int               `xml:"ReminderLevel,omitempty"`
	DateDue                     Time              `xml:"DateDue,omitempty"`
	IndeterminateLoanPeriodFlag Flag              `xml:"IndeterminateLoanPeriodFlag,omitempty"`
	Amount                      *Amount           `xml:"Amount,omitempty"`
	Title                       string            `xml:"Title,omitempty"`
	MediumType                  SchemeValue       `xml:"MediumType,omitempty"`
}

// RequestedItemsCount counts a patron's requests of one type.
type RequestedItemsCount struct {
	RequestType             SchemeValue `xml:"RequestType,omitempty"`
	CirculationStatus       SchemeValue `xml:"CirculationStatus,omitempty"`
	ItemUseRestrictionType  SchemeValue `xml:"ItemUseRestrictionType,omitempty"`
	RequestedItemCountValue int         `xml:"RequestedItemCountValue"`
}

// RequestedItem is one of a patron's requests (holds).
type RequestedItem struct {
	RequestID         *RequestID        `xml:"RequestId,omitempty"`
	ItemID            *ItemID           `xml:"ItemId,omitempty"`
	BibliographicID   []BibliographicID `xml:"BibliographicId,omitempty"`
	RequestType       SchemeValue       `xml:"RequestType"`
	RequestStatusType SchemeValue       `xml:"RequestStatusType"`
	DatePlaced        Time              `xml:"DatePlaced"`
	PickupDate        Time              `xml:"PickupDate,omitempty"`
	PickupLocation    SchemeValue       `xml:"PickupLocation,omitempty"`
	PickupExpiryDate  Time              `xml:"PickupExpiryDate,omitempty"`
	ReminderLevel     int               `xml:"ReminderLevel,omitempty"`
	HoldQueuePosition int               `xml:"HoldQueuePosition,omitempty"`
	Title             string            `xml:"Title,omitempty"`
	MediumType        SchemeValue       `xml:"MediumType,omitempty"`
}

// LookupItem asks for an item's details, by ItemID or by RequestID.
type LookupItem struct {
	InitiationHeader         *InitiationHeader `xml:"InitiationHeader,omitempty"`
	ItemID                   *ItemID           `xml:"ItemId,omitempty"`
	RequestID                *RequestID        `xml:"RequestId,omitempty"`
	ItemElementType          []SchemeValue     `xml:"ItemElementType,omitempty"`
	CurrentBorrowerDesired   Flag              `xml:"CurrentBorrowerDesired,omitempty"`
	CurrentRequestersDesired Flag              `xml:"CurrentRequestersDesired,omitempty"`
}

// LookupItemResponse answers LookupItem.
type LookupItemResponse struct {
	ResponseHeader     *ResponseHeader     `xml:"ResponseHeader,omitempty"`
	Problems           []Problem           `xml:"Problem,omitempty"`
	RequestID          *RequestID          `xml:"RequestId,omitempty"`
	ItemID             *ItemID             `xml:"ItemId,omitempty"`
	HoldPickupDate     Time                `xml:"HoldPickupDate,omitempty"`
	DateRecalled       Time                `xml:"DateRecalled,omitempty"`
	ItemTransaction    *ItemTransaction    `xml:"ItemTransaction,omitempty"`
	ItemOptionalFields *ItemOptionalFields `xml:"ItemOptionalFields,omitempty"`
}

// ItemTransaction names an item's borrower and requesters.
type ItemTransaction struct {
	CurrentBorrower  *UserRef  `xml:"CurrentBorrower,omitempty"`
	CurrentRequester []UserRef `xml:"CurrentRequester,omitempty"`
}

// UserRef wraps a UserID (CurrentBorrower, CurrentRequester).
type UserRef struct {
	UserID UserID `xml:"UserId"`
}

// LookupAgency asks for an agency's details.
type LookupAgency struct {
	InitiationHeader  *InitiationHeader `xml:"InitiationHeader,omitempty"`
	AgencyID          SchemeValue       `xml:"AgencyId"`
	AgencyElementType []SchemeValue     `xml:"AgencyElementType"`
}

// LookupAgencyResponse answers LookupAgency.
type LookupAgencyResponse struct {
	ResponseHeader                  *ResponseHeader               `xml:"ResponseHeader,omitempty"`
	Problems                        []Problem                     `xml:"Problem,omitempty"`
	AgencyID                        SchemeValue                   `xml:"AgencyId,omitempty"`
	OrganizationNameInformation     []OrganizationNameInformation `xml:"OrganizationNameInformation,omitempty"`
	AgencyAddressInformation        []AgencyAddressInformation    `xml:"AgencyAddressInformation,omitempty"`
	ApplicationProfileSupportedType []SchemeValue                 `xml:"ApplicationProfileSupportedType,omitempty"`
	ConsortiumAgreement             []SchemeValue                 `xml:"ConsortiumAgreement,omitempty"`
	AgencyUserPrivilegeType         []SchemeValue                 `xml:"AgencyUserPrivilegeType,omitempty"`
}

// AgencyAddressInformation is one address of an agency.
type AgencyAddressInformation struct {
	AgencyAddressRoleType SchemeValue        `xml:"AgencyAddressRoleType"`
	ValidFromDate         Time               `xml:"ValidFromDate,omitempty"`
	ValidToDate           Time               `xml:"ValidToDate,omitempty"`
	PhysicalAddress       *PhysicalAddress   `xml:"PhysicalAddress,omitempty"`
	ElectronicAddress     *ElectronicAddress `xml:"ElectronicAddress,omitempty"`
}

// LookupRequest asks for a request's details, by RequestID or by user,
// item and request type.
type LookupRequest struct {
	InitiationHeader    *InitiationHeader     `xml:"InitiationHeader,omitempty"`
	UserID              *UserID               `xml:"UserId,omitempty"`
	AuthenticationInput []AuthenticationInput `xml:"AuthenticationInput,omitempty"`
	ItemID              *ItemID               `xml:"ItemId,omitempty"`
	RequestType         SchemeValue           `xml:"RequestType,omitempty"`
	RequestID           *RequestID            `xml:"RequestId,omitempty"`
	RequestElementType  []SchemeValue         `xml:"RequestElementType,omitempty"`
	ItemElementType     []SchemeValue         `xml:"ItemElementType,omitempty"`
	UserElementType     []SchemeValue         `xml:"UserElementType,omitempty"`
}

// LookupRequestResponse answers LookupRequest.
type LookupRequestResponse struct {
	ResponseHeader      *ResponseHeader      `xml:"ResponseHeader,omitempty"`
	Problems            []Problem            `xml:"Problem,omitempty"`
	RequestID           *RequestID           `xml:"RequestId,omitempty"`
	ItemID              *ItemID              `xml:"ItemId,omitempty"`
	UserID              *UserID              `xml:"UserId,omitempty"`
	RequestType         SchemeValue          `xml:"RequestType,omitempty"`
	RequestScopeType    SchemeValue          `xml:"RequestScopeType,omitempty"`
	RequestStatusType   SchemeValue          `xml:"RequestStatusType,omitempty"`
	HoldQueuePosition   int                  `xml:"HoldQueuePosition,omitempty"`
	ShippingInformation *ShippingInformation `xml:"ShippingInformation,omitempty"`
	EarliestDateNeeded  Time                 `xml:"EarliestDateNeeded,omitempty"`
	NeedBeforeDate      Time                 `xml:"NeedBeforeDate,omitempty"`
	PickupDate          Time                 `xml:"PickupDate,omitempty"`
	PickupLocation      SchemeValue          `xml:"PickupLocation,omitempty"`
	PickupExpiryDate    Time                 `xml:"PickupExpiryDate,omitempty"`
	DateOfUserRequest   Time                 `xml:"DateOfUserRequest,omitempty"`
	DateAvailable       Time                 `xml:"DateAvailable,omitempty"`
	ItemOptionalFields  *ItemOptionalFields  `xml:"ItemOptionalFields,omitempty"`
	UserOptionalFields  *UserOptionalFields  `xml:"UserOptionalFields,omitempty"`
}
