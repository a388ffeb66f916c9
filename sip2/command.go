package sip2

// Command is the two-character message identifier that starts every SIP2
// message ("93" for Login, "11" for Checkout, ...).
type Command string

// The SIP2 2.00 message set. Requests go from the SC (self-check device,
// locker) to the ACS (library system); the ACS answers each with the
// matching response.
const (
	CmdLogin                     Command = "93"
	CmdLoginResponse             Command = "94"
	CmdSCStatus                  Command = "99"
	CmdACSStatus                 Command = "98"
	CmdPatronStatus              Command = "23"
	CmdPatronStatusResponse      Command = "24"
	CmdCheckout                  Command = "11"
	CmdCheckoutResponse          Command = "12"
	CmdCheckin                   Command = "09"
	CmdCheckinResponse           Command = "10"
	CmdPatronInformation         Command = "63"
	CmdPatronInformationResponse Command = "64"
	CmdBlockPatron               Command = "01"
	CmdItemInformation           Command = "17"
	CmdItemInformationResponse   Command = "18"
	CmdItemStatusUpdate          Command = "19"
	CmdItemStatusUpdateResponse  Command = "20"
	CmdPatronEnable              Command = "25"
	CmdPatronEnableResponse      Command = "26"
	CmdHold                      Command = "15"
	CmdHoldResponse              Command = "16"
	CmdRenew                     Command = "29"
	CmdRenewResponse             Command = "30"
	CmdRenewAll                  Command = "65"
	CmdRenewAllResponse          Command = "66"
	CmdEndPatronSession          Command = "35"
	CmdEndPatronSessionResponse  Command = "36"
	CmdFeePaid                   Command = "37"
	CmdFeePaidResponse           Command = "38"
	// CmdRequestSCResend is sent by the ACS when it could not use the SC's
	// last message (bad checksum, unparsable); the SC sends it again.
	CmdRequestSCResend Command = "96"
	// CmdRequestACSResend is sent by the SC when it could not use the ACS's
	// last response; the ACS sends that response again.
	CmdRequestACSResend Command = "97"
)

type commandInfo struct {
	name     string
	fixedLen int     // length of the fixed part after the 2-character code
	response Command // "" for responses
	request  bool
}

var commands = map[Command]commandInfo{
	CmdLogin:                     {"Login", 2, CmdLoginResponse, true},
	CmdLoginResponse:             {"Login Response", 1, "", false},
	CmdSCStatus:                  {"SC Status", 8, CmdACSStatus, true},
	CmdACSStatus:                 {"ACS Status", 34, "", false},
	CmdPatronStatus:              {"Patron Status Request", 21, CmdPatronStatusResponse, true},
	CmdPatronStatusResponse:      {"Patron Status Response", 35, "", false},
	CmdCheckout:                  {"Checkout", 38, CmdCheckoutResponse, true},
	CmdCheckoutResponse:          {"Checkout Response", 22, "", false},
	CmdCheckin:                   {"Checkin", 37, CmdCheckinResponse, true},
	CmdCheckinResponse:           {"Checkin Response", 22, "", false},
	CmdPatronInformation:         {"Patron Information", 31, CmdPatronInformationResponse, true},
	CmdPatronInformationResponse: {"Patron Information Response", 59, "", false},
	CmdBlockPatron:               {"Block Patron", 19, CmdPatronStatusResponse, true},
	CmdItemInformation:           {"Item Information", 18, CmdItemInformationResponse, true},
	CmdItemInformationResponse:   {"Item Information Response", 24, "", false},
	CmdItemStatusUpdate:          {"Item Status Update", 18, CmdItemStatusUpdateResponse, true},
	CmdItemStatusUpdateResponse:  {"Item Status Update Response", 19, "", false},
	CmdPatronEnable:              {"Patron Enable", 18, CmdPatronEnableResponse, true},
	CmdPatronEnableResponse:      {"Patron Enable Response", 35, "", false},
	CmdHold:                      {"Hold", 19, CmdHoldResponse, true},
	CmdHoldResponse:              {"Hold Response", 20, "", false},
	CmdRenew:                     {"Renew", 38, CmdRenewResponse, true},
	CmdRenewResponse:             {"Renew Response", 22, "", false},
	CmdRenewAll:                  {"Renew All", 18, CmdRenewAllResponse, true},
	CmdRenewAllResponse:          {"Renew All Response", 27, "", false},
	CmdEndPatronSession:          {"End Patron Session", 18, CmdEndPatronSessionResponse, true},
	CmdEndPatronSessionResponse:  {"End Session Response", 19, "", false},
	CmdFeePaid:                   {"Fee Paid", 25, CmdFeePaidResponse, true},
	CmdFeePaidResponse:           {"Fee Paid Response", 19, "", false},
	CmdRequestSCResend:           {"Request SC Resend", 0, "", false},
	CmdRequestACSResend:          {"Request ACS Resend", 0, "", false},
}

// String returns the message name from the specification ("Checkout",
// "Patron Information Response"), or "Unknown (XX)" for a code outside
// SIP2 2.00.
func (c Command) String() string {
	if ci, ok := commands[c]; ok {
		return ci.name
	}
	return "Unknown (" + string(c) + ")"
}

// Known reports whether c is part of SIP2 2.00.
func (c Command) Known() bool {
	_, ok := commands[c]
	return ok
}

// IsRequest reports whether c is sent by the SC (the resend messages 96
// and 97 are neither requests nor responses and report false).
func (c Command) IsRequest() bool { return commands[c].request }

// Response returns the command the ACS answers c with (CmdCheckoutResponse
// for CmdCheckout; CmdPatronStatusResponse for CmdBlockPatron), and false
// for responses, resend messages and unknown codes.
func (c Command) Response() (Command, bool) {
	r := commands[c].response
	return r, r != ""
}

// FixedLen returns the length in characters of c's fixed part, the part
// between the 2-character code and the first variable field, and false for
// unknown codes.
func (c Command) FixedLen() (int, bool) {
	ci, ok := commands[c]
	return ci.fixedLen, ok
}

// Commands returns every SIP2 2.00 command, sorted by code.
func Commands() []Command {
	out := make([]Command, 0, len(commands))
	for c := range commands {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
