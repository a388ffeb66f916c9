// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).
// The sip2 tags drive the methods generated into zmsg.go (go generate; tag
// grammar in internal/msggen). After changing a tag, run go generate ./sip2.

package sip2

// PatronStatusRequest is message 23, asking for a patron's status.
//
//sip2:message CmdPatronStatus
type PatronStatusRequest struct {
	Language         string `sip2:"fixed,str,len=3,default=000,name=language"`
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	TerminalPassword string `sip2:"AC"`
	PatronPassword   string `sip2:"AD"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// PatronStatusResponse is message 24, the ACS's answer to PatronStatusRequest and BlockPatronRequest.
//
//sip2:message CmdPatronStatusResponse
type PatronStatusResponse struct {
	PatronStatus        PatronStatus `sip2:"fixed,flags,len=14,name=patron status"`
	Language            string       `sip2:"fixed,str,len=3,default=000,name=language"`
	TransactionDate     Time         `sip2:"fixed,time,name=transaction date"`
	InstitutionID       string       `sip2:"AO"`
	PatronID            string       `sip2:"AA"`
	PersonalName        string       `sip2:"AE"`
	ValidPatron         Flag         `sip2:"BL,opt,flag"`
	ValidPatronPassword Flag         `sip2:"CQ,opt,flag"`
	CurrencyType        string       `sip2:"BH,opt"`
	FeeAmount           string       `sip2:"BV,opt"`
	ScreenMessage       []string     `sip2:"AF,repeat"`
	PrintLine           []string     `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// PatronInformationRequest is message 63, asking for a patron's details and, through Summary, one list of items (holds, overdue, charged, ...).
//
//sip2:message CmdPatronInformation
type PatronInformationRequest struct {
	Language         string  `sip2:"fixed,str,len=3,default=000,name=language"`
	TransactionDate  Time    `sip2:"fixed,time,name=transaction date"`
	Summary          Summary `sip2:"fixed,flags,len=10,name=summary"`
	InstitutionID    string  `sip2:"AO"`
	PatronID         string  `sip2:"AA"`
	TerminalPassword string  `sip2:"AC,opt"`
	PatronPassword   string  `sip2:"AD,opt"`
	StartItem        string  `sip2:"BP,opt"`
	EndItem          string  `sip2:"BQ,opt"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// PatronInformationResponse is message 64, the ACS's answer to PatronInformationRequest. Counts are -1 when the ACS sent blanks (unknown).
//
//sip2:message CmdPatronInformationResponse
type PatronInformationResponse struct {
	PatronStatus          PatronStatus `sip2:"fixed,flags,len=14,name=patron status"`
	Language              string       `sip2:"fixed,str,len=3,default=000,name=language"`
	TransactionDate       Time         `sip2:"fixed,time,name=transaction date"`
	HoldItemsCount        int          `sip2:"fixed,count,len=4,name=hold items count"`
	OverdueItemsCount     int          `sip2:"fixed,count,len=4,name=overdue items count"`
	ChargedItemsCount     int          `sip2:"fixed,count,len=4,name=charged items count"`
	FineItemsCount        int          `sip2:"fixed,count,len=4,name=fine items count"`
	RecallItemsCount      int          `sip2:"fixed,count,len=4,name=recall items count"`
	UnavailableHoldsCount int          `sip2:"fixed,count,len=4,name=unavailable holds count"`
	InstitutionID         string       `sip2:"AO"`
	PatronID              string       `sip2:"AA"`
	PersonalName          string       `sip2:"AE"`
	HoldItemsLimit        string       `sip2:"BZ,opt"`
	OverdueItemsLimit     string       `sip2:"CA,opt"`
	ChargedItemsLimit     string       `sip2:"CB,opt"`
	ValidPatron           Flag         `sip2:"BL,opt,flag"`
	ValidPatronPassword   Flag         `sip2:"CQ,opt,flag"`
	CurrencyType          string       `sip2:"BH,opt"`
	FeeAmount             string       `sip2:"BV,opt"`
	FeeLimit              string       `sip2:"CC,opt"`
	HoldItems             []string     `sip2:"AS,repeat"`
	OverdueItems          []string     `sip2:"AT,repeat"`
	ChargedItems          []string     `sip2:"AU,repeat"`
	FineItems             []string     `sip2:"AV,repeat"`
	RecallItems           []string     `sip2:"BU,repeat"`
	UnavailableHoldItems  []string     `sip2:"CD,repeat"`
	HomeAddress           string       `sip2:"BD,opt"`
	EmailAddress          string       `sip2:"BE,opt"`
	HomePhoneNumber       string       `sip2:"BF,opt"`
	ScreenMessage         []string     `sip2:"AF,repeat"`
	PrintLine             []string     `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// BlockPatronRequest is message 01, asking the ACS to block a patron's card (the ACS answers with a PatronStatusResponse).
//
//sip2:message CmdBlockPatron
type BlockPatronRequest struct {
	CardRetained       bool   `sip2:"fixed,flag,name=card retained"`
	TransactionDate    Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID      string `sip2:"AO"`
	BlockedCardMessage string `sip2:"AL"`
	PatronID           string `sip2:"AA"`
	TerminalPassword   string `sip2:"AC"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// PatronEnableRequest is message 25, asking the ACS to re-enable a blocked patron.
//
//sip2:message CmdPatronEnable
type PatronEnableRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	TerminalPassword string `sip2:"AC,opt"`
	PatronPassword   string `sip2:"AD,opt"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// PatronEnableResponse is message 26, the ACS's answer to PatronEnableRequest.
//
//sip2:message CmdPatronEnableResponse
type PatronEnableResponse struct {
	PatronStatus        PatronStatus `sip2:"fixed,flags,len=14,name=patron status"`
	Language            string       `sip2:"fixed,str,len=3,default=000,name=language"`
	TransactionDate     Time         `sip2:"fixed,time,name=transaction date"`
	InstitutionID       string       `sip2:"AO"`
	PatronID            string       `sip2:"AA"`
	PersonalName        string       `sip2:"AE"`
	ValidPatron         Flag         `sip2:"BL,opt,flag"`
	ValidPatronPassword Flag         `sip2:"CQ,opt,flag"`
	ScreenMessage       []string     `sip2:"AF,repeat"`
	PrintLine           []string     `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// EndPatronSessionRequest is message 35, telling the ACS the patron is done.
//
//sip2:message CmdEndPatronSession
type EndPatronSessionRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	TerminalPassword string `sip2:"AC"`
	PatronPassword   string `sip2:"AD"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// EndPatronSessionResponse is message 36, the ACS's answer to EndPatronSessionRequest.
//
//sip2:message CmdEndPatronSessionResponse
type EndPatronSessionResponse struct {
	EndSession      bool     `sip2:"fixed,flag,name=end session"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	PatronID        string   `sip2:"AA"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}
