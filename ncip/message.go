package ncip

import (
	"reflect"
	"strings"
)

// Message is the NCIPMessage envelope. Exactly one of its pointer fields is
// set, or Problems for a top-level Problem (the reply to a message whose
// service could not be told).
type Message struct {
	// Version is the ncip:version attribute. Responses echo the
	// initiator's value; if empty, Marshal writes Version202.
	Version string `xml:"version,attr"`

	LookupVersion                       *LookupVersion                       `xml:"LookupVersion,omitempty"`
	LookupVersionResponse               *LookupVersionResponse               `xml:"LookupVersionResponse,omitempty"`
	LookupUser                          *LookupUser                          `xml:"LookupUser,omitempty"`
	LookupUserResponse                  *LookupUserResponse                  `xml:"LookupUserResponse,omitempty"`
	LookupItem                          *LookupItem                          `xml:"LookupItem,omitempty"`
	LookupItemResponse                  *LookupItemResponse                  `xml:"LookupItemResponse,omitempty"`
	LookupAgency                        *LookupAgency                        `xml:"LookupAgency,omitempty"`
	LookupAgencyResponse                *LookupAgencyResponse                `xml:"LookupAgencyResponse,omitempty"`
	LookupRequest                       *LookupRequest                       `xml:"LookupRequest,omitempty"`
	LookupRequestResponse               *LookupRequestResponse               `xml:"LookupRequestResponse,omitempty"`
	AcceptItem                          *AcceptItem                          `xml:"AcceptItem,omitempty"`
	AcceptItemResponse                  *AcceptItemResponse                  `xml:"AcceptItemResponse,omitempty"`
	CheckOutItem                        *CheckOutItem                        `xml:"CheckOutItem,omitempty"`
	CheckOutItemResponse                *CheckOutItemResponse                `xml:"CheckOutItemResponse,omitempty"`
	CheckInItem                         *CheckInItem                         `xml:"CheckInItem,omitempty"`
	CheckInItemResponse                 *CheckInItemResponse                 `xml:"CheckInItemResponse,omitempty"`
	RenewItem                           *RenewItem                           `xml:"RenewItem,omitempty"`
	RenewItemResponse                   *RenewItemResponse                   `xml:"RenewItemResponse,omitempty"`
	RequestItem                         *RequestItem                         `xml:"RequestItem,omitempty"`
	RequestItemResponse                 *RequestItemResponse                 `xml:"RequestItemResponse,omitempty"`
	CancelRequestItem                   *CancelRequestItem                   `xml:"CancelRequestItem,omitempty"`
	CancelRequestItemResponse           *CancelRequestItemResponse           `xml:"CancelRequestItemResponse,omitempty"`
	DeleteItem                          *DeleteItem                          `xml:"DeleteItem,omitempty"`
	DeleteItemResponse                  *DeleteItemResponse                  `xml:"DeleteItemResponse,omitempty"`
	CreateUserFiscalTransaction         *CreateUserFiscalTransaction         `xml:"CreateUserFiscalTransaction,omitempty"`
	CreateUserFiscalTransactionResponse *CreateUserFiscalTransactionResponse `xml:"CreateUserFiscalTransactionResponse,omitempty"`
	ItemShipped                         *ItemShipped                         `xml:"ItemShipped,omitempty"`
	ItemShippedResponse                 *ItemShippedResponse                 `xml:"ItemShippedResponse,omitempty"`
	ItemReceived                        *ItemReceived                        `xml:"ItemReceived,omitempty"`
	ItemReceivedResponse                *ItemReceivedResponse                `xml:"ItemReceivedResponse,omitempty"`
	ItemRequested                       *ItemRequested                       `xml:"ItemRequested,omitempty"`
	ItemRequestedResponse               *ItemRequestedResponse               `xml:"ItemRequestedResponse,omitempty"`

	// Problems is a top-level Problem: the message could not be read or
	// its service is not supported.
	Problems []Problem `xml:"Problem,omitempty"`

	// Other is the name of a service element this package does not model
	// (for example "LookupItemSet"), when the message held one. It is set
	// only by Unmarshal and is never written.
	Other string `xml:"-"`
}

// Body returns the name of the message's content element ("LookupUser",
// "CheckOutItemResponse", "Problem") and its value, or "", nil for an empty
// message.
func (m *Message) Body() (string, any) {
	v := reflect.ValueOf(m).Elem()
	t := v.Type()
	for i := 1; i < t.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			return t.Field(i).Name, f.Interface()
		}
	}
	if len(m.Problems) > 0 {
		return "Problem", m.Problems
	}
	if m.Other != "" {
		return m.Other, nil
	}
	return "", nil
}

// Service returns the name of the message's service element, or "" if it
// has none. See Body.
func (m *Message) Service() string {
	n, _ := m.Body()
	return n
}

// Problem returns the first Problem in the message, top-level or inside
// the response, or nil if there is none.
func (m *Message) Problem() *Problem {
	if len(m.Problems) > 0 {
		return &m.Problems[0]
	}
	_, b := m.Body()
	if b == nil {
		return nil
	}
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Problems")
	if !f.IsValid() || f.Len() == 0 {
		return nil
	}
	p := f.Index(0).Interface().(Problem)
	return &p
}

// IsV1 reports whether a version attribute names NCIP version 1 (a DTD
// such as ".../v1_0/imp1/dtd/ncip_v1_0.dtd"). Anything containing "v2",
// and an empty value, is taken as version 2.
func IsV1(version string) bool {
	v := strings.ToLower(version)
	return !strings.Contains(v, "v2") && (strings.Contains(v, "v1") || strings.Contains(v, ".dtd"))
}
