// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).
// The sip2 tags drive the methods generated into zmsg.go (go generate; tag
// grammar in internal/msggen). After changing a tag, run go generate ./sip2.

package sip2

// LoginRequest is message 93, sent by the SC to log in to the ACS with the SIP account's user ID and password.
//
//sip2:message CmdLogin
type LoginRequest struct {
	UIDAlgorithm  string `sip2:"fixed,str,len=1,default=0,name=UID algorithm"`
	PWDAlgorithm  string `sip2:"fixed,str,len=1,default=0,name=PWD algorithm"`
	LoginUserID   string `sip2:"CN"`
	LoginPassword string `sip2:"CO"`
	LocationCode  string `sip2:"CP,opt"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// LoginResponse is message 94, the ACS's answer to a LoginRequest.
//
//sip2:message CmdLoginResponse
type LoginResponse struct {
	OK bool `sip2:"fixed,ok,name=ok"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// SCStatusRequest is message 99, sent by the SC after login and periodically as a keep-alive.
//
//sip2:message CmdSCStatus
type SCStatusRequest struct {
	StatusCode      string `sip2:"fixed,str,len=1,default=0,name=status code"`
	MaxPrintWidth   int    `sip2:"fixed,count,len=3,name=max print width"`
	ProtocolVersion string `sip2:"fixed,str,len=4,default=2.00,name=protocol version"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// ACSStatusResponse is message 98, the ACS's answer to an SCStatusRequest: what it supports and its timeouts.
//
//sip2:message CmdACSStatus
type ACSStatusResponse struct {
	OnlineStatus      bool              `sip2:"fixed,flag,name=on-line status"`
	CheckinOK         bool              `sip2:"fixed,flag,name=checkin ok"`
	CheckoutOK        bool              `sip2:"fixed,flag,name=checkout ok"`
	ACSRenewalPolicy  bool              `sip2:"fixed,flag,name=ACS renewal policy"`
	StatusUpdateOK    bool              `sip2:"fixed,flag,name=status update ok"`
	OfflineOK         bool              `sip2:"fixed,flag,name=off-line ok"`
	TimeoutPeriod     int               `sip2:"fixed,count,len=3,name=timeout period"`
	RetriesAllowed    int               `sip2:"fixed,count,len=3,name=retries allowed"`
	DateTimeSync      Time              `sip2:"fixed,time,name=date/time sync"`
	ProtocolVersion   string            `sip2:"fixed,str,len=4,default=2.00,name=protocol version"`
	InstitutionID     string            `sip2:"AO"`
	LibraryName       string            `sip2:"AM,opt"`
	SupportedMessages SupportedMessages `sip2:"BX,flags,len=16"`
	TerminalLocation  string            `sip2:"AN,opt"`
	ScreenMessage     []string          `sip2:"AF,repeat"`
	PrintLine         []string          `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RequestSCResend is message 96, sent by the ACS when it could not use the SC's last message; it has no fields and, with error detection, no AY ("96AZFEF6").
//
//sip2:message CmdRequestSCResend
type RequestSCResend struct {
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RequestACSResend is message 97, sent by the SC when it could not use the ACS's last response; it has no fields and, with error detection, no AY ("97AZFEF5").
//
//sip2:message CmdRequestACSResend
type RequestACSResend struct {
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}
