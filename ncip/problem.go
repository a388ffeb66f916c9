package ncip

import (
	"strings"
)

// Problem is the NCIP Problem element and this package's protocol error:
// a responder's refusal, or a message that could not be read. Type is
// required; the schema makes the rest optional, but the standard's data
// dictionary asks for Detail and Element as well, so the Handler always
// fills them.
//
// Problem messages never include secrets: Value is only set to data that
// the initiator sent and that is not a credential.
type Problem struct {
	Type    SchemeValue `xml:"ProblemType"`
	Detail  string      `xml:"ProblemDetail,omitempty"`
	Element string      `xml:"ProblemElement,omitempty"`
	Value   string      `xml:"ProblemValue,omitempty"`
}

// NewProblem returns a Problem of type t with t's scheme, naming the
// element at fault and saying why.
func NewProblem(t ProblemType, element, detail string) *Problem {
	return &Problem{Type: SchemeValue{Scheme: t.Scheme(), Value: string(t)}, Element: element, Detail: detail}
}

// Error returns "ncip: TYPE: DETAIL (element E, value V)".
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString("ncip: ")
	if p.Type.Value == "" {
		b.WriteString("problem without a type")
	} else {
		b.WriteString(p.Type.Value)
	}
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(p.Detail, "ncip: "))
	}
	if p.Element != "" || p.Value != "" {
		b.WriteString(" (")
		if p.Element != "" {
			b.WriteString("element ")
			b.WriteString(p.Element)
		}
		if p.Value != "" {
			if p.Element != "" {
				b.WriteString(", ")
			}
			b.WriteString("value ")
			b.WriteString(p.Value)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether p is of type t, compared case-insensitively (vendors
// vary the case), so that errors.Is(err, ProblemTypeUnknownUser) works.
func (p *Problem) Is(target error) bool {
	if t, ok := target.(ProblemType); ok {
		return p.Type.Is(string(t))
	}
	return false
}

// ProblemType is a ProblemType value from Appendix A of Z39.83-1-2012. A
// ProblemType is also an error, so that errors.Is(err,
// ncip.ProblemTypeUnknownUser) matches a *Problem of that type.
type ProblemType string

// The standard's ProblemType values. Peers also send values outside this
// list ("Problem performing checkout", "Not On Loan"); compare with
// Problem.Is or SchemeValue.Is, never assume the list is closed.
const (
	// General Processing Error scheme.
	ProblemTypeNeededDataMissing                ProblemType = "Needed Data Missing"
	ProblemTypeInvalidDate                      ProblemType = "Invalid Date"
	ProblemTypeInvalidAmount                    ProblemType = "Invalid Amount"
	ProblemTypeTemporaryProcessingFailure       ProblemType = "Temporary Processing Failure"
	ProblemTypeUnsupportedService               ProblemType = "Unsupported Service"
	ProblemTypeAgencyAuthenticationFailed       ProblemType = "Agency Authentication Failed"
	ProblemTypeSystemAuthenticationFailed       ProblemType = "System Authentication Failed"
	ProblemTypeUnauthorizedServiceForAgency     ProblemType = "Unauthorized Service For Agency"
	ProblemTypeUnauthorizedServiceForSystem     ProblemType = "Unauthorized Service For System"
	ProblemTypeUnknownAgency                    ProblemType = "Unknown Agency"
	ProblemTypeUnknownSystem                    ProblemType = "Unknown System"
	ProblemTypeUnauthorizedCombinationForAgency ProblemType = "Unauthorized Combination Of Element Values For Agency"
	ProblemTypeUnauthorizedCombinationForSystem ProblemType = "Unauthorized Combination Of Element Values For System"

	// Messaging Error Type scheme.
	ProblemTypeInvalidMessageSyntaxError   ProblemType = "Invalid Message Syntax Error"
	ProblemTypeProtocolError               ProblemType = "Protocol Error"
	ProblemTypeUnknownElement              ProblemType = "Unknown Element"
	ProblemTypeUnknownScheme               ProblemType = "Unknown Scheme"
	ProblemTypeUnknownValueFromKnownScheme ProblemType = "Unknown Value From Known Scheme"

	// Service processing error schemes (one scheme per service).
	ProblemTypeUnknownUser                      ProblemType = "Unknown User"
	ProblemTypeUnknownItem                      ProblemType = "Unknown Item"
	ProblemTypeUnknownRequest                   ProblemType = "Unknown Request"
	ProblemTypeItemNotCheckedOut                ProblemType = "Item Not Checked Out"
	ProblemTypeItemDoesNotCirculate             ProblemType = "Item Does Not Circulate"
	ProblemTypeItemNotRenewable                 ProblemType = "Item Not Renewable"
	ProblemTypeMaximumRenewalsExceeded          ProblemType = "Maximum Renewals Exceeded"
	ProblemTypeRenewalNotAllowedOutstanding     ProblemType = "Renewal Not Allowed - Item Has Outstanding Requests"
	ProblemTypeMaximumCheckOutsExceeded         ProblemType = "Maximum Check Outs Exceeded"
	ProblemTypeResourceCannotBeProvided         ProblemType = "Resource Cannot Be Provided"
	ProblemTypeUserBlocked                      ProblemType = "User Blocked"
	ProblemTypeUserIneligibleToCheckOutThisItem ProblemType = "User Ineligible To Check Out This Item"
	ProblemTypeUserIneligibleToRequestThisItem  ProblemType = "User Ineligible To Request This Item"
	ProblemTypeDuplicateRequest                 ProblemType = "Duplicate Request"
	ProblemTypeCannotAcceptItem                 ProblemType = "Cannot Accept Item"
	ProblemTypeRequestAlreadyProcessed          ProblemType = "Request Already Processed"
	ProblemTypeUserAuthenticationFailed         ProblemType = "User Authentication Failed"
	ProblemTypeUserAccessDenied                 ProblemType = "User Access Denied"
	ProblemTypeItemAccessDenied                 ProblemType = "Item Access Denied"
	ProblemTypeNonUniqueUser                    ProblemType = "Non-Unique User"
	ProblemTypeNonUniqueItem                    ProblemType = "Non-Unique Item"
	ProblemTypeDuplicateItem                    ProblemType = "Duplicate Item"
	ProblemTypeElementRuleViolated              ProblemType = "Element Rule Violated"
)

// Scheme URIs of the standard's problem vocabularies.
const (
	SchemeGeneralProcessingError = "http://www.niso.org/ncip/v1_0/schemes/processingerrortype/generalprocessingerror.scm"
	SchemeMessagingError         = "http://www.niso.org/ncip/v1_0/schemes/messagingerrortype/messagingerrortype.scm"
	schemeProcessingErrorPrefix  = "http://www.niso.org/ncip/v1_0/schemes/processingerrortype/"
)

// ServiceProblemScheme returns the processing-error scheme of a service,
// e.g. ".../checkoutitemprocessingerror.scm" for "CheckOutItem".
func ServiceProblemScheme(service string) string {
	return schemeProcessingErrorPrefix + strings.ToLower(service) + "processingerror.scm"
}

// String returns the value, as it appears on the wire.
func (t ProblemType) String() string { return string(t) }

// Error makes a ProblemType usable as an errors.Is target.
func (t ProblemType) Error() string { return "ncip: " + string(t) }

// Scheme returns the scheme URI of t: the General Processing Error or
// Messaging Error scheme, or "" for the service-specific types, whose
// scheme depends on the service (see ServiceProblemScheme).
func (t ProblemType) Scheme() string {
	switch t {
	case ProblemTypeInvalidMessageSyntaxError, ProblemTypeProtocolError, ProblemTypeUnknownElement,
		ProblemTypeUnknownScheme, ProblemTypeUnknownValueFromKnownScheme:
		return SchemeMessagingError
	case ProblemTypeNeededDataMissing, ProblemTypeInvalidDate, ProblemTypeInvalidAmount,
		ProblemTypeTemporaryProcessingFailure, ProblemTypeUnsupportedService,
		ProblemTypeAgencyAuthenticationFailed, ProblemTypeSystemAuthenticationFailed,
		ProblemTypeUnauthorizedServiceForAgency, ProblemTypeUnauthorizedServiceForSystem,
		ProblemTypeUnknownAgency, ProblemTypeUnknownSystem,
		ProblemTypeUnauthorizedCombinationForAgency, ProblemTypeUnauthorizedCombinationForSystem:
		return SchemeGeneralProcessingError
	}
	return ""
}

// clip shortens s to at most n bytes for use in an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
