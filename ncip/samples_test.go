package ncip_test

import (
	"time"

	"github.com/lockergate/lockergate/ncip"
)

var (
	t0     = ncip.At(time.Date(2026, 11, 5, 14, 0, 0, 0, time.UTC))
	hdr    = &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("ILL")}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("LIB")}, ApplicationProfileType: ncip.SV("locker")}
	rhdr   = hdr.Reply()
	user   = &ncip.UserID{AgencyID: ncip.SV("LIB"), UserIdentifierType: ncip.SchemeValue{Scheme: "http://www.niso.org/ncip/v1_0/imp1/schemes/visibleuseridentifiertype/visibleuseridentifiertype.scm", Value: "Barcode"}, UserIdentifierValue: "U1"}
	item   = &ncip.ItemID{AgencyID: ncip.SV("LIB"), ItemIdentifierType: ncip.SV("Barcode"), ItemIdentifierValue: "I1 <&> \"é\""}
	req    = &ncip.RequestID{AgencyID: ncip.SV("ILL"), RequestIdentifierValue: "R1"}
	amount = &ncip.Amount{CurrencyCode: ncip.SV("EUR"), MonetaryValue: 250}
	auth   = []ncip.AuthenticationInput{
		{AuthenticationInputData: "U1", AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("Barcode Id")},
		{AuthenticationInputData: "secret-pin", AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("PIN")},
	}
	bib     = []ncip.BibliographicID{{BibliographicRecordID: &ncip.BibliographicRecordID{BibliographicRecordIdentifier: "b1", AgencyID: ncip.SV("LIB")}}}
	problem = []ncip.Problem{*ncip.NewProblem(ncip.ProblemTypeUnknownUser, "UserIdentifierValue", "no such user")}
	itemOpt = &ncip.ItemOptionalFields{
		BibliographicDescription: &ncip.BibliographicDescription{Author: "Ada", BibliographicItemID: &ncip.BibliographicItemID{BibliographicItemIdentifier: "978", BibliographicItemIdentifierCode: ncip.SV("ISBN")}, BibliographicRecordID: []ncip.BibliographicRecordID{{BibliographicRecordIdentifier: "b1", AgencyID: ncip.SV("LIB")}}, Title: "Notes", MediumType: ncip.SV("Book")},
		ItemUseRestrictionType:   []ncip.SchemeValue{ncip.SV("In Library Use Only")},
		CirculationStatus:        ncip.SV("On Loan"),
		HoldQueueLength:          2,
		ItemDescription:          &ncip.ItemDescription{CallNumber: "QA76", CopyNumber: "2"},
		Location:                 []ncip.Location{{LocationType: ncip.SV("Permanent Location"), LocationName: ncip.LocationName{LocationNameInstance: []ncip.LocationNameInstance{{LocationNameLevel: 1, LocationNameValue: "Main"}}}}},
		SensitizationFlag:        true,
		DateDue:                  t0,
	}
	userOpt = &ncip.UserOptionalFields{
		NameInformation: &ncip.NameInformation{PersonalNameInformation: &ncip.PersonalNameInformation{StructuredPersonalUserName: &ncip.StructuredPersonalUserName{GivenName: "Ada", Surname: "Lovelace"}, UnstructuredPersonalUserName: "Ada Lovelace"}},
		UserAddressInformation: []ncip.UserAddressInformation{
			{UserAddressRoleType: ncip.SV("Home"), PhysicalAddress: &ncip.PhysicalAddress{StructuredAddress: &ncip.StructuredAddress{Street: "1 Main St", Locality: "Town", PostalCode: "12345"}, PhysicalAddressType: ncip.SV("Postal Address")}},
			{UserAddressRoleType: ncip.SV("Notice"), ElectronicAddress: &ncip.ElectronicAddress{ElectronicAddressType: ncip.SV("mailto"), ElectronicAddressData: "ada@example.org"}},
		},
		DateOfBirth:   t0,
		UserLanguage:  []ncip.SchemeValue{ncip.SV("eng")},
		UserPrivilege: []ncip.UserPrivilege{{AgencyID: ncip.SV("LIB"), AgencyUserPrivilegeType: ncip.SV("Adult"), UserPrivilegeStatus: &ncip.UserPrivilegeStatus{UserPrivilegeStatusType: ncip.SV("Active")}}},
		BlockOrTrap:   []ncip.BlockOrTrap{{AgencyID: ncip.SV("LIB"), BlockOrTrapType: ncip.SV("Block Check Out")}},
		UserID:        []ncip.UserID{{UserIdentifierValue: "alt"}},
	}
	fiscal   = &ncip.FiscalTransactionInformation{FiscalActionType: ncip.SV("Assess"), FiscalTransactionReferenceID: &ncip.FiscalTransactionReferenceID{AgencyID: ncip.SV("LIB"), FiscalTransactionIdentifierValue: "F1"}, FiscalTransactionType: ncip.SV("Service Charge"), Amount: *amount, FiscalTransactionDescription: "ILL fee", RequestID: req}
	shipping = &ncip.ShippingInformation{ShippingInstructions: "fragile", PhysicalAddress: &ncip.PhysicalAddress{UnstructuredAddress: &ncip.UnstructuredAddress{UnstructuredAddressType: ncip.SV("Newline-Delimited Text"), UnstructuredAddressData: "Main library\nDesk 2"}, PhysicalAddressType: ncip.SV("Postal Address")}}
)

// sampleMessages returns a request and a response (or two) for every
// service, with as many fields set as the schema allows together, so that
// the schema test covers element order.
func sampleMessages() map[string]*ncip.Message {
	return map[string]*ncip.Message{
		"LookupUser":                          {LookupUser: &ncip.LookupUser{InitiationHeader: hdr, AuthenticationInput: auth, UserElementType: []ncip.SchemeValue{{Scheme: "http://www.niso.org/ncip/v1_0/schemes/userelementtype/userelementtype.scm", Value: "Name Information"}}, LoanedItemsDesired: true, RequestedItemsDesired: true, UserFiscalAccountDesired: true}},
		"LookupUserResponse":                  {LookupUserResponse: &ncip.LookupUserResponse{ResponseHeader: rhdr, UserID: user, UserFiscalAccount: []ncip.UserFiscalAccount{{AccountBalance: *amount}}, LoanedItemsCount: []ncip.LoanedItemsCount{{CirculationStatus: ncip.SV("On Loan"), LoanedItemCountValue: 1}}, LoanedItem: []ncip.LoanedItem{{ItemID: *item, BibliographicID: bib, ReminderLevel: 1, DateDue: t0, Amount: amount, Title: "Notes", MediumType: ncip.SV("Book")}}, RequestedItemsCount: []ncip.RequestedItemsCount{{RequestType: ncip.SV("Hold"), RequestedItemCountValue: 1}}, RequestedItem: []ncip.RequestedItem{{RequestID: req, ItemID: item, RequestType: ncip.SV("Hold"), RequestStatusType: ncip.SV("Available For Pickup"), DatePlaced: t0, PickupLocation: ncip.SV("Locker 1"), PickupExpiryDate: t0, HoldQueuePosition: 1, Title: "Notes"}}, UserOptionalFields: userOpt}},
		"LookupUserProblem":                   {LookupUserResponse: &ncip.LookupUserResponse{ResponseHeader: rhdr, Problems: problem}},
		"LookupItem":                          {LookupItem: &ncip.LookupItem{InitiationHeader: hdr, ItemID: item, ItemElementType: []ncip.SchemeValue{ncip.SV("Bibliographic Description")}, CurrentBorrowerDesired: true, CurrentRequestersDesired: true}},
		"LookupItemResponse":                  {LookupItemResponse: &ncip.LookupItemResponse{ResponseHeader: rhdr, RequestID: req, ItemID: item, HoldPickupDate: t0, DateRecalled: t0, ItemTransaction: &ncip.ItemTransaction{CurrentBorrower: &ncip.UserRef{UserID: *user}, CurrentRequester: []ncip.UserRef{{UserID: *user}}}, ItemOptionalFields: itemOpt}},
		"LookupAgency":                        {LookupAgency: &ncip.LookupAgency{InitiationHeader: hdr, AgencyID: ncip.SV("LIB"), AgencyElementType: []ncip.SchemeValue{ncip.SV("Agency Address Information")}}},
		"LookupAgencyResponse":                {LookupAgencyResponse: &ncip.LookupAgencyResponse{ResponseHeader: rhdr, AgencyID: ncip.SV("LIB"), OrganizationNameInformation: []ncip.OrganizationNameInformation{{OrganizationNameType: ncip.SV("Formal"), OrganizationName: "Library"}}, AgencyAddressInformation: []ncip.AgencyAddressInformation{{AgencyAddressRoleType: ncip.SV("Shipping"), PhysicalAddress: shipping.PhysicalAddress}}, ApplicationProfileSupportedType: []ncip.SchemeValue{ncip.SV("locker")}, ConsortiumAgreement: []ncip.SchemeValue{ncip.SV("x")}, AgencyUserPrivilegeType: []ncip.SchemeValue{ncip.SV("Adult")}}},
		"LookupRequest":                       {LookupRequest: &ncip.LookupRequest{InitiationHeader: hdr, UserID: user, ItemID: item, RequestType: ncip.SV("Hold"), RequestElementType: []ncip.SchemeValue{ncip.SV("Request Status")}, ItemElementType: []ncip.SchemeValue{ncip.SV("Location")}, UserElementType: []ncip.SchemeValue{ncip.SV("Name Information")}}},
		"LookupRequestByID":                   {LookupRequest: &ncip.LookupRequest{RequestID: req}},
		"LookupRequestResponse":               {LookupRequestResponse: &ncip.LookupRequestResponse{ResponseHeader: rhdr, RequestID: req, ItemID: item, UserID: user, RequestType: ncip.SV("Hold"), RequestScopeType: ncip.SV("Item"), RequestStatusType: ncip.SV("In Process"), HoldQueuePosition: 1, ShippingInformation: shipping, EarliestDateNeeded: t0, NeedBeforeDate: t0, PickupDate: t0, PickupLocation: ncip.SV("Locker 1"), PickupExpiryDate: t0, DateOfUserRequest: t0, DateAvailable: t0, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"AcceptItem":                          {AcceptItem: &ncip.AcceptItem{InitiationHeader: hdr, MandatedAction: &ncip.MandatedAction{DateEventOccurred: t0}, RequestID: *req, RequestedActionType: ncip.SV("Hold For Pickup"), UserID: user, ItemID: item, DateForReturn: t0, RenewalNotPermitted: true, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt, PickupLocation: ncip.SV("Locker 1"), PickupExpiryDate: t0}},
		"AcceptItemResponse":                  {AcceptItemResponse: &ncip.AcceptItemResponse{ResponseHeader: rhdr, RequestID: req, ItemID: item}},
		"CheckOutItem":                        {CheckOutItem: &ncip.CheckOutItem{InitiationHeader: hdr, MandatedAction: &ncip.MandatedAction{DateEventOccurred: t0}, UserID: user, ItemID: *item, RequestID: req, AcknowledgedFeeAmount: amount, PaidFeeAmount: amount, AcknowledgedItemUseRestrictionType: []ncip.SchemeValue{ncip.SV("x")}, ShippingInformation: shipping, ResourceDesired: true, DesiredDateDue: t0, ItemElementType: []ncip.SchemeValue{ncip.SV("Location")}, UserElementType: []ncip.SchemeValue{ncip.SV("Name Information")}}},
		"CheckOutItemResponse":                {CheckOutItemResponse: &ncip.CheckOutItemResponse{ResponseHeader: rhdr, ItemID: item, UserID: user, DateDue: t0, RenewalCount: 1, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"CheckOutItemFee":                     {CheckOutItemResponse: &ncip.CheckOutItemResponse{Problems: problem, RequiredFeeAmount: amount, RequiredItemUseRestrictionType: []ncip.SchemeValue{ncip.SV("x")}}},
		"CheckInItem":                         {CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr, MandatedAction: &ncip.MandatedAction{DateEventOccurred: t0}, ItemID: *item, ItemElementType: []ncip.SchemeValue{ncip.SV("Location")}}},
		"CheckInItemResponse":                 {CheckInItemResponse: &ncip.CheckInItemResponse{ResponseHeader: rhdr, ItemID: item, UserID: user, RoutingInformation: &ncip.RoutingInformation{RoutingInstructions: "to locker", Destination: ncip.Destination{BinNumber: "7", Location: &itemOpt.Location[0]}, RequestType: ncip.SV("Hold"), UserID: user}, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"RenewItem":                           {RenewItem: &ncip.RenewItem{InitiationHeader: hdr, AuthenticationInput: auth, ItemID: *item, DesiredDateDue: t0, DesiredDateForReturn: t0, AcknowledgedFeeAmount: amount, PaidFeeAmount: amount}},
		"RenewItemResponse":                   {RenewItemResponse: &ncip.RenewItemResponse{ResponseHeader: rhdr, ItemID: item, UserID: user, DateDue: t0, DateForReturn: t0, RenewalCount: 2, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"RenewItemPending":                    {RenewItemResponse: &ncip.RenewItemResponse{Pending: &ncip.Pending{DateOfExpectedReply: t0}}},
		"RequestItem":                         {RequestItem: &ncip.RequestItem{InitiationHeader: hdr, UserID: user, BibliographicID: bib, ItemID: []ncip.ItemID{*item}, RequestID: req, RequestType: ncip.SV("Page"), RequestScopeType: ncip.SV("Item"), ItemOptionalFields: itemOpt, ShippingInformation: shipping, EarliestDateNeeded: t0, NeedBeforeDate: t0, PickupLocation: ncip.SV("Locker 1"), PickupExpiryDate: t0, AcknowledgedFeeAmount: amount}},
		"RequestItemResponse":                 {RequestItemResponse: &ncip.RequestItemResponse{ResponseHeader: rhdr, RequestID: req, ItemID: item, UserID: user, RequestType: ncip.SV("Page"), RequestScopeType: ncip.SV("Item"), ShippingInformation: shipping, DateAvailable: t0, HoldPickupDate: t0, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"CancelRequestItem":                   {CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: hdr, UserID: user, RequestID: req, ItemID: item, RequestType: ncip.SV("Page"), RequestScopeType: ncip.SV("Item"), AcknowledgedFeeAmount: amount}},
		"CancelRequestItemResponse":           {CancelRequestItemResponse: &ncip.CancelRequestItemResponse{ResponseHeader: rhdr, RequestID: req, ItemID: item, UserID: user, FiscalTransactionInformation: fiscal, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"DeleteItem":                          {DeleteItem: &ncip.DeleteItem{InitiationHeader: hdr, ItemID: *item}},
		"DeleteItemResponse":                  {DeleteItemResponse: &ncip.DeleteItemResponse{ResponseHeader: rhdr, ItemID: item}},
		"CreateUserFiscalTransaction":         {CreateUserFiscalTransaction: &ncip.CreateUserFiscalTransaction{InitiationHeader: hdr, UserID: user, FiscalTransactionInformation: *fiscal}},
		"CreateUserFiscalTransactionResponse": {CreateUserFiscalTransactionResponse: &ncip.CreateUserFiscalTransactionResponse{ResponseHeader: rhdr, UserID: user, FiscalTransactionReferenceID: fiscal.FiscalTransactionReferenceID}},
		"ItemShipped":                         {ItemShipped: &ncip.ItemShipped{InitiationHeader: hdr, RequestID: req, ItemID: item, UserID: user, DateShipped: t0, ShippingInformation: *shipping, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"ItemShippedResponse":                 {ItemShippedResponse: &ncip.ItemShippedResponse{ResponseHeader: rhdr}},
		"ItemReceived":                        {ItemReceived: &ncip.ItemReceived{InitiationHeader: hdr, ItemID: *item, UserID: user, RequestID: req, DateReceived: t0, ItemOptionalFields: itemOpt}},
		"ItemReceivedResponse":                {ItemReceivedResponse: &ncip.ItemReceivedResponse{Problems: problem}},
		"ItemRequested":                       {ItemRequested: &ncip.ItemRequested{InitiationHeader: hdr, UserID: *user, BibliographicID: &bib[0], RequestID: req, RequestType: ncip.SV("Hold"), RequestScopeType: ncip.SV("Item"), ShippingInformation: shipping, EarliestDateNeeded: t0, NeedBeforeDate: t0, PickupLocation: ncip.SV("Locker 1"), PickupExpiryDate: t0, DateOfUserRequest: t0, DateAvailable: t0, ItemOptionalFields: itemOpt, UserOptionalFields: userOpt}},
		"ItemRequestedResponse":               {ItemRequestedResponse: &ncip.ItemRequestedResponse{ResponseHeader: rhdr}},
		"TopLevelProblem":                     {Version: "http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd", Problems: problem},
	}
}
