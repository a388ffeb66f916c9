package ncip

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// Namespace is the XML namespace of NCIP 2.0, 2.01 and 2.02.
const Namespace = "http://www.niso.org/2008/ncip"

// Version202 is the version attribute value this package writes when none
// is given. The three versions share a namespace, so the attribute is the
// only thing that tells them apart.
const Version202 = "http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"

// SchemeValue is the NCIP SchemeValuePair: a value from a vocabulary,
// optionally naming the vocabulary's URI in the ncip:Scheme attribute.
//
// On input the Scheme attribute is accepted with or without a prefix, and
// NCIP 1-style <Scheme>/<Value> children are understood. A zero SchemeValue
// is not written.
type SchemeValue struct {
	Scheme string
	Value  string
}

// SV returns a SchemeValue without a scheme.
func SV(value string) SchemeValue { return SchemeValue{Value: value} }

// IsZero reports whether both the scheme and the value are empty.
func (s SchemeValue) IsZero() bool { return s.Scheme == "" && s.Value == "" }

// Is reports whether s has the value v, compared case-insensitively and
// ignoring the scheme, as vendors disagree on both.
func (s SchemeValue) Is(v string) bool { return strings.EqualFold(strings.TrimSpace(s.Value), v) }

// String returns the value.
func (s SchemeValue) String() string { return s.Value }

// UnmarshalXML reads either the NCIP 2 form (text plus a Scheme attribute)
// or the NCIP 1 form (<Scheme> and <Value> children).
func (s *SchemeValue) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*s = SchemeValue{}
	for _, a := range start.Attr {
		if a.Name.Local == "Scheme" {
			s.Scheme = a.Value
		}
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			var child string
			if err := d.DecodeElement(&child, &t); err != nil {
				return err
			}
			switch t.Name.Local {
			case "Scheme":
				s.Scheme = strings.TrimSpace(child)
			case "Value":
				s.Value = strings.TrimSpace(child)
			}
		case xml.EndElement:
			if v := strings.TrimSpace(text.String()); v != "" {
				s.Value = v
			}
			return nil
		}
	}
}

// Flag is an NCIP empty element whose presence means true, such as
// <LoanedItemsDesired/> or <IndeterminateLoanPeriodFlag/>.
type Flag bool

// UnmarshalXML sets the flag; the element's content, if any, is ignored.
func (f *Flag) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*f = true
	return d.Skip()
}

// Time is an NCIP xs:dateTime. It is written in UTC with a trailing Z, as
// Implementation Profile 1 asks, unless the encoder is given another
// DateStyle. On input it accepts RFC 3339 with Z or an offset, no zone
// (read as UTC), fractional seconds, a date alone (midnight UTC), and an
// empty element or 0001-01-01T00:00:00Z (the zero Time). Parsed times are
// normalised to UTC.
type Time struct{ time.Time }

// At returns t as a Time.
func At(t time.Time) Time { return Time{t.UTC()} }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02Z07:00",
	"2006-01-02",
	"2006-01-02 15:04:05",
}

// ParseTime parses an NCIP date or date-time leniently (see Time).
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() <= 1 && t.YearDay() == 1 && t.Hour() == 0 && t.Minute() == 0 {
				return Time{}, nil
			}
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, &Problem{Type: SchemeValue{SchemeGeneralProcessingError, string(ProblemTypeInvalidDate)}, Detail: "cannot read date " + strconv.Quote(clip(s, 40)), Value: clip(s, 40)}
}

// UnmarshalXML parses the element's text with ParseTime.
func (t *Time) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		if p, ok := err.(*Problem); ok {
			p.Element = start.Name.Local
		}
		return err
	}
	*t = v
	return nil
}

// AgencyRef is the content of FromAgencyId, ToAgencyId and OnBehalfOfAgency:
// an AgencyId wrapped in an element of its own.
type AgencyRef struct {
	AgencyID SchemeValue `xml:"AgencyId"`
}

// InitiationHeader starts every request. If present, both FromAgencyId and
// ToAgencyId are required.
type InitiationHeader struct {
	FromSystemID             SchemeValue `xml:"FromSystemId,omitempty"`
	FromSystemAuthentication string      `xml:"FromSystemAuthentication,omitempty"`
	FromAgencyID             AgencyRef   `xml:"FromAgencyId"`
	// FromAgencyAuthentication is the agency's shared secret; it is never
	// logged or shown in errors.
	FromAgencyAuthentication string      `xml:"FromAgencyAuthentication,omitempty"`
	OnBehalfOfAgency         *AgencyRef  `xml:"OnBehalfOfAgency,omitempty"`
	ToSystemID               SchemeValue `xml:"ToSystemId,omitempty"`
	ToAgencyID               AgencyRef   `xml:"ToAgencyId"`
	ApplicationProfileType   SchemeValue `xml:"ApplicationProfileType,omitempty"`
}

// ResponseHeader starts every response. A responder fills it from the
// request's InitiationHeader with From and To swapped.
type ResponseHeader struct {
	FromSystemID             SchemeValue `xml:"FromSystemId,omitempty"`
	FromSystemAuthentication string      `xml:"FromSystemAuthentication,omitempty"`
	FromAgencyID             AgencyRef   `xml:"FromAgencyId"`
	FromAgencyAuthentication string      `xml:"FromAgencyAuthentication,omitempty"`
	ToSystemID               SchemeValue `xml:"ToSystemId,omitempty"`
	ToAgencyID               AgencyRef   `xml:"ToAgencyId"`
}

// Reply returns the ResponseHeader answering h: the agencies and systems
// swapped. It returns nil for a nil h.
func (h *InitiationHeader) Reply() *ResponseHeader {
	if h == nil {
		return nil
	}
	return &ResponseHeader{FromSystemID: h.ToSystemID, FromAgencyID: h.ToAgencyID, ToSystemID: h.FromSystemID, ToAgencyID: h.FromAgencyID}
}

// UserID is the NCIP UserId: a patron identifier, optionally typed
// (UserIdentifierType: Barcode, Institution Id Number, …) and scoped to an
// agency.
type UserID struct {
	AgencyID            SchemeValue `xml:"AgencyId,omitempty"`
	UserIdentifierType  SchemeValue `xml:"UserIdentifierType,omitempty"`
	UserIdentifierValue string      `xml:"UserIdentifierValue"`
}

// ItemID is the NCIP ItemId: an item identifier (usually the barcode).
type ItemID struct {
	AgencyID            SchemeValue `xml:"AgencyId,omitempty"`
	ItemIdentifierType  SchemeValue `xml:"ItemIdentifierType,omitempty"`
	ItemIdentifierValue string      `xml:"ItemIdentifierValue"`
}

// RequestID is the NCIP RequestId, such as an ILL request number.
type RequestID struct {
	AgencyID               SchemeValue `xml:"AgencyId,omitempty"`
	RequestIdentifierType  SchemeValue `xml:"RequestIdentifierType,omitempty"`
	RequestIdentifierValue string      `xml:"RequestIdentifierValue"`
}

// AuthenticationInput carries one patron credential (a barcode, a PIN, a
// password). AuthenticationInputData is a secret when the type is PIN or
// Password: it is never logged or shown in errors.
type AuthenticationInput struct {
	AuthenticationInputData      string      `xml:"AuthenticationInputData"`
	AuthenticationDataFormatType SchemeValue `xml:"AuthenticationDataFormatType"`
	AuthenticationInputType      SchemeValue `xml:"AuthenticationInputType"`
}

// IsIdentifier reports whether the input is an identifier (type Barcode
// Id, Barcode, User Id, User Name or Username) rather than a secret. Types
// it does not know count as secrets.
func (a AuthenticationInput) IsIdentifier() bool {
	for _, v := range []string{"Barcode Id", "Barcode", "User Id", "User Name", "Username"} {
		if a.AuthenticationInputType.Is(v) {
			return true
		}
	}
	return false
}

// MandatedAction tells the responder to act as of a given time.
type MandatedAction struct {
	DateEventOccurred Time `xml:"DateEventOccurred"`
}

// Amount is a sum of money: MonetaryValue in the currency's minor unit
// (cents), CurrencyCode per ISO 4217 (required by the schema).
type Amount struct {
	CurrencyCode  SchemeValue `xml:"CurrencyCode"`
	MonetaryValue int64       `xml:"MonetaryValue"`
}

// BibliographicItemID identifies a title by ISBN, ISSN and the like.
type BibliographicItemID struct {
	BibliographicItemIdentifier     string      `xml:"BibliographicItemIdentifier"`
	BibliographicItemIdentifierCode SchemeValue `xml:"BibliographicItemIdentifierCode,omitempty"`
}

// BibliographicRecordID identifies a catalogue record, scoped either by an
// agency or by a record identifier code.
type BibliographicRecordID struct {
	BibliographicRecordIdentifier     string      `xml:"BibliographicRecordIdentifier"`
	AgencyID                          SchemeValue `xml:"AgencyId,omitempty"`
	BibliographicRecordIdentifierCode SchemeValue `xml:"BibliographicRecordIdentifierCode,omitempty"`
}

// BibliographicID is the NCIP BibliographicId: one of its two fields is set.
type BibliographicID struct {
	BibliographicItemID   *BibliographicItemID   `xml:"BibliographicItemId,omitempty"`
	BibliographicRecordID *BibliographicRecordID `xml:"BibliographicRecordId,omitempty"`
}

// FiscalTransactionReferenceID identifies a fee or payment.
type FiscalTransactionReferenceID struct {
	AgencyID                         SchemeValue `xml:"AgencyId"`
	FiscalTransactionIdentifierValue string      `xml:"FiscalTransactionIdentifierValue"`
}

// FiscalTransactionInformation describes a charge or payment.
type FiscalTransactionInformation struct {
	FiscalActionType             SchemeValue                   `xml:"FiscalActionType"`
	FiscalTransactionReferenceID *FiscalTransactionReferenceID `xml:"FiscalTransactionReferenceId,omitempty"`
	FiscalTransactionType        SchemeValue                   `xml:"FiscalTransactionType"`
	ValidFromDate                Time                          `xml:"ValidFromDate,omitempty"`
	ValidToDate                  Time                          `xml:"ValidToDate,omitempty"`
	Amount                       Amount                        `xml:"Amount"`
	PaymentMethodType            SchemeValue                   `xml:"PaymentMethodType,omitempty"`
	FiscalTransactionDescription string                        `xml:"FiscalTransactionDescription,omitempty"`
	RequestID                    *RequestID                    `xml:"RequestId,omitempty"`
}
