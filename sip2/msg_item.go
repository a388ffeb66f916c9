// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).
// The sip2 tags drive the methods generated into zmsg.go (go generate; tag
// grammar in internal/msggen). After changing a tag, run go generate ./sip2.

package sip2

// ItemInformationRequest is message 17, asking for an item's status.
//
//sip2:message CmdItemInformation
type ItemInformationRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	ItemID           string `sip2:"AB"`
	TerminalPassword string `sip2:"AC,opt"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// ItemInformationResponse is message 18, the ACS's answer to ItemInformationRequest.
//
//sip2:message CmdItemInformationResponse
type ItemInformationResponse struct {
	CirculationStatus string   `sip2:"fixed,str,len=2,default=01,name=circulation status"`
	SecurityMarker    string   `sip2:"fixed,str,len=2,default=00,name=security marker"`
	FeeType           string   `sip2:"fixed,str,len=2,default=01,name=fee type"`
	TransactionDate   Time     `sip2:"fixed,time,name=transaction date"`
	ItemID            string   `sip2:"AB"`
	TitleID           string   `sip2:"AJ"`
	HoldQueueLength   string   `sip2:"CF,opt"`
	DueDate           string   `sip2:"AH,opt"`
	RecallDate        Time     `sip2:"CJ,opt,time"`
	HoldPickupDate    Time     `sip2:"CM,opt,time"`
	Owner             string   `sip2:"BG,opt"`
	CurrencyType      string   `sip2:"BH,opt"`
	FeeAmount         string   `sip2:"BV,opt"`
	MediaType         string   `sip2:"CK,opt"`
	PermanentLocation string   `sip2:"AQ,opt"`
	CurrentLocation   string   `sip2:"AP,opt"`
	ItemProperties    string   `sip2:"CH,opt"`
	ScreenMessage     []string `sip2:"AF,repeat"`
	PrintLine         []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// ItemStatusUpdateRequest is message 19, asking the ACS to store new item properties.
//
//sip2:message CmdItemStatusUpdate
type ItemStatusUpdateRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	ItemID           string `sip2:"AB"`
	TerminalPassword string `sip2:"AC,opt"`
	ItemProperties   string `sip2:"CH"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// ItemStatusUpdateResponse is message 20, the ACS's answer to ItemStatusUpdateRequest.
//
//sip2:message CmdItemStatusUpdateResponse
type ItemStatusUpdateResponse struct {
	ItemPropertiesOK bool     `sip2:"fixed,ok,name=item properties ok"`
	TransactionDate  Time     `sip2:"fixed,time,name=transaction date"`
	ItemID           string   `sip2:"AB"`
	TitleID          string   `sip2:"AJ,opt"`
	ItemProperties   string   `sip2:"CH,opt"`
	ScreenMessage    []string `sip2:"AF,repeat"`
	PrintLine        []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}
