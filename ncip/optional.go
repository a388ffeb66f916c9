package ncip

// UserOptionalFields carries patron details in responses and some
// requests. Only the parts a locker gateway uses are modelled; other
// children are ignored on input.
type UserOptionalFields struct {
	NameInformation        *NameInformation         `xml:"NameInformation,omitempty"`
	UserAddressInformation []UserAddressInformation `xml:"UserAddressInformation,omitempty"`
	DateOfBirth            Time                     `xml:"DateOfBirth,omitempty"`
	UserLanguage           []SchemeValue            `xml:"UserLanguage,omitempty"`
	UserPrivilege          []UserPrivilege          `xml:"UserPrivilege,omitempty"`
	BlockOrTrap            []BlockOrTrap            `xml:"BlockOrTrap,omitempty"`
	UserID                 []UserID                 `xml:"UserId,omitempty"`
}

// NameInformation is a person's or an organisation's name.
type NameInformation struct {
	PersonalNameInformation     *PersonalNameInformation      `xml:"PersonalNameInformation,omitempty"`
	OrganizationNameInformation []OrganizationNameInformation `xml:"OrganizationNameInformation,omitempty"`
}

// PersonalNameInformation holds a structured name, an unstructured one, or
// both.
type PersonalNameInformation struct {
	StructuredPersonalUserName   *StructuredPersonalUserName `xml:"StructuredPersonalUserName,omitempty"`
	UnstructuredPersonalUserName string                      `xml:"UnstructuredPersonalUserName,omitempty"`
}

// StructuredPersonalUserName is a name in parts; Surname is required.
type StructuredPersonalUserName struct {
	Prefix    string `xml:"Prefix,omitempty"`
	GivenName string `xml:"GivenName,omitempty"`
	Initials  string `xml:"Initials,omitempty"`
	Surname   string `xml:"Surname"`
	Suffix    string `xml:"Suffix,omitempty"`
}

// OrganizationNameInformation is an organisation's name.
type OrganizationNameInformation struct {
	OrganizationNameType SchemeValue `xml:"OrganizationNameType"`
	OrganizationName     string      `xml:"OrganizationName"`
}

// UserAddressInformation is one postal or electronic address of a patron.
type UserAddressInformation struct {
	UserAddressRoleType SchemeValue        `xml:"UserAddressRoleType"`
	ValidFromDate       Time               `xml:"ValidFromDate,omitempty"`
	ValidToDate         Time               `xml:"ValidToDate,omitempty"`
	PhysicalAddress     *PhysicalAddress   `xml:"PhysicalAddress,omitempty"`
	ElectronicAddress   *ElectronicAddress `xml:"ElectronicAddress,omitempty"`
}

// PhysicalAddress is a postal address. Only the unstructured form and the
// line form of StructuredAddress are modelled.
type PhysicalAddress struct {
	StructuredAddress   *StructuredAddress   `xml:"StructuredAddress,omitempty"`
	UnstructuredAddress *UnstructuredAddress `xml:"UnstructuredAddress,omitempty"`
	PhysicalAddressType SchemeValue          `xml:"PhysicalAddressType"`
}

// StructuredAddress is a postal address in parts. Either Street or Line1
// must be set for it to be schema-valid.
type StructuredAddress struct {
	Street     string `xml:"Street,omitempty"`
	Line1      string `xml:"Line1,omitempty"`
	Line2      string `xml:"Line2,omitempty"`
	Locality   string `xml:"Locality,omitempty"`
	Region     string `xml:"Region,omitempty"`
	Country    string `xml:"Country,omitempty"`
	PostalCode string `xml:"PostalCode,omitempty"`
}

// UnstructuredAddress is a postal address as free text.
type UnstructuredAddress struct {
	UnstructuredAddressType SchemeValue `xml:"UnstructuredAddressType"`
	UnstructuredAddressData string      `xml:"UnstructuredAddressData"`
}

// ElectronicAddress is an e-mail address, a phone number and the like.
type ElectronicAddress struct {
	ElectronicAddressType SchemeValue `xml:"ElectronicAddressType"`
	ElectronicAddressData string      `xml:"ElectronicAddressData"`
}

// UserPrivilege is a patron's privilege (patron category) at an agency.
type UserPrivilege struct {
	AgencyID                 SchemeValue          `xml:"AgencyId"`
	AgencyUserPrivilegeType  SchemeValue          `xml:"AgencyUserPrivilegeType"`
	ValidFromDate            Time                 `xml:"ValidFromDate,omitempty"`
	ValidToDate              Time                 `xml:"ValidToDate,omitempty"`
	UserPrivilegeStatus      *UserPrivilegeStatus `xml:"UserPrivilegeStatus,omitempty"`
	UserPrivilegeDescription string               `xml:"UserPrivilegeDescription,omitempty"`
}

// UserPrivilegeStatus is the state of a UserPrivilege.
type UserPrivilegeStatus struct {
	UserPrivilegeStatusType   SchemeValue `xml:"UserPrivilegeStatusType"`
	DateOfUserPrivilegeStatus Time        `xml:"DateOfUserPrivilegeStatus,omitempty"`
}

// BlockOrTrap is a block on a patron's account.
type BlockOrTrap struct {
	AgencyID        SchemeValue `xml:"AgencyId"`
	BlockOrTrapType SchemeValue `xml:"BlockOrTrapType"`
	ValidFromDate   Time        `xml:"ValidFromDate,omitempty"`
	ValidToDate     Time        `xml:"ValidToDate,omitempty"`
}

// ItemOptionalFields carries item details. Only the parts a locker gateway
// uses are modelled; other children are ignored on input.
type ItemOptionalFields struct {
	BibliographicDescription *BibliographicDescription `xml:"BibliographicDescription,omitempty"`
	ItemUseRestrictionType   []SchemeValue             `xml:"ItemUseRestrictionType,omitempty"`
	CirculationStatus        SchemeValue               `xml:"CirculationStatus,omitempty"`
	HoldQueueLength          int                       `xml:"HoldQueueLength,omitempty"`
	ItemDescription          *ItemDescription          `xml:"ItemDescription,omitempty"`
	Location                 []Location                `xml:"Location,omitempty"`
	SensitizationFlag        Flag                      `xml:"SensitizationFlag,omitempty"`
	DateDue                  Time                      `xml:"DateDue,omitempty"`
}

// BibliographicDescription describes the title an item belongs to.
type BibliographicDescription struct {
	Author                string                  `xml:"Author,omitempty"`
	BibliographicItemID   *BibliographicItemID    `xml:"BibliographicItemId,omitempty"`
	BibliographicRecordID []BibliographicRecordID `xml:"BibliographicRecordId,omitempty"`
	Edition               string                  `xml:"Edition,omitempty"`
	PlaceOfPublication    string                  `xml:"PlaceOfPublication,omitempty"`
	PublicationDate       string                  `xml:"PublicationDate,omitempty"`
	Publisher             string                  `xml:"Publisher,omitempty"`
	Title                 string                  `xml:"Title,omitempty"`
	BibliographicLevel    SchemeValue             `xml:"BibliographicLevel,omitempty"`
	Language              SchemeValue             `xml:"Language,omitempty"`
	MediumType            SchemeValue             `xml:"MediumType,omitempty"`
}

// ItemDescription is the shelf-level description of an item.
type ItemDescription struct {
	CallNumber           string      `xml:"CallNumber,omitempty"`
	CopyNumber           string      `xml:"CopyNumber,omitempty"`
	ItemDescriptionLevel SchemeValue `xml:"ItemDescriptionLevel,omitempty"`
	NumberOfPieces       int         `xml:"NumberOfPieces,omitempty"`
}

// Location is where an item is (a branch, a shelf, a locker bank).
type Location struct {
	LocationType  SchemeValue  `xml:"LocationType"`
	LocationName  LocationName `xml:"LocationName"`
	ValidFromDate Time         `xml:"ValidFromDate,omitempty"`
	ValidToDate   Time         `xml:"ValidToDate,omitempty"`
}

// LocationName is a location as a list of levels (1 = the widest).
type LocationName struct {
	LocationNameInstance []LocationNameInstance `xml:"LocationNameInstance"`
}

// LocationNameInstance is one level of a LocationName.
type LocationNameInstance struct {
	LocationNameLevel int    `xml:"LocationNameLevel"`
	LocationNameValue string `xml:"LocationNameValue"`
}

// ShippingInformation says where to send an item: one of the two addresses
// is required.
type ShippingInformation struct {
	ShippingInstructions string             `xml:"ShippingInstructions,omitempty"`
	ShippingNote         string             `xml:"ShippingNote,omitempty"`
	PhysicalAddress      *PhysicalAddress   `xml:"PhysicalAddress,omitempty"`
	ElectronicAddress    *ElectronicAddress `xml:"ElectronicAddress,omitempty"`
}
